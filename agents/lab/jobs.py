"""Lab jobs: quantize the builtin model and benchmark a model, with progress and cancel.

These functions know nothing of Django or Celery: the caller passes ``progress`` (called
with a JSON-able dict) and ``is_cancelled`` (polled between layers / requests; when it
returns True the job raises ``Cancelled``).
"""

from __future__ import annotations

import copy
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, Field

from agents.lab import corpora
from agents.lab.evaluate import (
    bits_per_weight,
    builtin_decode_speed,
    calibration_windows,
    peak_rss_mb,
    perplexity,
    size_mb,
    token_ids,
)
from agents.lab.quant.awq import AWQConfig, quantize_awq
from agents.lab.quant.gptq import GPTQConfig, quantize_gptq
from agents.lab.quant.packing import load_quantized_model, save_quantized
from agents.lab.quant.rtn import QuantizedWeight, quantize_rtn_blocks, require_group_size

Progress = Callable[[dict[str, Any]], None]
IsCancelled = Callable[[], bool]
BASE_MODEL = "SmolLM2-135M-Instruct (Q4_1 GGUF, dequantized)"
DEFAULT_PROMPT = "Explain in two sentences what a Python generator is."


class Cancelled(Exception):
    """The job was cancelled by the caller (raised between layers or requests)."""


class QuantSpec(BaseModel):
    method: Literal["rtn", "awq", "gptq"] = "awq"
    bits: int = Field(4, ge=2, le=8)
    group_size: int = Field(64, gt=0)
    blocks: list[int] | None = None  # decoder blocks to quantize; None = all
    output_path: str | None = None
    calib_corpus: str = "pydoc_topics"
    # First calibration token. None: 0, or right after the evaluation tokens when the
    # calibration and evaluation corpora are the same text (held-out, no overlap).
    calib_start: int | None = Field(None, ge=0)
    calib_samples: int = Field(32, gt=0)
    calib_seq_len: int = Field(256, gt=1)
    eval_corpus: str = "pydoc_topics"
    eval_tokens: int = Field(20480, gt=1)
    eval_window: int = Field(512, gt=1)
    eval_stride: int = Field(512, gt=0)
    evaluate: bool = True
    evaluate_baseline: bool = False
    decode_tokens: int = Field(64, ge=0)
    alpha_grid: int = Field(20, gt=0)
    awq_clip: bool = True
    awq_duo: bool = False
    awq_feed_quantized: bool = False
    # fp16 zero points (same bits as integer ones); on for AWQ, off for RTN and GPTQ.
    float_zero: bool | None = None
    damp: float = Field(0.01, gt=0)
    act_order: bool = True


class BenchmarkSpec(BaseModel):
    model_path: str | None = None  # a packed file; None = the base model
    prompts: list[str] = Field(default_factory=lambda: [DEFAULT_PROMPT])
    n_requests: int = Field(8, gt=0)
    max_new_tokens: int = Field(32, gt=0)


class _Reporter:
    def __init__(self, progress: Progress, is_cancelled: IsCancelled) -> None:
        self.progress, self.is_cancelled = progress, is_cancelled
        self.start = time.monotonic()

    def check(self) -> None:
        if self.is_cancelled():
            raise Cancelled("cancelled by the caller")

    def stage(self, stage: str, log: str) -> None:
        self.check()
        self.progress({"stage": stage, "elapsed_s": self.elapsed(), "log": log})

    def step(self, stage: str, done: int, total: int, log: str) -> None:
        elapsed = self.elapsed()
        eta = elapsed / done * (total - done) if done else None
        self.progress(
            {
                "stage": stage,
                "layer": done,
                "total": total,
                "elapsed_s": elapsed,
                "eta_s": eta,
                "log": log,
            }
        )
        self.check()

    def elapsed(self) -> float:
        return round(time.monotonic() - self.start, 3)


def calibration(spec: QuantSpec, tok: Any) -> tuple[torch.Tensor, dict[str, Any]]:
    """The calibration batch and where it came from (corpus, token offsets).

    When calibration and evaluation use the same corpus, calibration starts after the
    first ``eval_tokens`` tokens (the evaluated ones); an explicit ``calib_start`` inside
    them is refused (ValueError) so perplexity stays held-out.
    """
    same = spec.calib_corpus == spec.eval_corpus
    start = spec.calib_start if spec.calib_start is not None else (spec.eval_tokens if same else 0)
    if same and start < spec.eval_tokens:
        raise ValueError(
            f"calib_start {start} overlaps the evaluation tokens [0, {spec.eval_tokens}) of "
            f"{spec.calib_corpus!r}; start at {spec.eval_tokens} or later, "
            "or calibrate on another corpus"
        )
    ids = token_ids(tok, corpora.corpus_text(spec.calib_corpus))
    batch, starts = calibration_windows(ids, spec.calib_samples, spec.calib_seq_len, start)
    info = {
        "corpus": spec.calib_corpus,
        "samples": spec.calib_samples,
        "seq_len": spec.calib_seq_len,
        "tokens": spec.calib_samples * spec.calib_seq_len,
        "token_range": [starts[0], starts[-1] + spec.calib_seq_len],
        "corpus_tokens": int(ids.numel()),
    }
    return batch, info


def _quantize(
    spec: QuantSpec, model: Any, calib: torch.Tensor | None, rep: _Reporter
) -> dict[str, QuantizedWeight]:
    def after(done: int, total: int, log: str) -> None:
        rep.step("quantize", done, total, log)

    if spec.method == "rtn":
        return quantize_rtn_blocks(
            model, spec.bits, spec.group_size, spec.blocks, after, bool(spec.float_zero)
        )
    assert calib is not None
    if spec.method == "awq":
        cfg = AWQConfig(
            spec.bits,
            spec.group_size,
            spec.alpha_grid,
            spec.awq_clip,
            float_zero=spec.float_zero is not False,
            duo=spec.awq_duo,
            feed_quantized=spec.awq_feed_quantized,
        )
        return quantize_awq(model, calib, cfg, spec.blocks, after)
    gcfg = GPTQConfig(
        spec.bits, spec.group_size, spec.damp, spec.act_order, float_zero=bool(spec.float_zero)
    )
    return quantize_gptq(model, calib, gcfg, spec.blocks, after)


def _evaluate(spec: QuantSpec, path: Path, base: Any, tok: Any, rep: _Reporter) -> dict[str, Any]:
    ids = token_ids(tok, corpora.corpus_text(spec.eval_corpus), spec.eval_tokens)
    out: dict[str, Any] = {"eval_corpus": spec.eval_corpus}
    if spec.evaluate_baseline:
        rep.stage("evaluate", "perplexity of the base model")
        out["baseline"] = perplexity(base, ids, spec.eval_window, spec.eval_stride)
        out["ppl_baseline"] = out["baseline"]["ppl"]
    rep.stage("evaluate", "perplexity of the reloaded quantized model")
    _, qmodel = load_quantized_model(path)
    out["quantized"] = perplexity(qmodel, ids, spec.eval_window, spec.eval_stride)
    out["ppl_quantized"] = out["quantized"]["ppl"]
    if spec.decode_tokens:
        rep.stage("evaluate", "decode speed")
        del qmodel  # the float copy is not what agents run; free it before loading the runtime
        out["decode"] = builtin_decode_speed(path, DEFAULT_PROMPT, spec.decode_tokens)
        out["decode_tok_s"] = out["decode"]["decode_tok_s"]
    return out


def run_quantization(
    spec: dict[str, Any] | QuantSpec, progress: Progress, is_cancelled: IsCancelled
) -> dict[str, Any]:
    """Quantize, pack to ``output_path`` (a temp file if unset), optionally evaluate.

    Raises Cancelled, GroupSizeError (bad group size) or pydantic.ValidationError.
    """
    from agents.llm.builtin.weights import load_smollm2

    spec = QuantSpec.model_validate(spec)
    rep = _Reporter(progress, is_cancelled)
    rep.stage("load", "loading the base model")
    loaded = load_smollm2()
    require_group_size(loaded.model, spec.group_size)
    calib, calib_info = None, None
    if spec.method != "rtn":
        calib, calib_info = calibration(spec, loaded.tokenizer)
        first, end = calib_info["token_range"]
        rep.stage(
            "calibrate",
            f"calibration: {tuple(calib.shape)} tokens of {spec.calib_corpus} [{first}, {end})",
        )
    model = copy.deepcopy(loaded.model)
    start = time.monotonic()
    quantized = _quantize(spec, model, calib, rep)
    quant_s = time.monotonic() - start
    path = Path(spec.output_path or tempfile.mkstemp(suffix=".safetensors")[1])
    rep.stage("pack", f"writing {path}")
    meta = {"method": spec.method, "base_model": BASE_MODEL, "spec": spec.model_dump()}
    save_quantized(path, model, quantized, meta)
    del model
    result: dict[str, Any] = {
        "method": spec.method,
        "bits": spec.bits,
        "group_size": spec.group_size,
        "path": str(path),
        "layers_quantized": len(quantized),
        "calibration": calib_info,
        "quant_s": quant_s,
        "size_mb": size_mb(path),
        "bits_per_weight": bits_per_weight(path)["quantized_layers"],
        "bits_per_weight_all": bits_per_weight(path)["all_tensors"],
    }
    if spec.evaluate:
        result.update(_evaluate(spec, path, loaded.model, loaded.tokenizer, rep))
    result["peak_rss_mb"] = peak_rss_mb()
    rep.stage("done", "finished")
    return result


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


@torch.no_grad()
def run_model_benchmark(
    spec: dict[str, Any] | BenchmarkSpec, progress: Progress, is_cancelled: IsCancelled
) -> dict[str, Any]:
    """Serve ``n_requests`` prompts (cycled) through the builtin runtime, as agents call it:
    chat template, prefill, greedy decode up to ``max_new_tokens`` (a request may end early
    at the end-of-turn token). Latency percentiles per request, tokens/s overall."""
    import threading

    from agents.llm.base import GenParams, Message
    from agents.llm.providers.builtin import get_engine, load_compressed_engine, render_prompt

    spec = BenchmarkSpec.model_validate(spec)
    rep = _Reporter(progress, is_cancelled)
    rep.stage("load", "loading the model into the builtin runtime")
    engine = load_compressed_engine(spec.model_path) if spec.model_path else get_engine()
    params, never = GenParams(max_tokens=spec.max_new_tokens, temperature=0.0), threading.Event()
    latencies, tokens = [], 0
    for i in range(spec.n_requests):
        prompt = engine.encode(
            render_prompt([Message("user", spec.prompts[i % len(spec.prompts)])], None)
        )
        start = time.perf_counter()
        outcome = engine.generate(prompt, params, never, lambda _piece: None)
        latencies.append(time.perf_counter() - start)
        tokens += outcome.output_tokens
        rep.step(
            "benchmark",
            i + 1,
            spec.n_requests,
            f"request {i + 1}: {latencies[-1]:.2f}s, {outcome.output_tokens} tokens",
        )
    return {
        "model": spec.model_path or "base",
        "engine": "builtin runtime",
        "threads": torch.get_num_threads(),
        "requests": spec.n_requests,
        "latency_p50_s": _percentile(latencies, 50),
        "latency_p95_s": _percentile(latencies, 95),
        "tokens_per_s": tokens / sum(latencies),
        "output_tokens": tokens,
        "latencies_s": latencies,
        "peak_rss_mb": peak_rss_mb(),
    }
