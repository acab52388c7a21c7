"""Import a workflow exported by `export_workflow` or the API; an existing slug gets a version."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from axweb.errors import GraphInvalid
from workflows import headless


class Command(BaseCommand):
    help = "Import a workflow export (FILE, or - for stdin) for --owner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The export file, or - to read stdin.")
        parser.add_argument("--owner", required=True, help="Username of the new owner.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text()
            workflow, created = headless.workflow_import_or_version(
                owner=options["owner"], document=json.loads(text)
            )
        except (OSError, json.JSONDecodeError, headless.BadInput) as exc:
            self.stderr.write(f"import_workflow: {exc}")
            sys.exit(2)
        except GraphInvalid as exc:
            self.stderr.write(f"import_workflow: the graph is invalid: {exc.problems}")
            sys.exit(2)
        version = workflow.versions.order_by("-number").values_list("number", flat=True).first()
        summary = {"id": workflow.id, "slug": workflow.slug, "version": version, "created": created}
        self.stdout.write(json.dumps(summary))
