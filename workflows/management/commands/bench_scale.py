"""Scale-out figures: runs/s for 1, 2 and 4 worker processes (workflows/runs/scale.py)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from axweb.migrated import require_migrated
from workflows.runs.scale import bench_scale
from workflows.stream_bench import check_redis


def worker_counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise CommandError(f"--workers {text!r}: give worker counts like 1,2,4 (each at least 1).")
    return counts


class Command(BaseCommand):
    help = (
        "Scale-out on this database (PostgreSQL for real figures) and Redis: runs of a "
        "10-node flow whose scripted models wait 100 ms, on 1, 2 and 4 worker processes; runs/s, "
        "the cost per node, duplicate node executions and lost runs."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--runs", type=int, default=500, help="runs per worker count")
        parser.add_argument("--workers", default="1,2,4", help="worker counts (default 1,2,4)")
        parser.add_argument(
            "--rounds",
            type=int,
            default=2,
            help=(
                "rounds that share each worker count's runs, in the order 1,2,4,4,2,1 (default 2: "
                "a load that drifts on a shared machine weighs on every worker count alike)"
            ),
        )
        parser.add_argument(
            "--runs-per-worker",
            type=int,
            default=2,
            help=(
                "runs at once per worker process (default 2: on a 2-core machine more would "
                "measure the CPU ceiling, not the scaling — docs/performance.md)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        check_redis()
        if min(options["runs"], options["runs_per_worker"] or 1, options["rounds"]) < 1:
            raise CommandError("--runs, --runs-per-worker and --rounds must be at least 1.")
        figures = bench_scale(
            runs=options["runs"],
            worker_counts=worker_counts(options["workers"]),
            slots=options["runs_per_worker"],
            rounds=options["rounds"],
        )
        self.stdout.write(json.dumps(figures, indent=None if options["json"] else 2))
