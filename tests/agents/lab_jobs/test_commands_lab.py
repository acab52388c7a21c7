"""The lab's management commands: quantize (a front for the core CLI) and bench_models."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from agents.lab import cli
from agents.lab.management.commands.quantize import Command, core_argv


def parsed(*argv: str) -> dict[str, object]:
    return vars(Command().create_parser("manage.py", "quantize").parse_args(list(argv)))


def test_quantize_options_reach_the_core_spec_unchanged() -> None:
    opts = parsed(
        "--method",
        "gptq",
        "--bits",
        "3",
        "--group-size",
        "64",
        "--blocks",
        "0",
        "2",
        "--window",
        "256",
        "--no-baseline",
        "--no-act-order",
        "--json",
    )
    spec = cli.spec_from(cli.parse(core_argv(opts)))
    assert (spec.method, spec.bits, spec.group_size, spec.blocks) == ("gptq", 3, 64, [0, 2])
    assert (spec.eval_window, spec.evaluate_baseline, spec.act_order) == (256, False, False)


def test_quantize_defaults_are_the_core_defaults() -> None:
    spec = cli.spec_from(cli.parse(core_argv(parsed())))
    assert spec == cli.spec_from(cli.parse([]))
    assert (spec.eval_tokens, spec.eval_window, spec.eval_stride) == (20480, 512, 512)


def test_bench_models_prints_the_model_layer_figures_as_json() -> None:
    out = io.StringIO()
    call_command("bench_models", "--json", "--repeat", "1", "--new-tokens", "2", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["new_tokens"] == 2 and figures["threads"] >= 1
    assert figures["builtin_decode_tok_s"] > 0
    runs = {threads: len(rates) for threads, rates in figures["decode_runs_tok_s"].items()}
    assert runs == {"1": 1, "2": 1}  # one run each at 1 and 2 threads
    assert set(figures["streams_aggregate_tok_s"]) == {"1", "2", "4"}
    assert figures["peak_rss_mb"] > 0
    assert figures["kernel_isa"] in ("avx2", "vnni256", "avx512")


def test_quantize_passes_calibration_and_zero_point_options_to_the_core() -> None:
    spec = cli.spec_from(
        cli.parse(
            core_argv(
                parsed(
                    "--method",
                    "awq",
                    "--calib-corpus",
                    "licenses",
                    "--calib-start",
                    "128",
                    "--int-zero",
                    "--duo",
                    "--feed-quantized",
                )
            )
        )
    )
    assert (spec.calib_corpus, spec.calib_start, spec.float_zero) == ("licenses", 128, False)
    assert (spec.awq_duo, spec.awq_feed_quantized) == (True, True)
