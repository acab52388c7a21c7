"""`python manage.py bench_mcp --json [--calls 30]`: MCP call overhead over a direct run (p50).

Starts the web server and a Celery worker on this database and Redis (workflows/bench_servers.py),
measures with `workflows.mcp.bench.mcp_call_overhead`, deletes its throwaway user, prints JSON.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows.bench_servers import servers
from workflows.mcp.bench import bench_owner, mcp_call_overhead
from workflows.stream_bench import check_redis


class Command(BaseCommand):
    help = "Measure the MCP call overhead over a direct run (p50); prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calls", type=int, default=30)
        parser.add_argument("--json", action="store_true", help="(the output is always JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
        check_redis()
        user, workflow, token = bench_owner()
        try:
            with tempfile.TemporaryDirectory() as folder, servers(Path(folder)) as procs:
                figures = mcp_call_overhead(
                    base_url=f"http://127.0.0.1:{procs.port}",
                    user=user,
                    workflow=workflow,
                    token=token,
                    calls=options["calls"],
                )
        finally:
            user.delete()
        self.stdout.write(json.dumps(figures, indent=2))
