"""Chat time-to-first-token figures (the harness is workflows/chat/bench.py)."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from axweb.migrated import require_migrated
from workflows.chat.bench import bench_chat
from workflows.stream_bench import check_redis


class Command(BaseCommand):
    help = (
        "Chat time to first token through HTTP → worker → websocket: scripted model, "
        "concurrent sessions on a 50 ms model, the builtin model (real web server + worker)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--turns", type=int, default=20, help="sequential scripted turns")
        parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions")
        parser.add_argument(
            "--builtin-turns", type=int, default=5, help="builtin-model turns (0: skip)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help=(
                "worker processes, each running AXWEB_RUNS_PER_WORKER runs at once (default 1: "
                "what `make run` starts)"
            ),
        )
        parser.add_argument("--logs", default="", help="keep the servers' logs in this folder")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        check_redis()
        figures = bench_chat(
            turns=options["turns"],
            sessions=options["sessions"],
            builtin_turns=options["builtin_turns"],
            workers=options["workers"],
            logs=options["logs"],
        )
        self.stdout.write(json.dumps(figures, indent=None if options["json"] else 2))
