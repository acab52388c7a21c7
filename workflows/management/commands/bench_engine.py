import json
from typing import Any

from django.core.management.base import BaseCommand

from axweb.migrated import require_migrated
from workflows.benchmarks import bench_engine


class Command(BaseCommand):
    help = (
        "Engine figures: dispatch, durable commit, fan-out, checkpoint bytes "
        "and resume after kill -9."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--no-resume", action="store_true", help="skip the worker kill/resume figure"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        figures = bench_engine(with_resume=not options["no_resume"])
        self.stdout.write(json.dumps(figures, indent=None if options["json"] else 2))
