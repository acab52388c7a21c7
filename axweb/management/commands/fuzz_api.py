"""`python manage.py fuzz_api --json --cases 2000`: stateful fuzzing of /api/ as two users."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from axweb.fuzzing import fuzz_api


class Command(BaseCommand):
    help = (
        "Fuzz every endpoint of /api/schema/ with schemathesis' state machine as user A, "
        "then user B; "
        "count server errors and B's reads of A's objects (throwaway users, deleted afterwards)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cases", type=int, default=2000, help="requests per user, about")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--details", action="store_true", help="include the failing requests")

    def handle(self, *args: Any, **options: Any) -> None:
        figures = fuzz_api(max(1, options["cases"]))
        if not options["details"]:
            figures.pop("details")
        self.stdout.write(json.dumps(figures, indent=None if options["json"] else 2, default=str))
