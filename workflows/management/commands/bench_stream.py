"""Live-trace streaming figures (the harness is workflows/stream_bench.py)."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from axweb.migrated import require_migrated
from workflows.stream_bench import bench_stream, check_redis


class Command(BaseCommand):
    help = (
        "Websocket streaming figures: event latency with 1 and N clients, frames, gaps "
        "(real web server + worker)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--clients", type=int, default=200)
        parser.add_argument("--repeat", type=int, default=3, help="rounds; figures are medians")
        parser.add_argument("--nodes", type=int, default=3)
        parser.add_argument("--chunks", type=int, default=40, help="streamed deltas per node")
        parser.add_argument(
            "--seconds", type=float, default=2.0, help="per node: wait, then stream over this long"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        check_redis()
        figures = bench_stream(
            clients=options["clients"],
            repeat=options["repeat"],
            nodes=options["nodes"],
            chunks=options["chunks"],
            seconds=options["seconds"],
        )
        self.stdout.write(json.dumps(figures, indent=None if options["json"] else 2))
