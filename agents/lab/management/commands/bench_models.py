"""`python manage.py bench_models --json`: the model layer's benchmark (agents.llm.bench)."""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Builtin model load time, prefill and decode speed, peak memory, router overhead."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--new-tokens", type=int, default=64)
        # the issue measures at 2 threads; workers use AXWEB_TORCH_THREADS
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--json", action="store_true", help="print JSON (the default shape)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from agents.llm import bench

        os.environ["AXWEB_TORCH_THREADS"] = str(opts["threads"])  # read by the builtin runtime
        result = bench.run(opts["repeat"], opts["new_tokens"])
        if opts["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:>24}: {value}")
