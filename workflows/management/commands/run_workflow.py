"""Run a workflow from the terminal through the worker: events as they happen, outputs last.

Exit codes: 0 succeeded, 1 failed or cancelled, 2 bad input, 3 paused for an approval.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows import headless

EXIT = {"succeeded": 0, "failed": 1, "cancelled": 1, "paused": 3}


class Command(BaseCommand):
    help = "Start a run of a workflow (by slug or id), print its events and its outputs last."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Our --version picks the workflow version; it replaces Django's (which prints its own).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow", help="The workflow's slug or id.")
        parser.add_argument("--input", default="{}", help="The run's inputs as a JSON object.")
        parser.add_argument("--version", type=int, default=None, help="Default: the newest.")
        parser.add_argument("--owner", default=None, help="Username, when a slug is shared.")
        parser.add_argument("--json", action="store_true", help="One JSON object per line.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = headless.run_start_headless(
                ref=options["workflow"],
                inputs=options["input"],
                version=options["version"],
                owner=options["owner"],
            )
        except headless.BadInput as exc:
            self.stderr.write(f"run_workflow: {exc}")
            sys.exit(2)
        as_json = options["json"]
        asyncio.run(headless.run_follow_print(str(run.id), self.stdout.write, as_json))
        outcome = headless.run_outcome(str(run.id))
        if outcome["status"] != "succeeded":
            self.stderr.write(f"run {outcome['run']} {outcome['status']}: {outcome['error']}")
        self.stdout.write(json.dumps(outcome if as_json else outcome["outputs"], default=str))
        sys.exit(EXIT.get(outcome["status"], 1))
