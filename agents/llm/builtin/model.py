"""The builtin model's forward pass: GGUF blocks in memory, the C kernel (``kernels.c``).

Weights stay in GGUF's own quantized blocks — Q4_1 projections (20 bytes per 32 weights)
and the tied Q8_0 embedding, which is also the output head — exactly as read from the
file: nothing is widened to float, and neither torch nor transformers is imported, which
keeps a serving process small (``import torch`` alone is ~220 MB resident). q/k/v and
gate/up are concatenated row-wise so each is one matmul.

A ``KVCache`` belongs to one stream; ``LlamaModel.step`` runs any number of tokens from
any number of streams in one pass (``generation.Engine`` batches concurrent callers this
way). The kernel is thread-safe for distinct caches but runs one step at a time per
process: its worker thread is shared, so callers serialise steps (the engine does).
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.llm.builtin.gguf_file import GGUFFile

GROUP = 32
Q4_1, Q8_0 = 0, 1
BLOCK_BYTES = {Q4_1: 20, Q8_0: 34}
TYPE_NAMES = {"Q4_1": Q4_1, "Q8_0": Q8_0}
KERNEL_GLOB = "_kernels*.so"
MAX_BLOCKS_PER_ROW = 512  # MAXNB in kernels.c


class KernelMissingError(RuntimeError):
    """The C kernel was not built (it is compiled by ``pip install -e .``)."""


_lib: Any = None
_lib_lock = threading.Lock()
# The kernel's second thread is one per process: forward steps of every model take turns on it.
_STEP_LOCK = threading.Lock()


def load_library(glob: str, what: str) -> Any:
    """A compiled library next to this file (built by setup.py), loaded with ctypes."""
    found = sorted(Path(__file__).parent.glob(glob))
    if not found:
        raise KernelMissingError(
            f"the builtin model's {what} is not built; run `make install` "
            "(or `python setup.py build_ext --inplace`)"
        )
    return ctypes.CDLL(str(found[0]))


def kernel() -> Any:
    """The loaded kernel library (ctypes), with argument types declared."""
    global _lib
    with _lib_lock:
        if _lib is None:
            _lib = _declare(load_library(KERNEL_GLOB, "kernel"))
        return _lib


def _declare(lib: Any) -> Any:
    p, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
    lib.axk_model_new.restype = p
    lib.axk_model_new.argtypes = [i, i, i, i, i, i, i, f, f]
    lib.axk_model_free.argtypes = [p]
    lib.axk_set_layer.argtypes = [p, i, p, p, p, p, p, p, p]
    lib.axk_set_head.argtypes = [p, p, p]
    lib.axk_set_threads.argtypes = [i]
    lib.axk_threads.restype = i
    lib.axk_forward.restype = i
    lib.axk_forward.argtypes = [p, i, p, p, p, p, p, p]
    lib.axk_quantize_q4_1.argtypes = [p, i, i, p]
    lib.axk_quantize_q8_0.argtypes = [p, i, i, p]
    lib.axk_matmul.argtypes = [i, p, i, i, p, i, p]
    lib.axk_repack.argtypes = [i, p, i, i]
    lib.axk_set_isa.restype = i
    lib.axk_set_isa.argtypes = [i]
    return lib


def set_threads(n: int) -> int:
    """Threads of a forward pass (1 or 2: the caller plus one persistent worker)."""
    lib = kernel()
    lib.axk_set_threads(max(1, n))
    return int(lib.axk_threads())


ISAS = {"auto": 0, "avx2": 1, "avx512": 2, "vnni256": 3}


def set_isa(name: str = "auto") -> str:
    """The matmul path: "avx512" (AVX-512 VNNI), "avx2", or "auto" (the best the CPU has).
    Both give bit-identical results; asking for "avx512" on a CPU without it gives "avx2".
    Returns the path now in use."""
    chosen = int(kernel().axk_set_isa(ISAS[name]))
    return {v: k for k, v in ISAS.items()}[chosen]


def trim_heap() -> None:
    """Hand freed scratch memory back to the OS; glibc otherwise keeps it resident, and
    the loader's temporaries would set the process's peak memory."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


@dataclass(frozen=True)
class LlamaConfig:
    n_layers: int
    dim: int
    n_heads: int
    n_kv_heads: int
    ffn_dim: int
    vocab: int
    rope_theta: float
    eps: float

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads


@dataclass
class QLinear:
    """y = x @ W.T, W as blocks of 32: ``blocks`` is (rows, cols / 32 * block bytes) uint8
    in the kernel's row layout (GGUF's bytes regrouped: a row's codes, then its scales)."""

    kind: int
    blocks: np.ndarray

    @classmethod
    def from_gguf(cls, kind: int, raw: np.ndarray) -> QLinear:
        """Take GGUF block rows (repacked in place when writable, else copied first)."""
        blocks = raw if raw.flags.writeable and raw.flags.c_contiguous else raw.copy()
        cols = blocks.shape[1] // BLOCK_BYTES[kind] * GROUP
        if cols // GROUP > MAX_BLOCKS_PER_ROW:
            raise ValueError(f"rows of {cols} weights are wider than the kernel's limit")
        kernel().axk_repack(kind, blocks.ctypes.data, blocks.shape[0], cols)
        return cls(kind, blocks)


@dataclass
class Layer:
    attn_norm: np.ndarray  # float32
    ffn_norm: np.ndarray
    qkv: QLinear  # q and k rows in llama.cpp's interleaved-rope order
    out: QLinear
    gate_up: QLinear
    down: QLinear


class KVCache:
    """One stream's keys and values, position-major: ``np.empty`` maps pages lazily and a
    position's entries for every layer sit together, so only the context in use becomes
    resident (a layer-major cache would touch every 2 MB huge page from the first token)."""

    def __init__(self, cfg: LlamaConfig, max_len: int) -> None:
        shape = (max_len, cfg.n_layers, cfg.n_kv_heads, cfg.head_dim)
        self.k = np.empty(shape, dtype=np.float32)
        self.v = np.empty(shape, dtype=np.float32)


class LlamaModel:
    """Weights (kept alive here, read by the kernel) + the kernel's model handle."""

    def __init__(
        self,
        cfg: LlamaConfig,
        layers: list[Layer],
        embed: np.ndarray,
        norm: np.ndarray,
        max_len: int,
    ) -> None:
        self.cfg, self.layers, self.embed, self.norm = cfg, layers, embed, norm
        self.max_len = max_len
        lib = self.lib = kernel()
        self.handle = lib.axk_model_new(
            cfg.n_layers,
            cfg.dim,
            cfg.n_heads,
            cfg.n_kv_heads,
            cfg.ffn_dim,
            cfg.vocab,
            max_len,
            cfg.eps,
            cfg.rope_theta,
        )
        for i, layer in enumerate(layers):
            mats = (layer.qkv, layer.out, layer.gate_up, layer.down)
            types = np.array([m.kind for m in mats], dtype=np.int32)
            lib.axk_set_layer(
                self.handle,
                i,
                layer.attn_norm.ctypes.data,
                layer.ffn_norm.ctypes.data,
                types.ctypes.data,
                *(m.blocks.ctypes.data for m in mats),
            )
        lib.axk_set_head(self.handle, embed.ctypes.data, norm.ctypes.data)
        self._solo: KVCache | None = None
        self._step_lock = _STEP_LOCK  # process-wide: the kernel's worker thread is shared

    def __del__(self) -> None:
        handle = getattr(self, "handle", None)
        if handle:
            self.lib.axk_model_free(handle)

    def new_cache(self) -> KVCache:
        return KVCache(self.cfg, self.max_len)

    def step(
        self,
        tokens: list[int],
        positions: list[int],
        caches: list[KVCache],
        want: list[bool],
    ) -> np.ndarray:
        """Run tokens (token b at positions[b] of the stream caches[b]; a stream's tokens
        in order) and return float32 logits (sum(want), vocab) of the tokens marked."""
        n = len(tokens)
        if not n:
            return np.empty((0, self.cfg.vocab), dtype=np.float32)
        if max(positions) >= self.max_len:
            raise ValueError(f"context of {max(positions) + 1} tokens exceeds {self.max_len}")
        toks = np.asarray(tokens, dtype=np.int32)
        pos = np.asarray(positions, dtype=np.int32)
        kc = np.array([c.k.ctypes.data for c in caches], dtype=np.uintp)
        vc = np.array([c.v.ctypes.data for c in caches], dtype=np.uintp)
        mask = np.asarray(want, dtype=np.uint8)
        logits = np.empty((int(mask.sum()), self.cfg.vocab), dtype=np.float32)
        with self._step_lock:  # ctypes drops the GIL; the kernel's worker is shared
            status = self.lib.axk_forward(
                self.handle,
                n,
                toks.ctypes.data,
                pos.ctypes.data,
                kc.ctypes.data,
                vc.ctypes.data,
                mask.ctypes.data,
                logits.ctypes.data,
            )
        if status != 0:
            raise ValueError("token id or position out of range")
        return logits

    def prefill(self, ids: list[int], start: int, cache: KVCache) -> np.ndarray:
        """Run a stream's ``ids`` from position ``start``; the last token's logits."""
        n = len(ids)
        if start + n > self.max_len:
            raise ValueError(f"context of {start + n} tokens exceeds {self.max_len}")
        want = [False] * (n - 1) + [True]
        logits: np.ndarray = self.step(ids, list(range(start, start + n)), [cache] * n, want)[0]
        return logits

    def forward(self, ids: list[int], start: int) -> np.ndarray:
        """Single-stream convenience (benchmarks, the lab): ``prefill`` on a model-owned
        cache, restarted whenever ``start`` is 0."""
        if self._solo is None or start == 0:
            self._solo = self.new_cache()
        return self.prefill(ids, start, self._solo)


def _config(meta: dict[str, Any]) -> LlamaConfig:
    if meta.get("general.architecture") != "llama":
        raise ValueError(f"unsupported architecture {meta.get('general.architecture')!r}")
    return LlamaConfig(
        n_layers=int(meta["llama.block_count"]),
        dim=int(meta["llama.embedding_length"]),
        n_heads=int(meta["llama.attention.head_count"]),
        n_kv_heads=int(meta["llama.attention.head_count_kv"]),
        ffn_dim=int(meta["llama.feed_forward_length"]),
        vocab=int(meta.get("llama.vocab_size", len(meta.get("tokenizer.ggml.tokens", [])))),
        rope_theta=float(meta.get("llama.rope.freq_base", 10000.0)),
        eps=float(meta["llama.attention.layer_norm_rms_epsilon"]),
    )


def q4_1_unpack(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split GGUF Q4_1 rows into (codes 0..15 [n, k], scale [n, k/32], min [n, k/32])."""
    rows = raw.shape[0]
    blocks = np.ascontiguousarray(raw).reshape(rows, -1, 20)
    scale = blocks[..., 0:2].copy().view(np.float16)[..., 0].astype(np.float32)
    minimum = blocks[..., 2:4].copy().view(np.float16)[..., 0].astype(np.float32)
    qs = blocks[..., 4:]
    codes = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).reshape(rows, -1)
    return codes, scale, minimum


def quantize_blocks(w: np.ndarray, kind: int) -> QLinear:
    """Float rows -> GGUF blocks (round to nearest; Q4_1 asymmetric, Q8_0 symmetric)."""
    w = np.ascontiguousarray(w, dtype=np.float32)
    rows, cols = w.shape
    if cols % GROUP:
        raise ValueError(f"{cols} columns are not a multiple of {GROUP}")
    out = np.empty((rows, cols // GROUP * BLOCK_BYTES[kind]), dtype=np.uint8)
    fn = kernel().axk_quantize_q4_1 if kind == Q4_1 else kernel().axk_quantize_q8_0
    fn(w.ctypes.data, rows, cols, out.ctypes.data)
    return QLinear.from_gguf(kind, out)


def matmul(lin: QLinear, x: np.ndarray) -> np.ndarray:
    """x (B, cols) @ W.T as the kernel computes it in a forward pass (int8 activations)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    cols = lin.blocks.shape[1] // BLOCK_BYTES[lin.kind] * GROUP
    if x.ndim != 2 or x.shape[1] != cols:
        raise ValueError(f"expected (B, {cols}) inputs, got {x.shape}")
    y = np.empty((x.shape[0], lin.blocks.shape[0]), dtype=np.float32)
    kernel().axk_matmul(
        lin.kind,
        lin.blocks.ctypes.data,
        lin.blocks.shape[0],
        cols,
        x.ctypes.data,
        x.shape[0],
        y.ctypes.data,
    )
    return y


def _layer(gf: GGUFFile, i: int) -> Layer:
    def blocks(name: str) -> tuple[int, np.ndarray]:
        full = f"blk.{i}.{name}.weight"
        kind = TYPE_NAMES.get(gf.tensors[full].type_name)
        if kind is None:
            raise ValueError(f"unsupported tensor type {gf.tensors[full].type_name} for {full}")
        return kind, gf.raw(full)

    def fused(*names: str) -> QLinear:
        parts = [blocks(n) for n in names]
        if len({k for k, _ in parts}) != 1:
            raise ValueError(f"layer {i}: {names} mix block types")
        raw = parts[0][1] if len(parts) == 1 else np.concatenate([p for _, p in parts])
        return QLinear.from_gguf(parts[0][0], raw)

    return Layer(
        attn_norm=gf.f32(f"blk.{i}.attn_norm.weight"),
        ffn_norm=gf.f32(f"blk.{i}.ffn_norm.weight"),
        qkv=fused("attn_q", "attn_k", "attn_v"),
        out=fused("attn_output"),
        gate_up=fused("ffn_gate", "ffn_up"),
        down=fused("ffn_down"),
    )


def load_model(gf: GGUFFile, max_len: int = 2048) -> LlamaModel:
    """Build a LlamaModel from an open llama-architecture GGUF file (Q4_1/Q8_0 blocks,
    tied Q8_0 token embedding)."""
    cfg = _config(gf.metadata)
    layers = [_layer(gf, i) for i in range(cfg.n_layers)]
    if gf.tensors["token_embd.weight"].type_name != "Q8_0" or "output.weight" in gf.tensors:
        raise ValueError("expected a tied Q8_0 token embedding")
    embed = QLinear.from_gguf(Q8_0, gf.raw("token_embd.weight")).blocks
    norm = gf.f32("output_norm.weight")
    return LlamaModel(cfg, layers, embed, norm, max_len)


def default_threads() -> int:
    return min(2, os.cpu_count() or 1)
