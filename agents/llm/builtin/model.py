"""A minimal Llama forward pass for the builtin model, built for CPU decode speed.

Weights come straight from the GGUF file (no transformers model is ever built, which
keeps peak memory low): Q4_1 matrices are repacked losslessly into torch's int4 CPU
format (group size 32), the Q8_0 embedding becomes a per-row int8 table that also
serves as the tied output head. Activations are bfloat16, the KV cache is static and
pre-allocated, and q/k/v and gate/up projections are fused so a decode step issues few
Python-level ops. Not thread-safe: callers serialise access (see providers.builtin).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from agents.llm.builtin.gguf_file import GGUFFile

GROUP = 32
BF16 = torch.bfloat16
# Below this many tokens per forward the ops are ~10 us each and splitting them across
# OpenMP threads costs more than it saves (measured on 2 cores: decode 117 tok/s on one
# thread, 52 on two; a 45-token prefill 519 vs 362, break-even near 192 tokens); longer
# prompts still use every configured thread.
SERIAL_BELOW_TOKENS = 192


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
class Int4Linear:
    """y = x @ W.T with W stored as torch int4-packed groups of 32 (scale, zero)."""

    packed: torch.Tensor
    scales_zeros: torch.Tensor

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = torch.ops.aten._weight_int4pack_mm_for_cpu(
            x, self.packed, GROUP, self.scales_zeros
        )
        return out


Linear = Callable[[torch.Tensor], torch.Tensor]  # bf16 (t, in) -> bf16 (t, out)


@dataclass
class Layer:
    attn_norm: torch.Tensor  # RMSNorm weights pre-multiplied by sqrt(dim)
    ffn_norm: torch.Tensor
    qkv: Linear
    out: Linear
    gate_up: Linear
    down: Linear


def trim_heap() -> None:
    """Hand freed scratch memory back to the OS; glibc otherwise keeps it resident, and
    the loader's temporaries would set the process's peak memory."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


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


def _unpermute_rows(a: np.ndarray, n_heads: int) -> np.ndarray:
    """Undo llama.cpp's q/k row permutation (interleaved rope -> rotate-half layout)."""
    rows = a.shape[0]
    head = rows // n_heads
    return a.reshape(n_heads, head // 2, 2, *a.shape[1:]).swapaxes(1, 2).reshape(a.shape)


def _int4(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Int4Linear:
    codes = np.concatenate([p[0] for p in parts])
    scale = np.concatenate([p[1] for p in parts])
    minimum = np.concatenate([p[2] for p in parts])
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(
        torch.from_numpy(codes.astype(np.int32)), 1
    )
    # torch computes w = (q - 8) * scale + zero; Q4_1 is w = q * scale + min.
    zero = minimum + 8.0 * scale
    sz = torch.from_numpy(np.stack([scale.T, zero.T], axis=-1)).to(BF16).contiguous()
    return Int4Linear(packed, sz)


def _q8_0_rows_to_int8(raw: np.ndarray, chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Re-quantize a Q8_0 matrix to per-row symmetric int8 (values, bf16 row scales)."""
    rows = raw.shape[0]
    values = torch.empty((rows, raw.shape[1] // 34 * 32), dtype=torch.int8)
    scales = torch.empty(rows, dtype=torch.float32)
    for start in range(0, rows, chunk):
        blocks = np.ascontiguousarray(raw[start : start + chunk]).reshape(
            -1, raw.shape[1] // 34, 34
        )
        d = blocks[..., 0:2].copy().view(np.float16).astype(np.float32)
        w = torch.from_numpy((blocks[..., 2:].view(np.int8) * d).reshape(len(blocks), -1))
        s = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        values[start : start + chunk] = torch.round(w / s[:, None]).to(torch.int8)
        scales[start : start + chunk] = s
        del blocks, d, w, s
        trim_heap()
    return values, scales.to(BF16)


class LlamaModel:
    """Weights + static KV cache; ``forward`` returns float32 logits of the last position.

    The residual stream, rope, the KV cache and attention are float32 (tiny bf16 matmuls
    are slower on CPU); only the int4 projections take bf16 inputs. The 1/sqrt(head_dim)
    attention scale is folded into the q weights at load time.
    """

    def __init__(
        self,
        cfg: LlamaConfig,
        layers: list[Layer],
        embed: torch.Tensor,
        embed_scale: torch.Tensor,
        norm: torch.Tensor,
        max_len: int,
        head: Int4Linear | None = None,
    ) -> None:
        self.cfg, self.layers, self.norm = cfg, layers, norm
        self.embed, self.embed_scale = embed, embed_scale
        self.head = head  # an int4 output head; None = the int8 embedding table
        self.refine = 64  # with an int4 head: candidates rescored with the int8 table
        self.max_len = max_len
        shape = (cfg.n_layers, cfg.n_kv_heads, max_len, cfg.head_dim)
        # torch.empty: pages are only touched (and resident) as the context grows
        self.k_cache = torch.empty(shape, dtype=torch.float32)
        self.v_cache = torch.empty(shape, dtype=torch.float32)
        self.cos, self.sin = self._rope_tables(max_len)
        self.eps_term = torch.tensor(float(np.sqrt(cfg.dim * cfg.eps)))

    def _rope_tables(self, max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
        hd = self.cfg.head_dim
        inv = 1.0 / (self.cfg.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        angles = torch.outer(torch.arange(max_len, dtype=torch.float64), inv)
        angles = torch.cat([angles, angles], dim=-1)
        sin = angles.sin()
        sin[:, : hd // 2] *= -1  # rotate_half(x) * sin == flip(x halves) * signed sin
        return angles.cos().float()[:, None, :], sin.float()[:, None, :]

    def _attend(self, i: int, qkv: torch.Tensor, start: int) -> torch.Tensor:
        cfg, t = self.cfg, qkv.shape[0]
        hd, nq, nkv = cfg.head_dim, cfg.n_heads, cfg.n_kv_heads
        end = start + t
        qk = qkv[:, : (nq + nkv) * hd].view(t, nq + nkv, hd)
        rot = qk.view(t, nq + nkv, 2, hd // 2).flip(2).view(t, nq + nkv, hd)
        qk = torch.addcmul(qk * self.cos[start:end], rot, self.sin[start:end])
        self.k_cache[i, :, start:end] = qk[:, nq:].transpose(0, 1)
        self.v_cache[i, :, start:end] = qkv[:, (nq + nkv) * hd :].view(t, nkv, hd).transpose(0, 1)
        keys, values = self.k_cache[i, :, :end], self.v_cache[i, :, :end]
        if t == 1:  # decode: 3 small batched matmuls beat SDPA's generic path
            q = qk[0, :nq].view(nkv, nq // nkv, hd)
            probs = torch.softmax(torch.bmm(q, keys.transpose(1, 2)), dim=-1)
            return torch.bmm(probs, values).view(1, cfg.dim)
        cols = torch.arange(end)[None, :]
        mask = cols <= (start + torch.arange(t))[:, None]
        out = F.scaled_dot_product_attention(
            qk[:, :nq].transpose(0, 1), keys, values, attn_mask=mask, scale=1.0, enable_gqa=True
        )
        return out.transpose(0, 1).reshape(t, cfg.dim)

    @torch.inference_mode()
    def forward(self, ids: list[int], start: int) -> torch.Tensor:
        """Run ``ids`` at positions start.. through the model, caching keys/values.

        RMSNorm is split around each projection to save kernel launches (most of a decode
        step is per-op overhead): ``x * (w * sqrt(dim))`` goes in as bf16, and since the
        projection is linear the division by ``||x||`` happens on its (smaller) output.
        ``hypot(||x||, sqrt(dim * eps))`` is ``sqrt(dim) * sqrt(mean(x^2) + eps)``.
        """
        t = len(ids)
        if start + t > self.max_len:
            raise ValueError(f"context of {start + t} tokens exceeds {self.max_len}")
        threads = torch.get_num_threads()
        if t >= SERIAL_BELOW_TOKENS or threads == 1:
            return self._forward(ids, start)
        torch.set_num_threads(1)
        try:
            return self._forward(ids, start)
        finally:
            torch.set_num_threads(threads)

    def _forward(self, ids: list[int], start: int) -> torch.Tensor:
        index = torch.tensor(ids, dtype=torch.long)
        x = self.embed[index].float() * self.embed_scale[index, None].float()
        for i, layer in enumerate(self.layers):
            norm = self._norm(x)
            h = torch.mul(x, layer.attn_norm, out=torch.empty_like(x, dtype=BF16))
            attn = self._attend(i, torch.div(layer.qkv(h), norm), start)
            x += layer.out(attn.to(BF16))
            norm = self._norm(x)
            h = torch.mul(x, layer.ffn_norm, out=torch.empty_like(x, dtype=BF16))
            gate, up = torch.div(layer.gate_up(h), norm).chunk(2, dim=-1)
            act = torch.mul(F.silu(gate), up, out=torch.empty_like(gate, dtype=BF16))
            x += layer.down(act)
        last = x[-1:]
        h = torch.mul(last, self.norm, out=torch.empty_like(last, dtype=BF16))
        h = torch.div(h, self._norm(last)).to(BF16)
        if self.head is None:
            logits: torch.Tensor = torch.ops.aten._weight_int8pack_mm(
                h, self.embed, self.embed_scale
            )
            return logits[0].float()
        return self._refined_logits(h)

    def _norm(self, x: torch.Tensor) -> torch.Tensor:
        return torch.hypot(torch.linalg.vector_norm(x, dim=-1, keepdim=True), self.eps_term)

    def _refined_logits(self, last: torch.Tensor) -> torch.Tensor:
        """Fast int4 logits for the whole vocabulary, with the top candidates recomputed
        from the int8 table: the tokens that can win keep int8 accuracy."""
        logits = self.head(last)[0].float()  # type: ignore[misc]
        top = logits.topk(self.refine).indices
        exact = torch.mv(self.embed[top].float(), last[0].float()) * self.embed_scale[top].float()
        return logits.index_put_((top,), exact)


def _norm_weight(w: np.ndarray) -> torch.Tensor:
    """RMSNorm weight pre-multiplied by sqrt(dim): x * w / rms(x) == x * w' / ||x||."""
    return torch.from_numpy(w * np.float32(np.sqrt(w.shape[-1])))


def _layer(gf: GGUFFile, i: int, cfg: LlamaConfig) -> Layer:
    def q4(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        full = f"blk.{i}.{name}.weight"
        if gf.tensors[full].type_name != "Q4_1":
            raise ValueError(f"unsupported tensor type {gf.tensors[full].type_name} for {full}")
        return q4_1_unpack(gf.raw(full))

    def unpermuted(
        name: str, heads: int, factor: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes, scale, minimum = q4(name)
        return (
            _unpermute_rows(codes, heads),
            _unpermute_rows(scale * factor, heads),
            _unpermute_rows(minimum * factor, heads),
        )

    def norm(name: str) -> torch.Tensor:
        return _norm_weight(gf.f32(f"blk.{i}.{name}.weight"))

    q_scale = cfg.head_dim**-0.5  # folded into q; exact when head_dim is a power of 4

    return Layer(
        attn_norm=norm("attn_norm"),
        ffn_norm=norm("ffn_norm"),
        qkv=_int4(
            [
                unpermuted("attn_q", cfg.n_heads, q_scale),
                unpermuted("attn_k", cfg.n_kv_heads),
                q4("attn_v"),
            ]
        ),
        out=_int4([q4("attn_output")]),
        gate_up=_int4([q4("ffn_gate"), q4("ffn_up")]),
        down=_int4([q4("ffn_down")]),
    )


def load_model(gf: GGUFFile, max_len: int = 2048, head_bits: int = 4) -> LlamaModel:
    """Build a LlamaModel from an open llama-architecture GGUF file (Q4_1 + Q8_0).

    head_bits: 8 scores the vocabulary with the int8 embedding table; 4 (default) scores
    it with an int4 copy (2-3x faster) and rescores the top 64 tokens with int8.
    """
    cfg = _config(gf.metadata)
    layers = []
    for i in range(cfg.n_layers):
        layers.append(_layer(gf, i, cfg))
        trim_heap()
    if gf.tensors["token_embd.weight"].type_name != "Q8_0" or "output.weight" in gf.tensors:
        raise ValueError("expected a tied Q8_0 token embedding")
    embed, embed_scale = _q8_0_rows_to_int8(gf.raw("token_embd.weight"))
    norm = _norm_weight(gf.f32("output_norm.weight"))
    head = _int4_from_dense(embed, embed_scale) if head_bits == 4 else None
    return LlamaModel(cfg, layers, embed, embed_scale, norm, max_len, head)


def _int4_from_dense(
    values: torch.Tensor, row_scale: torch.Tensor, chunk: int = 4096
) -> Int4Linear:
    """Round-to-nearest asymmetric int4 (groups of 32) of an int8 x row-scale matrix,
    converted in row chunks so the float copy never exists whole."""
    packed, sz = [], []
    for start in range(0, values.shape[0], chunk):
        rows = values[start : start + chunk]
        w = (rows.float() * row_scale[start : start + chunk].float()[:, None]).view(
            rows.shape[0], -1, GROUP
        )
        lo, hi = w.amin(dim=-1), w.amax(dim=-1)
        scale = ((hi - lo) / 15).clamp(min=1e-8)
        codes = torch.round((w - lo[..., None]) / scale[..., None]).clamp(0, 15)
        part = _int4([(codes.view(rows.shape).numpy(), scale.numpy(), lo.numpy())])
        packed.append(part.packed)
        sz.append(part.scales_zeros)
        del w, lo, hi, scale, codes, part
        trim_heap()
    return Int4Linear(torch.cat(packed), torch.cat(sz, dim=1))
