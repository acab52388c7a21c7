"""`python manage.py quantize --method awq --bits 4 --group-size 64 --json`.

A Django front for the lab core's CLI (``agents.lab.cli``): the same options, parsed by
the core into its QuantSpec; torch threads from settings.AXWEB_TORCH_THREADS; progress on
stderr so stdout stays one JSON object. Perplexity is measured for the base and the
quantized model on the first 20,480 tokens of Python's pydoc topics (window 512, stride 512).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

SUMMARY_KEYS = (
    "ppl_baseline",
    "ppl_quantized",
    "size_mb",
    "bits_per_weight",
    "quant_s",
    "decode_tok_s",
)
VALUED = {
    "method": str,
    "bits": int,
    "group_size": int,
    "output": str,
    "calib_samples": int,
    "calib_seq_len": int,
    "eval_tokens": int,
    "window": int,
    "stride": int,
    "alpha_grid": int,
    "damp": float,
    "calib_corpus": str,
    "calib_start": int,
}
FLAGS = (
    "no_clip",
    "no_act_order",
    "no_baseline",
    "duo",
    "feed_quantized",
    "float_zero",
    "int_zero",
)


def core_argv(opts: dict[str, Any]) -> list[str]:
    """Our parsed options back into the core CLI's argv (only what was given)."""
    argv: list[str] = []
    for name in VALUED:
        if opts.get(name) is not None:
            argv += [f"--{name.replace('_', '-')}", str(opts[name])]
    if opts.get("blocks"):
        argv += ["--blocks", *[str(b) for b in opts["blocks"]]]
    argv += [f"--{name.replace('_', '-')}" for name in FLAGS if opts.get(name)]
    return argv


def _with_output(ns: Any) -> Any:
    """Write to the data dir (overwritten by the next run) rather than a new temp file."""
    from django.conf import settings

    if ns.output is None:
        name = f"cli-{ns.method}-w{ns.bits}-g{ns.group_size}.safetensors"
        ns.output = str(Path(settings.DATA_DIR) / "lab" / name)
    return ns


class Command(BaseCommand):
    help = "Quantize the builtin model (rtn, awq or gptq) and print its evaluation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--method", choices=["rtn", "awq", "gptq"])
        for name, kind in VALUED.items():
            if name != "method":
                parser.add_argument(f"--{name.replace('_', '-')}", type=kind)
        parser.add_argument("--blocks", type=int, nargs="*", help="decoder blocks only")
        for name in FLAGS:
            parser.add_argument(f"--{name.replace('_', '-')}", action="store_true")
        parser.add_argument("--json", action="store_true", help="print the whole result as JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        from pydantic import ValidationError

        from agents.lab import cli
        from agents.lab.jobs import run_quantization
        from agents.lab.services.lifecycle import configure_torch_threads

        threads = configure_torch_threads()
        try:
            spec = cli.spec_from(_with_output(cli.parse(core_argv(opts))))
            result = run_quantization(spec, self._progress, lambda: False)
        except (ValidationError, ValueError) as exc:  # GroupSizeError is a ValueError
            raise CommandError(str(exc)) from exc
        result["torch_threads"] = threads
        if opts["json"]:
            self.stdout.write(json.dumps(result, indent=2, sort_keys=True, default=str))
            return
        for key in SUMMARY_KEYS:
            self.stdout.write(f"{key:>16}: {result.get(key)}")

    @staticmethod
    def _progress(event: dict[str, Any]) -> None:
        if event.get("log"):
            print(f"[{event.get('elapsed_s', 0):8.1f}s] {event['log']}", file=sys.stderr)
