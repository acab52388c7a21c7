import json
from typing import Any

from django.core.management.base import BaseCommand

from workflows.runs.chaos import chaos


class Command(BaseCommand):
    help = (
        "Chaos on PostgreSQL + a private Redis: N runs of a 20-node parallel flow "
        "while workers are SIGKILLed, Redis restarts once and the database connections "
        "are terminated once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--runs", type=int, default=50, help="how many runs (default 50)")
        parser.add_argument(
            "--kill-every", type=float, default=4.0, help="seconds between worker kills"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        figures = chaos(runs=options["runs"], kill_every_s=options["kill_every"])
        self.stdout.write(json.dumps(figures, indent=None if options["json"] else 2))
