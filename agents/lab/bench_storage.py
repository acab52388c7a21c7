"""How much memory a lab model costs while it is served: 3-bit storage vs Q4_1.

``python manage.py bench_storage --json`` (or ``python -m agents.lab.bench_storage``)
quantizes SmolLM2 with RTN at 3 and 4 bits (group 64; or takes ``--w3``/``--w4`` files),
then serves each file in a fresh process (peak RSS is per process) and prints one JSON
object: per variant, the bytes of the weight arrays held, RSS after loading, peak RSS,
load time, greedy decode tok/s and CPU ms per token (1 thread by default), whether torch
was imported, and the greedy tokens' agreement with the widened twin of the same file.

Variants: ``w3`` (3-bit codes in memory, the default for W3 files), ``w3_q4_1`` (the same
codes widened to Q4_1 nibbles), ``w3_float`` (how W3 files were served before: dequantized
through torch, re-quantized to Q4_1), ``w4`` (the default for W4 files: Q4_1 with the
file's codes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROMPT = "What is the capital of France? Answer in one short sentence, please."
ROOT = Path(__file__).resolve().parents[2]  # the children import this checkout's modules
VARIANTS = {"w3": (3, "auto"), "w3_q4_1": (3, "q4_1"), "w3_float": (3, "float"), "w4": (4, "auto")}


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB. The peak is VmHWM, not
    ru_maxrss: a child started by a big parent inherits the parent's ru_maxrss."""
    found = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


def weight_bytes(model: Any) -> int:
    """Bytes of the weight arrays a served model holds (projections, norms, embedding)."""
    if hasattr(model, "weight_bytes"):
        return int(model.weight_bytes)
    total = model.embed.nbytes + model.norm.nbytes
    for layer in model.layers:
        total += layer.attn_norm.nbytes + layer.ffn_norm.nbytes
        total += sum(m.blocks.nbytes for m in (layer.qkv, layer.out, layer.gate_up, layer.down))
    return int(total)


def serve(path: str, storage: str, new_tokens: int, repeat: int) -> dict[str, Any]:
    """Load ``path`` as the builtin provider does and decode greedily (this process)."""
    from agents.llm.base import Message
    from agents.llm.builtin.generation import configure_threads
    from agents.llm.providers.builtin import load_compressed_engine, render_prompt

    threads = configure_threads()
    t0, c0 = time.perf_counter(), time.process_time()
    engine = load_compressed_engine(path, storage)
    load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    after_load, _ = _rss_mb()
    model = engine.model
    ids = engine.encode(render_prompt([Message("user", PROMPT)], None))
    runs: list[tuple[float, float]] = []
    tokens: list[int] = []
    for _ in range(repeat):
        cache = model.new_cache()
        logits = model.prefill(ids, 0, cache)
        tokens = []
        t1, c1 = time.perf_counter(), time.process_time()
        for i in range(new_tokens):
            tokens.append(int(logits.argmax()))
            logits = model.step([tokens[-1]], [len(ids) + i], [cache], [True])[0]
        wall, cpu = time.perf_counter() - t1, time.process_time() - c1
        runs.append((new_tokens / wall, cpu / new_tokens * 1000))
    current, peak = _rss_mb()
    bits = 8 * weight_bytes(model)
    return {
        "storage": type(model).__name__,
        "weight_bytes": weight_bytes(model),
        "projection_bits_per_weight": round(
            _projection_bits(model) / _projection_weights(model), 3
        ),
        "weight_bits_total": bits,
        "rss_after_load_mb": round(after_load, 1),
        "rss_after_decode_mb": round(current, 1),
        "peak_rss_mb": round(peak, 1),
        "load_s": round(load_s, 2),
        "load_cpu_s": round(load_cpu, 2),
        "decode_tok_s": round(statistics.median(r[0] for r in runs), 1),
        "decode_cpu_ms_per_token": round(statistics.median(r[1] for r in runs), 2),
        "decode_runs_tok_s": [round(r[0], 1) for r in runs],
        "threads": threads,
        "torch_imported": "torch" in sys.modules,
        "tokens": tokens,
    }


def _projections(model: Any) -> list[Any]:
    return [m for layer in model.layers for m in (layer.qkv, layer.out, layer.gate_up, layer.down)]


def _projection_bits(model: Any) -> int:
    return sum(
        8 * (m.nbytes if hasattr(m, "cols") else m.blocks.nbytes) for m in _projections(model)
    )


def _projection_weights(model: Any) -> int:
    from agents.llm.builtin.model import BLOCK_BYTES, GROUP

    total = 0
    for m in _projections(model):
        if hasattr(m, "cols"):
            total += m.rows * m.cols
        else:
            total += m.blocks.shape[0] * m.blocks.shape[1] // BLOCK_BYTES[m.kind] * GROUP
    return total


def quantize_files(folder: Path) -> dict[int, Path]:
    """RTN W3 and W4 (group 64) files of SmolLM2 in ``folder`` (reused when present)."""
    import copy

    from agents.lab.quant.packing import save_quantized
    from agents.lab.quant.rtn import quantize_rtn
    from agents.llm.builtin.weights import load_smollm2

    paths = {bits: folder / f"smollm2-rtn-w{bits}g64.safetensors" for bits in (3, 4)}
    missing = [bits for bits, p in paths.items() if not p.is_file()]
    if missing:
        base = load_smollm2().model
        for bits in missing:
            model = copy.deepcopy(base)
            quantized = quantize_rtn(model, bits, 64)
            save_quantized(
                paths[bits], model, quantized, {"method": "rtn", "base_model": "smollm2"}
            )
            del model, quantized
    return paths


def run(
    files: dict[int, Path], new_tokens: int, repeat: int, threads: int, variants: list[str]
) -> dict[str, Any]:
    """Serve each variant in a child process; compare the outputs and the memory."""
    env = {**os.environ, "AXWEB_TORCH_THREADS": str(threads), "HF_HUB_OFFLINE": "1"}
    results: dict[str, Any] = {}
    for name in variants:
        bits, storage = VARIANTS[name]
        cmd = [
            sys.executable,
            "-m",
            "agents.lab.bench_storage",
            "--child",
            str(files[bits]),
            "--storage",
            storage,
            "--new-tokens",
            str(new_tokens),
            "--repeat",
            str(repeat),
        ]
        out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
        results[name] = json.loads(out.stdout)
        results[name]["load_avg_1m"] = round(os.getloadavg()[0], 2)
    summary: dict[str, Any] = {
        "cpu": _cpu_name(),
        "new_tokens": new_tokens,
        "repeat": repeat,
        "threads": threads,
        "files": {b: str(p) for b, p in files.items()},
        "variants": results,
    }
    if "w3" in results and "w3_q4_1" in results:
        a, b = results["w3"]["tokens"], results["w3_q4_1"]["tokens"]
        summary["w3_same_greedy_tokens_as_w3_q4_1"] = sum(1 for _ in _common_prefix(a, b))
    if "w3" in results and "w4" in results:
        w3, w4 = results["w3"], results["w4"]
        summary["w3_over_w4"] = {
            k: round(w3[k] / w4[k], 3) for k in ("weight_bytes", "peak_rss_mb", "rss_after_load_mb")
        }
    if "w3" in results and "w3_float" in results:
        new, old = results["w3"], results["w3_float"]
        summary["w3_decode_tok_s_vs_before"] = round(new["decode_tok_s"] / old["decode_tok_s"], 3)
        summary["w3_cpu_per_token_vs_before"] = round(
            new["decode_cpu_ms_per_token"] / old["decode_cpu_ms_per_token"], 3
        )
    return summary


def _common_prefix(a: list[int], b: list[int]) -> Any:
    for x, y in zip(a, b, strict=False):
        if x != y:
            return
        yield x


def _cpu_name() -> str:
    from agents.llm.bench import _cpu_name as name

    return name()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--w3", help="a W3 packed file (default: quantize SmolLM2 with RTN)")
    parser.add_argument("--w4", help="a W4 packed file")
    parser.add_argument("--dir", help="where to write/reuse the RTN files (default: a temp dir)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--storage", default="auto", help=argparse.SUPPRESS)
    return parser


def run_cli(argv: list[str]) -> dict[str, Any]:
    """The benchmark's JSON for command-line arguments (``manage.py bench_storage``)."""
    args = _parser().parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.w3 and args.w4:
            files = {3: Path(args.w3), 4: Path(args.w4)}
        else:
            files = quantize_files(folder)
        return run(files, args.new_tokens, args.repeat, args.threads, variants)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.child:
        print(json.dumps(serve(args.child, args.storage, args.new_tokens, args.repeat)))
        return
    print(json.dumps(run_cli(sys.argv[1:] if argv is None else argv), indent=2))


if __name__ == "__main__":
    main()
