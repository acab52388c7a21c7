"""``python manage.py bench_memory [--json] [--quick]``: knowledge-store and sandbox figures."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from axweb.migrated import require_migrated


class Command(BaseCommand):
    help = (
        "Measure embedding rate, search latency at 10k/100k chunks, recall@10 and the "
        "sandboxed call latency. Writes nothing (every row is rolled back)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--quick", action="store_true", help="fewer samples")
        parser.add_argument(
            "--threads", type=int, default=2, help="embedding workers (one torch thread each)"
        )
        parser.add_argument("--no-sandbox", action="store_true")
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            help="instead: store, index and search this many synthetic pre-embedded chunks "
            "(e.g. 1000000; minutes, gigabytes of memory)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        from agents.knowledge.bench import run

        figures = run(
            quick=options["quick"],
            threads=options["threads"],
            sandbox=not options["no_sandbox"],
            scale=options["scale"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        for name, value in figures.items():
            self.stdout.write(f"{name:24} {value}")
