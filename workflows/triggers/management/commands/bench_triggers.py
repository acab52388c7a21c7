import json
from typing import Any

from django.core.management.base import BaseCommand

from axweb.migrated import require_migrated
from workflows.triggers.bench import bench_triggers


class Command(BaseCommand):
    help = "Trigger figures: webhook accept, webhook → run started, schedule fire jitter."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--calls", type=int, default=200, help="webhook calls measured")
        parser.add_argument("--ticks", type=int, default=20, help="schedule ticks measured")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        figures = bench_triggers(calls=options["calls"], ticks=options["ticks"])
        self.stdout.write(json.dumps(figures, indent=None if options["json"] else 2))
