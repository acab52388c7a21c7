"""Print a workflow in the API's export format (for keeping flows in Git)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows import headless


class Command(BaseCommand):
    help = "Export a workflow (slug or id) as JSON, to stdout or --output FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow", help="The workflow's slug or id.")
        parser.add_argument("--owner", default=None, help="Username, when a slug is shared.")
        parser.add_argument("--output", "-o", default=None, help="File to write (default stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = headless.workflow_export_find(
                ref=options["workflow"], owner=options["owner"]
            )
        except headless.BadInput as exc:
            self.stderr.write(f"export_workflow: {exc}")
            sys.exit(2)
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text)
        else:
            self.stdout.write(text, ending="")
