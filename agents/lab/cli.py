"""Quantize the builtin model and print its figures.

    python -m agents.lab.cli --method awq --bits 4 --group-size 64 --json

Perplexity is measured on the first 20,480 tokens of the pydoc_data.topics text
(window 512, stride 512) for the base and the reloaded quantized model; calibration
uses held-out tokens of the same text (after the evaluated ones) unless
--calib-corpus licenses is given. Torch threads come from AXWEB_TORCH_THREADS.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from agents.lab.jobs import QuantSpec, run_quantization

FIGURES = (
    "ppl_baseline",
    "ppl_quantized",
    "size_mb",
    "bits_per_weight",
    "bits_per_weight_all",
    "quant_s",
    "decode_tok_s",
    "peak_rss_mb",
)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m agents.lab.cli", description=__doc__)
    p.add_argument("--method", choices=["rtn", "awq", "gptq"], default="awq")
    p.add_argument("--bits", type=int, default=4)
    p.add_argument("--group-size", type=int, default=64)
    p.add_argument("--output", default=None, help="packed .safetensors path (default: temp)")
    p.add_argument("--blocks", type=int, nargs="*", default=None, help="decoder blocks only")
    p.add_argument(
        "--calib-corpus", default="pydoc_topics", help="pydoc_topics (held out) or licenses"
    )
    p.add_argument(
        "--calib-start", type=int, default=None, help="first calibration token (default: held out)"
    )
    p.add_argument("--calib-samples", type=int, default=32)
    p.add_argument("--calib-seq-len", type=int, default=256)
    p.add_argument("--eval-tokens", type=int, default=20480)
    p.add_argument("--window", type=int, default=512)
    p.add_argument("--stride", type=int, default=512)
    p.add_argument("--alpha-grid", type=int, default=20)
    p.add_argument("--no-clip", action="store_true", help="AWQ: skip the clipping search")
    p.add_argument(
        "--duo", action="store_true", help="AWQ: also search duo scaling s_x^a / s_w^(1-a)"
    )
    p.add_argument(
        "--feed-quantized", action="store_true", help="AWQ: calibrate on quantized blocks' outputs"
    )
    zero = p.add_mutually_exclusive_group()
    zero.add_argument(
        "--float-zero",
        dest="float_zero",
        action="store_const",
        const=True,
        help="fp16 zero points (default for AWQ)",
    )
    zero.add_argument(
        "--int-zero",
        dest="float_zero",
        action="store_const",
        const=False,
        help="integer zero points (default for RTN and GPTQ)",
    )
    p.add_argument("--no-act-order", action="store_true", help="GPTQ: natural column order")
    p.add_argument("--damp", type=float, default=0.01)
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--decode-tokens", type=int, default=64)
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--verbose", action="store_true", help="progress lines on stderr")
    return p.parse_args(argv)


def spec_from(args: argparse.Namespace) -> QuantSpec:
    return QuantSpec(
        method=args.method,
        bits=args.bits,
        group_size=args.group_size,
        output_path=args.output,
        blocks=args.blocks,
        calib_corpus=args.calib_corpus,
        calib_start=args.calib_start,
        calib_samples=args.calib_samples,
        calib_seq_len=args.calib_seq_len,
        eval_tokens=args.eval_tokens,
        eval_window=args.window,
        eval_stride=args.stride,
        alpha_grid=args.alpha_grid,
        awq_clip=not args.no_clip,
        awq_duo=args.duo,
        awq_feed_quantized=args.feed_quantized,
        float_zero=args.float_zero,
        act_order=not args.no_act_order,
        damp=args.damp,
        evaluate_baseline=not args.no_baseline,
        decode_tokens=args.decode_tokens,
    )


def main(argv: list[str] | None = None) -> int:
    from agents.llm.builtin.generation import configure_threads

    args = parse(argv)
    configure_threads(torch_too=True)  # the lab quantizes with torch

    def progress(event: dict[str, Any]) -> None:
        if args.verbose:
            print(json.dumps(event), file=sys.stderr, flush=True)

    result = run_quantization(spec_from(args), progress, lambda: False)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        for key in FIGURES:
            if key in result:
                print(f"{key}: {result[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
