"""The lab's low-bit models in the builtin model without re-quantizing their weights.

A packed lab file (``packed.py``) holds codes, an fp16 scale and an fp16 zero point per
(row, group): w = (code - zero) * scale. Two ways to decode from them, both exact in
the codes:

- ``widen_q4_1``: codes of 2–4 bits as Q4_1 blocks for the C kernel (``kernels.c``):
  nibble = code, d = scale, m = -zero * scale (rounded to fp16). 20 bytes per 32 weights
  (5 bits), whatever the model's bits; the kernel runs the whole forward pass.
- ``W3Linear``: 3-bit codes kept 3-bit (12 bytes per 32 weights, ``lowbit.c``) plus the
  file's fp16 scales and zeros per group, dequantized inside the matmul; ``W3Model`` runs
  the forward pass in numpy around those matmuls (norms, rope, attention) and uses the
  kernel for the Q8_0 embedding/head. Activations are quantized to int8 blocks exactly
  as the kernel does, so a W3 model's logits equal its widened Q4_1 twin's up to float
  rounding (tested).
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.llm.builtin.model import (
    _STEP_LOCK,
    GROUP,
    Q4_1,
    Q8_0,
    KVCache,
    LlamaConfig,
    LlamaModel,
    QLinear,
    kernel,
    load_library,
    matmul,
)

W3_BYTES = 12  # per 32 weights
LIB_GLOB = "_lowbit*.so"

_lib: Any = None
_lib_lock = threading.Lock()


def lowbit_kernel() -> Any:
    global _lib
    with _lib_lock:
        if _lib is None:
            lib = load_library(LIB_GLOB, "3-bit kernel")
            p, i = ctypes.c_void_p, ctypes.c_int
            lib.axl_w3_matmul.restype = i
            lib.axl_w3_matmul.argtypes = [p, p, p, i, i, i, p, i, p, i]
            lib.axl_w3_pack.argtypes = [p, i, i, p]
            _lib = lib
        return _lib


def _check_groups(cols: int, group: int) -> None:
    if cols % GROUP or group % GROUP or cols % group:
        raise ValueError(
            f"{cols} columns in groups of {group}: both must be multiples of {GROUP} "
            "(and the group must divide the columns)"
        )


@dataclass
class W3Linear:
    """y = x @ W.T with W as 3-bit codes (rows, cols / 32 * 12) uint8 and fp16 ``scales``
    and ``zeros`` (rows, cols / group)."""

    codes: np.ndarray
    scales: np.ndarray
    zeros: np.ndarray
    cols: int
    group: int

    @classmethod
    def from_codes(
        cls, codes: np.ndarray, scales: np.ndarray, zeros: np.ndarray, group: int
    ) -> W3Linear:
        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        rows, cols = codes.shape
        _check_groups(cols, group)
        if codes.size and int(codes.max()) > 7:
            raise ValueError("a code does not fit in 3 bits")
        out = np.empty((rows, cols // GROUP * W3_BYTES), dtype=np.uint8)
        lowbit_kernel().axl_w3_pack(codes.ctypes.data, rows, cols, out.ctypes.data)
        half = np.float16
        return cls(
            out,
            np.ascontiguousarray(scales, dtype=half),
            np.ascontiguousarray(zeros, dtype=half),
            cols,
            group,
        )

    @property
    def rows(self) -> int:
        return int(self.codes.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes + self.scales.nbytes + self.zeros.nbytes)

    def matmul(self, x: np.ndarray, threads: int = 1) -> np.ndarray:
        """On 1 or 2 threads (rows split; each row's sum is the same either way). With 2,
        callers serialise: the second thread is one per process (``W3Model`` steps hold
        the kernel's step lock)."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.cols:
            raise ValueError(f"expected (B, {self.cols}) inputs, got {x.shape}")
        y = np.empty((x.shape[0], self.rows), dtype=np.float32)
        status = (_lib or lowbit_kernel()).axl_w3_matmul(
            self.codes.ctypes.data,
            self.scales.ctypes.data,
            self.zeros.ctypes.data,
            self.rows,
            self.cols,
            self.group,
            x.ctypes.data,
            x.shape[0],
            y.ctypes.data,
            threads,
        )
        if status:
            raise ValueError(f"unsupported W3 shape ({self.rows}, {self.cols}) g{self.group}")
        return y


def widen_q4_1(codes: np.ndarray, scales: np.ndarray, zeros: np.ndarray, group: int) -> QLinear:
    """Codes < 16 (rows, cols) on the lab's grid -> Q4_1 blocks with the same codes."""
    codes = np.asarray(codes, dtype=np.uint8)
    rows, cols = codes.shape
    _check_groups(cols, group)
    if codes.size and int(codes.max()) > 15:
        raise ValueError("a code does not fit in 4 bits")
    nb, per = cols // GROUP, group // GROUP
    s = np.repeat(np.asarray(scales, dtype=np.float32), per, axis=1)
    m = -np.repeat(np.asarray(zeros, dtype=np.float32), per, axis=1) * s
    raw = np.empty((rows, nb, 20), dtype=np.uint8)
    raw[..., 0:2] = s.astype(np.float16).view(np.uint8).reshape(rows, nb, 2)
    raw[..., 2:4] = m.astype(np.float16).view(np.uint8).reshape(rows, nb, 2)
    qs = codes.reshape(rows, nb, GROUP)
    raw[..., 4:] = qs[..., :16] | (qs[..., 16:] << 4)
    return QLinear.from_gguf(Q4_1, raw.reshape(rows, nb * 20))


@dataclass
class W3Layer:
    attn_norm: np.ndarray
    ffn_norm: np.ndarray
    qkv: W3Linear  # q and k rows in the interleaved-rope order, as for the kernel
    out: W3Linear
    gate_up: W3Linear
    down: W3Linear


def _rmsnorm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    inv = 1.0 / np.sqrt((x * x).mean(axis=-1, keepdims=True, dtype=np.float32) + np.float32(eps))
    out: np.ndarray = x * inv * w
    return out


class W3Model:
    """A Llama whose block projections stay 3-bit; the same interface as ``LlamaModel``
    (``step``, ``prefill``, ``forward``, ``new_cache``) so ``generation.Engine`` serves it."""

    def __init__(
        self,
        cfg: LlamaConfig,
        layers: list[W3Layer],
        embed: np.ndarray,
        norm: np.ndarray,
        max_len: int,
    ) -> None:
        self.cfg, self.layers, self.embed, self.norm = cfg, layers, embed, norm
        self.max_len = max_len
        self.head = QLinear(Q8_0, embed)  # the kernel's Q8_0 row layout, tied
        half = cfg.head_dim // 2
        inv = np.power(float(cfg.rope_theta), -2.0 * np.arange(half) / cfg.head_dim)
        angle = np.arange(max_len, dtype=np.float64)[:, None] * inv[None, :]
        self.cos = np.cos(angle).astype(np.float32)
        self.sin = np.sin(angle).astype(np.float32)
        self._solo: KVCache | None = None
        # process-wide, as for LlamaModel: the head's matmul runs on the kernel's shared
        # worker thread, which one step of one model at a time may use
        self._lock = _STEP_LOCK

    @property
    def weight_bytes(self) -> int:
        """Bytes of every weight array held (projections, norms, embedding/head)."""
        total = self.embed.nbytes + self.norm.nbytes
        for layer in self.layers:
            total += layer.attn_norm.nbytes + layer.ffn_norm.nbytes
            total += sum(m.nbytes for m in (layer.qkv, layer.out, layer.gate_up, layer.down))
        return int(total)

    def new_cache(self) -> KVCache:
        return KVCache(self.cfg, self.max_len)

    def _embed_rows(self, tokens: np.ndarray) -> np.ndarray:
        nb = self.cfg.dim // GROUP
        rows = self.embed[tokens]
        q = _q8_codes_in_order(rows[:, : nb * GROUP].view(np.int8), nb)
        d = rows[:, nb * GROUP :].copy().view(np.float16).astype(np.float32)
        x: np.ndarray = (q.astype(np.float32) * d[..., None]).reshape(len(tokens), -1)
        return x

    @staticmethod
    def _rope(v: np.ndarray, heads: int, c: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Interleaved pairs (2i, 2i+1) rotate together; c, s: (B, 1, head_dim / 2)."""
        x = v.reshape(len(v), heads, -1, 2)
        a, b = x[..., 0], x[..., 1]
        out = np.empty_like(x)
        out[..., 0] = a * c - b * s
        out[..., 1] = a * s + b * c
        return out.reshape(v.shape)

    def _attend(self, q: np.ndarray, cache: KVCache, layer: int, pos: int) -> np.ndarray:
        cfg = self.cfg
        hd, kv = cfg.head_dim, cfg.n_kv_heads
        keys = cache.k[: pos + 1, layer].transpose(1, 2, 0)  # (kv, hd, t)
        values = cache.v[: pos + 1, layer].transpose(1, 0, 2)  # (kv, t, hd)
        qg = q.reshape(kv, cfg.n_heads // kv, hd)
        scores = (qg @ keys) * np.float32(1.0 / np.sqrt(hd))
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        out: np.ndarray = (scores @ values).reshape(-1)
        return out

    def step(
        self,
        tokens: list[int],
        positions: list[int],
        caches: list[KVCache],
        want: list[bool],
    ) -> np.ndarray:
        """See ``LlamaModel.step``: float32 logits (sum(want), vocab) of the tokens marked."""
        cfg = self.cfg
        n = len(tokens)
        if not n:
            return np.empty((0, cfg.vocab), dtype=np.float32)
        if max(positions) >= self.max_len:
            raise ValueError(f"context of {max(positions) + 1} tokens exceeds {self.max_len}")
        toks, pos = np.asarray(tokens), np.asarray(positions)
        if toks.min() < 0 or toks.max() >= cfg.vocab or pos.min() < 0:
            raise ValueError("token id or position out of range")
        dim, kvd, ffn = cfg.dim, cfg.n_kv_heads * cfg.head_dim, cfg.ffn_dim
        c, s = self.cos[pos][:, None, :], self.sin[pos][:, None, :]
        with self._lock:
            t = int(kernel().axk_threads())  # the kernel's setting (set_threads) for both
            x = self._embed_rows(toks)
            for li, layer in enumerate(self.layers):
                qkv = layer.qkv.matmul(_rmsnorm(x, layer.attn_norm, cfg.eps), t)
                q = self._rope(qkv[:, :dim], cfg.n_heads, c, s)
                k = self._rope(qkv[:, dim : dim + kvd], cfg.n_kv_heads, c, s)
                v = qkv[:, dim + kvd :]
                att = np.empty((n, dim), dtype=np.float32)
                for b in range(n):
                    cache, p = caches[b], int(pos[b])
                    cache.k[p, li] = k[b].reshape(cfg.n_kv_heads, cfg.head_dim)
                    cache.v[p, li] = v[b].reshape(cfg.n_kv_heads, cfg.head_dim)
                    att[b] = self._attend(q[b], cache, li, p)
                x = x + layer.out.matmul(att, t)
                gu = layer.gate_up.matmul(_rmsnorm(x, layer.ffn_norm, cfg.eps), t)
                g, u = gu[:, :ffn], gu[:, ffn:]
                with np.errstate(over="ignore"):  # exp(-g) = inf gives silu(g) = -0
                    act = g / (1.0 + np.exp(-g)) * u
                x = x + layer.down.matmul(act, t)
            rows = x[np.asarray(want, dtype=bool)]
            return matmul(self.head, _rmsnorm(rows, self.norm, cfg.eps))

    # the same stream entry points as LlamaModel's, over this model's step and cache
    prefill = LlamaModel.prefill
    forward = LlamaModel.forward


def _q8_codes_in_order(codes: np.ndarray, nb: int) -> np.ndarray:
    """(T, nb * 32) int8 codes of Q8_0 rows in the kernel's pair-interleaved order (kernels.c,
    "quantized dots": blocks 2p and 2p+1 share 64 bytes in chunks of 4 codes alternating
    between them; an odd last block stays in order) -> (T, nb, 32) in GGUF order."""
    t, paired = len(codes), nb & ~1
    pairs = codes[:, : paired * GROUP].reshape(t, paired // 2, 8, 2, 4)
    ordered = pairs.transpose(0, 1, 3, 2, 4).reshape(t, paired, GROUP)
    if paired == nb:
        return ordered
    return np.concatenate([ordered, codes[:, paired * GROUP :].reshape(t, 1, GROUP)], axis=1)
