"""Evaluation of a (quantized) causal LM: perplexity, size, bits per weight, speed, memory."""

from __future__ import annotations

import math
import resource
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from agents.llm.builtin.packed import read_header


def token_ids(tokenizer: Any, text: str, n_tokens: int | None = None) -> torch.Tensor:
    ids: torch.Tensor = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"][
        0
    ]
    if n_tokens is not None:
        if ids.numel() < n_tokens:
            raise ValueError(f"text has {ids.numel()} tokens, fewer than {n_tokens}")
        ids = ids[:n_tokens]
    return ids


def calibration_batch(
    tokenizer: Any, text: str, n_samples: int, seq_len: int, start: int = 0
) -> torch.Tensor:
    """n_samples windows of seq_len tokens at evenly spaced offsets (deterministic)."""
    return calibration_windows(token_ids(tokenizer, text), n_samples, seq_len, start)[0]


def calibration_windows(
    ids: torch.Tensor, n_samples: int, seq_len: int, start: int = 0
) -> tuple[torch.Tensor, list[int]]:
    """n_samples windows of seq_len tokens, evenly spaced over ``ids[start:]``.

    Returns the batch (n_samples, seq_len) and each window's first token offset in ``ids``.
    Windows overlap only when the text is shorter than n_samples * seq_len tokens.
    """
    if start < 0:
        raise ValueError(f"calibration start must be >= 0, got {start}")
    available = ids.numel() - start
    if available < seq_len:
        raise ValueError(
            f"calibration text has only {max(available, 0)} tokens "
            f"from offset {start} (< {seq_len})"
        )
    starts = [start + s for s in torch.linspace(0, available - seq_len, n_samples).long().tolist()]
    return torch.stack([ids[s : s + seq_len] for s in starts]), starts


@torch.no_grad()
def perplexity(
    model: nn.Module, ids: torch.Tensor, window: int = 512, stride: int = 512
) -> dict[str, Any]:
    """exp(mean NLL) over ``ids``; each window scores only tokens no earlier window scored."""
    if not 0 < stride <= window:
        raise ValueError("stride must be in (0, window]")
    nll, counted, prev_end = 0.0, 0, 0
    for begin in range(0, ids.numel(), stride):
        end = min(begin + window, ids.numel())
        chunk = ids[begin:end][None]
        logits = model(input_ids=chunk, use_cache=False).logits[0, :-1].float()
        targets = chunk[0, 1:]
        losses = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
        fresh = end - max(prev_end, begin + 1)
        nll += float(losses[-fresh:].sum()) if fresh > 0 else 0.0
        counted += max(fresh, 0)
        prev_end = end
        if end == ids.numel():
            break
    return {
        "ppl": math.exp(nll / counted),
        "tokens": int(ids.numel()),
        "scored_tokens": counted,
        "window": window,
        "stride": stride,
    }


def size_mb(path: str | Path) -> float:
    return Path(path).stat().st_size / 1e6


def bits_per_weight(path: str | Path) -> dict[str, float]:
    """Quantized layers: (packed codes + fp16 scales + fp16 zeros) bits / weights.

    ``all_tensors`` divides the whole file (embeddings, norms, header included) by the
    model's parameter count.
    """
    from safetensors import safe_open

    header = read_header(path)
    q_bits, q_weights, all_weights = 0, 0, 0
    with safe_open(str(path), framework="pt") as f:
        for key, shape in header["tensors"].items():
            n = math.prod(shape)
            q_weights += n
            for part in ("qweight", "scales", "zeros"):
                t = f.get_slice(f"{key}.{part}")
                q_bits += math.prod(t.get_shape()) * (8 if part == "qweight" else 16)
        parts = ("qweight", "scales", "zeros")
        quantized_parts = {f"{k}.{p}" for k in header["tensors"] for p in parts}
        for key in f.keys():  # noqa: SIM118 - safe_open is not iterable
            if key not in quantized_parts:
                all_weights += math.prod(f.get_slice(key).get_shape())
    all_weights += q_weights
    return {
        "quantized_layers": q_bits / max(q_weights, 1),
        "all_tensors": Path(path).stat().st_size * 8 / max(all_weights, 1),
    }


def builtin_decode_speed(path: str | Path, prompt: str, new_tokens: int = 64) -> dict[str, Any]:
    """Decode speed as agents get it: the packed file loaded into the builtin model (the
    engine a registered compressed model runs on), ``new_tokens`` greedy tokens after the
    chat-templated prompt, with the process's torch threads. EOS is ignored so every run
    decodes the same number of tokens."""
    from agents.llm.base import Message
    from agents.llm.providers.builtin import load_compressed_engine, render_prompt

    engine = load_compressed_engine(str(path))
    model = engine.model
    ids = engine.encode(render_prompt([Message("user", prompt)], None))
    logits = model.forward(ids, 0)
    model.forward([int(logits.argmax())], len(ids))  # warm-up step
    pos = len(ids) + 1
    start = time.perf_counter()
    for _ in range(new_tokens):
        logits = model.forward([int(logits.argmax())], pos)
        pos += 1
    elapsed = time.perf_counter() - start
    return {
        "decode_tok_s": new_tokens / elapsed,
        "new_tokens": new_tokens,
        "seconds": elapsed,
        "engine": "builtin runtime",
        "threads": torch.get_num_threads(),
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (MB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3
