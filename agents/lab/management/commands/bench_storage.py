"""`python manage.py bench_storage --json`: memory and speed of a served W3 vs W4 lab model
(agents.lab.bench_storage; each variant is served in its own process)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Resident weight bytes, peak RSS and decode speed of W3 (3-bit storage) vs W4 models."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--w3", help="a W3 packed file (default: RTN-quantize SmolLM2)")
        parser.add_argument("--w4", help="a W4 packed file (with --w3)")
        parser.add_argument("--dir", help="where to write or reuse the RTN files")
        parser.add_argument("--variants", default="w3,w3_q4_1,w3_float,w4")
        parser.add_argument("--new-tokens", type=int, default=64)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="print JSON (the only shape)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from agents.lab import bench_storage

        argv = ["--variants", opts["variants"], "--new-tokens", str(opts["new_tokens"])]
        argv += ["--repeat", str(opts["repeat"]), "--threads", str(opts["threads"])]
        for key in ("w3", "w4", "dir"):
            if opts[key]:
                argv += [f"--{key}", opts[key]]
        result = bench_storage.run_cli(argv)
        self.stdout.write(json.dumps(result, indent=2))
