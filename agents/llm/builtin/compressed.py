"""The model for a lab packed file (``packed.py``), built from its codes with numpy only.

- 3-bit models: ``lowbit.W3Model``, the codes stay 3-bit in memory (``lowbit.W3Linear``);
- 2- and 4-bit models: the kernel's ``LlamaModel`` over Q4_1 blocks holding the file's
  codes (``lowbit.widen_q4_1``);
- 5–8 bits: ``dense.model_from_state`` (dequantized to floats, re-quantized to Q8_0).

``storage="q4_1"`` forces the widened Q4_1 path for 3-bit files (the reference the 3-bit
path is tested against); ``storage="float"`` forces the float path (how every file was
served before: dequantize, then re-quantize to Q4_1 with the kernel's own grid).
Embedding (tied head) and norms: the file's fp16 values, the embedding as Q8_0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from agents.llm.builtin.dense import config_from_hf, interleave_rope_rows, model_from_state
from agents.llm.builtin.lowbit import W3Layer, W3Linear, W3Model, widen_q4_1
from agents.llm.builtin.model import (
    GROUP,
    Q8_0,
    Layer,
    LlamaModel,
    QLinear,
    kernel,
    trim_heap,
)
from agents.llm.builtin.packed import QuantizedReader, QuantizedTensor, open_quantized

STORAGES = ("auto", "q4_1", "float")
EMBED_CHUNK = 4096  # rows of the fp16 embedding widened to float32 at a time


def embed_q8_0(f: QuantizedReader, key: str) -> np.ndarray:
    """The stored (vocab, dim) table -> the kernel's Q8_0 rows, read and converted a chunk
    of rows at a time (the whole table, fp16 or float32, would be the load's peak)."""
    rows, cols = f.shape(key)
    if cols % GROUP:
        raise ValueError(f"{cols} columns are not a multiple of {GROUP}")
    out = np.empty((rows, cols // GROUP * 34), dtype=np.uint8)
    lib = kernel()
    for lo in range(0, rows, EMBED_CHUNK):
        chunk = np.ascontiguousarray(f.tensor(key, (lo, lo + EMBED_CHUNK)), dtype=np.float32)
        lib.axk_quantize_q8_0(chunk.ctypes.data, len(chunk), cols, out[lo:].ctypes.data)
    lib.axk_repack(Q8_0, out.ctypes.data, rows, cols)
    return out


def _fused(parts: list[tuple[QuantizedTensor, int | None]], native: bool) -> W3Linear | QLinear:
    """Row-concatenate quantized tensors (with a rope head count: interleave its rows)."""

    def rows(a: np.ndarray, heads: int | None) -> np.ndarray:
        return a if heads is None else interleave_rope_rows(a, heads)

    codes = np.concatenate([rows(t.codes, h) for t, h in parts])
    scales = np.concatenate([rows(t.scales, h) for t, h in parts])
    zeros = np.concatenate([rows(t.zeros, h) for t, h in parts])
    group = parts[0][0].group_size
    if native:
        return W3Linear.from_codes(codes, scales, zeros, group)
    return widen_q4_1(codes, scales, zeros, group)


def _f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _from_codes(f: QuantizedReader, native: bool, max_len: int) -> LlamaModel | W3Model:
    """Layer by layer: each tensor's unpacked codes are freed once its layer is built."""
    cfg = config_from_hf(f.header["config"])
    layers: list[Any] = []
    for i in range(cfg.n_layers):
        p = f"model.layers.{i}."
        at, mlp = p + "self_attn.", p + "mlp."

        def q(name: str) -> QuantizedTensor:
            return f.quantized(name + ".weight")

        qkv = _fused(
            [
                (q(at + "q_proj"), cfg.n_heads),
                (q(at + "k_proj"), cfg.n_kv_heads),
                (q(at + "v_proj"), None),
            ],
            native,
        )
        out = _fused([(q(at + "o_proj"), None)], native)
        gate_up = _fused([(q(mlp + "gate_proj"), None), (q(mlp + "up_proj"), None)], native)
        down = _fused([(q(mlp + "down_proj"), None)], native)
        norms = (
            _f32(f.tensor(p + "input_layernorm.weight")),
            _f32(f.tensor(p + "post_attention_layernorm.weight")),
        )
        kind = W3Layer if native else Layer
        layers.append(kind(norms[0], norms[1], qkv, out, gate_up, down))  # type: ignore[arg-type]
        trim_heap()
    embed = embed_q8_0(f, "model.embed_tokens.weight")
    norm = _f32(f.tensor("model.norm.weight"))
    trim_heap()
    if native:
        return W3Model(cfg, layers, embed, norm, max_len)
    return LlamaModel(cfg, layers, embed, norm, max_len)


def _quantizes_every_projection(header: dict[str, Any]) -> bool:
    names = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    n = int(header["config"]["num_hidden_layers"])
    at = {
        f"model.layers.{i}.{s}.{m}.weight"
        for i in range(n)
        for s, m in [("self_attn", x) for x in names[:4]] + [("mlp", x) for x in names[4:]]
    }
    return at <= set(header["tensors"])


def model_from_packed(
    path: str | Path, max_len: int = 2048, storage: str = "auto"
) -> LlamaModel | W3Model:
    """The builtin model for a lab packed file; see the module docstring for ``storage``."""
    if storage not in STORAGES:
        raise ValueError(f"storage must be one of {STORAGES}, got {storage!r}")
    with open_quantized(path) as f:
        bits = f.bits
        exact = bits <= 4 and f.group_size % GROUP == 0 and _quantizes_every_projection(f.header)
        if exact and storage != "float":
            return _from_codes(f, bits == 3 and storage == "auto", max_len)
    from agents.llm.builtin.packed import load_state_dict  # torch: dequantize to floats

    header, state = load_state_dict(path)
    model = model_from_state(header["config"], state, bits, max_len)
    del state
    trim_heap()
    return model
