"""A minimal Llama forward pass for the builtin model, built for CPU decode speed.

Weights come straight from the GGUF file (no transformers model is ever built, which
keeps peak memory low): Q4_1 matrices are repacked losslessly into torch's int4 CPU
format (group size 32), the Q8_0 embedding becomes a per-row int8 table that also
serves as the tied output head. Activations are bfloat16, the KV cache is static and
pre-allocated, and q/k/v and gate/up projections are fused so a decode step issues few
Python-level ops. Not thread-safe: callers serialise access (see providers.builtin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from agents.llm.gguf_file import GGUFFile

GROUP = 32
BF16 = torch.bfloat16


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
        return torch.ops.aten._weight_int4pack_mm_for_cpu(x, self.packed, GROUP, self.scales_zeros)


@dataclass
class Layer:
    attn_norm: torch.Tensor
    ffn_norm: torch.Tensor
    qkv: Int4Linear
    out: Int4Linear
    gate_up: Int4Linear
    down: Int4Linear


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
        blocks = np.ascontiguousarray(raw[start : start + chunk]).reshape(-1, raw.shape[1] // 34, 34)
        d = blocks[..., 0:2].copy().view(np.float16).astype(np.float32)
        w = torch.from_numpy((blocks[..., 2:].view(np.int8) * d).reshape(len(blocks), -1))
        s = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        values[start : start + chunk] = torch.round(w / s[:, None]).to(torch.int8)
        scales[start : start + chunk] = s
    return values, scales.to(BF16)


class LlamaRuntime:
    """Weights + static KV cache; ``forward`` returns float32 logits of the last position."""

    def __init__(self, cfg: LlamaConfig, layers: list[Layer], embed: torch.Tensor,
                 embed_scale: torch.Tensor, norm: torch.Tensor, max_len: int) -> None:
        self.cfg, self.layers, self.norm = cfg, layers, norm
        self.embed, self.embed_scale = embed, embed_scale
        self.max_len = max_len
        shape = (cfg.n_layers, cfg.n_kv_heads, max_len, cfg.head_dim)
        self.k_cache = torch.zeros(shape, dtype=BF16)
        self.v_cache = torch.zeros(shape, dtype=BF16)
        self.cos, self.sin = self._rope_tables(max_len)

    def _rope_tables(self, max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
        hd = self.cfg.head_dim
        inv = 1.0 / (self.cfg.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        angles = torch.outer(torch.arange(max_len, dtype=torch.float64), inv)
        angles = torch.cat([angles, angles], dim=-1)
        sin = angles.sin()
        sin[:, : hd // 2] *= -1  # rotate_half(x) * sin == flip(x halves) * signed sin
        return angles.cos().to(BF16)[:, None, :], sin.to(BF16)[:, None, :]

    def _attend(self, i: int, qkv: torch.Tensor, start: int, mask: torch.Tensor | None) -> torch.Tensor:
        cfg, t = self.cfg, qkv.shape[0]
        hd, nq, nkv = cfg.head_dim, cfg.n_heads, cfg.n_kv_heads
        qk = qkv[:, : (nq + nkv) * hd].view(t, nq + nkv, hd)
        rot = qk.view(t, nq + nkv, 2, hd // 2).flip(2).view(t, nq + nkv, hd)
        qk = qk * self.cos[start : start + t] + rot * self.sin[start : start + t]
        end = start + t
        self.k_cache[i, :, start:end] = qk[:, nq:].transpose(0, 1)
        self.v_cache[i, :, start:end] = qkv[:, (nq + nkv) * hd :].view(t, nkv, hd).transpose(0, 1)
        out = F.scaled_dot_product_attention(
            qk[:, :nq].transpose(0, 1), self.k_cache[i, :, :end], self.v_cache[i, :, :end],
            attn_mask=mask, enable_gqa=True,
        )
        return out.transpose(0, 1).reshape(t, cfg.dim)

    def _mask(self, start: int, t: int) -> torch.Tensor | None:
        if t == 1:
            return None
        cols = torch.arange(start + t)[None, :]
        return cols <= (start + torch.arange(t))[:, None]

    @torch.inference_mode()
    def forward(self, ids: list[int], start: int) -> torch.Tensor:
        """Run ``ids`` at positions start.. through the model, caching keys/values."""
        if start + len(ids) > self.max_len:
            raise ValueError(f"context of {start + len(ids)} tokens exceeds {self.max_len}")
        index = torch.tensor(ids, dtype=torch.long)
        x = self.embed[index].to(BF16) * self.embed_scale[index, None]
        mask, dim, eps = self._mask(start, len(ids)), (self.cfg.dim,), self.cfg.eps
        for i, layer in enumerate(self.layers):
            h = F.rms_norm(x, dim, layer.attn_norm, eps)
            x = x + layer.out(self._attend(i, layer.qkv(h), start, mask))
            gate, up = layer.gate_up(F.rms_norm(x, dim, layer.ffn_norm, eps)).chunk(2, dim=-1)
            x = x + layer.down(F.silu(gate) * up)
        last = F.rms_norm(x[-1:], dim, self.norm, eps)
        logits = torch.ops.aten._weight_int8pack_mm(last, self.embed, self.embed_scale)
        return logits[0].float()


def _layer(gf: GGUFFile, i: int, cfg: LlamaConfig) -> Layer:
    def q4(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        full = f"blk.{i}.{name}.weight"
        if gf.tensors[full].type_name != "Q4_1":
            raise ValueError(f"unsupported tensor type {gf.tensors[full].type_name} for {full}")
        return q4_1_unpack(gf.raw(full))

    def unpermuted(name: str, heads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes, scale, minimum = q4(name)
        return (_unpermute_rows(codes, heads), _unpermute_rows(scale, heads),
                _unpermute_rows(minimum, heads))

    def norm(name: str) -> torch.Tensor:
        return torch.from_numpy(gf.f32(f"blk.{i}.{name}.weight")).to(BF16)

    return Layer(
        attn_norm=norm("attn_norm"),
        ffn_norm=norm("ffn_norm"),
        qkv=_int4([unpermuted("attn_q", cfg.n_heads), unpermuted("attn_k", cfg.n_kv_heads),
                   q4("attn_v")]),
        out=_int4([q4("attn_output")]),
        gate_up=_int4([q4("ffn_gate"), q4("ffn_up")]),
        down=_int4([q4("ffn_down")]),
    )


def load_runtime(gf: GGUFFile, max_len: int = 2048) -> LlamaRuntime:
    """Build a LlamaRuntime from an open llama-architecture GGUF file (Q4_1 + Q8_0)."""
    cfg = _config(gf.metadata)
    layers = [_layer(gf, i, cfg) for i in range(cfg.n_layers)]
    if gf.tensors["token_embd.weight"].type_name != "Q8_0" or "output.weight" in gf.tensors:
        raise ValueError("expected a tied Q8_0 token embedding")
    embed, embed_scale = _q8_0_rows_to_int8(gf.raw("token_embd.weight"))
    norm = torch.from_numpy(gf.f32("output_norm.weight")).to(BF16)
    return LlamaRuntime(cfg, layers, embed, embed_scale, norm, max_len)
