"""`python manage.py prune_runs [--days N] [--json]`: delete old runs' events, node runs, tool
calls."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.runs.retention import runs_prune


class Command(BaseCommand):
    help = (
        "Delete the events, node runs and tool-call records of runs finished more than "
        "AXWEB_RETENTION_DAYS (or --days) days ago; the run rows stay. 0 days keeps everything."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"override AXWEB_RETENTION_DAYS (now {settings.AXWEB_RETENTION_DAYS})",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the counts as one JSON object"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and days < 0:
            raise CommandError("--days must be 0 (keep everything) or a positive number of days.")
        totals = runs_prune(days)
        if options["json"]:
            self.stdout.write(json.dumps(totals))
        else:
            self.stdout.write(
                ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in totals.items())
                + " deleted"
            )
