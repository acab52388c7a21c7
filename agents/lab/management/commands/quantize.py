"""`python manage.py quantize --method awq --bits 4 --group-size 64 --json`.

Quantizes the builtin model with the lab core, evaluates baseline and quantized perplexity
on the first 20,480 tokens of Python's pydoc topics (window 512, stride 512) and prints
the figures. Progress goes to stderr so stdout stays one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

SUMMARY_KEYS = ("ppl_baseline", "ppl_quantized", "size_mb", "bits_per_weight", "quant_s",
                "decode_tok_s")


class Command(BaseCommand):
    help = "Quantize the builtin model (rtn, awq or gptq) and print its evaluation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--method", choices=["rtn", "awq", "gptq"], default="awq")
        parser.add_argument("--bits", type=int, default=4)
        parser.add_argument("--group-size", type=int, default=64)
        parser.add_argument("--blocks", help="comma-separated decoder blocks (default: all)")
        parser.add_argument("--eval-tokens", type=int, default=20480)
        parser.add_argument("--eval-window", type=int, default=512)
        parser.add_argument("--eval-stride", type=int, default=512)
        parser.add_argument("--calib-corpus", default="licenses")
        parser.add_argument("--eval-corpus", default="pydoc_topics")
        parser.add_argument("--no-baseline", action="store_true", help="skip the baseline ppl")
        parser.add_argument("--output", help="where to write the packed .safetensors file")
        parser.add_argument("--json", action="store_true", help="print the whole result as JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        from pydantic import ValidationError

        from agents.lab.jobs import run_quantization
        from agents.lab.quant.rtn import GroupSizeError
        from agents.lab.services import configure_torch_threads

        configure_torch_threads()
        try:
            result = run_quantization(self._spec(opts), self._progress, lambda: False)
        except (GroupSizeError, ValidationError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(result, indent=2, sort_keys=True, default=str))
            return
        for key in SUMMARY_KEYS:
            self.stdout.write(f"{key:>16}: {result.get(key)}")

    def _spec(self, opts: dict[str, Any]) -> dict[str, Any]:
        blocks = [int(b) for b in opts["blocks"].split(",")] if opts["blocks"] else None
        return {"method": opts["method"], "bits": opts["bits"], "group_size": opts["group_size"],
                "blocks": blocks, "eval_tokens": opts["eval_tokens"],
                "eval_window": opts["eval_window"], "eval_stride": opts["eval_stride"],
                "calib_corpus": opts["calib_corpus"], "eval_corpus": opts["eval_corpus"],
                "evaluate_baseline": not opts["no_baseline"], "output_path": opts["output"]}

    @staticmethod
    def _progress(event: dict[str, Any]) -> None:
        if event.get("log"):
            print(f"[{event.get('elapsed_s', 0):8.1f}s] {event['log']}", file=sys.stderr)
