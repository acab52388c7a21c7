"""Build a LlamaModel from dense (float) Llama weights with transformers' names.

Used for the lab's compressed models: their packed file is read back as a float state
dict, then each projection is stored as int4 groups of 32 (models of <= 4 bits, so the
model's fast int4 kernel applies) or per-row int8 (more bits). Re-quantizing a 4-bit model
with group size 32 reproduces its grid up to rounding; coarser grids gain a little error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from agents.llm.builtin.model import (
    GROUP,
    Int4Linear,
    Layer,
    LlamaConfig,
    LlamaModel,
    _int4,
    _int4_from_dense,
    trim_heap,
)


@dataclass
class Int8Linear:
    """y = x @ W.T with W stored as per-row symmetric int8."""

    values: torch.Tensor
    scales: torch.Tensor

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = torch.ops.aten._weight_int8pack_mm(x, self.values, self.scales)
        return out


def _int8(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    scale = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
    return torch.round(w / scale[:, None]).to(torch.int8), scale.to(torch.bfloat16)


def config_from_hf(cfg: dict[str, Any]) -> LlamaConfig:
    rope = cfg.get("rope_parameters") or {}
    return LlamaConfig(
        n_layers=int(cfg["num_hidden_layers"]),
        dim=int(cfg["hidden_size"]),
        n_heads=int(cfg["num_attention_heads"]),
        n_kv_heads=int(cfg.get("num_key_value_heads") or cfg["num_attention_heads"]),
        ffn_dim=int(cfg["intermediate_size"]),
        vocab=int(cfg["vocab_size"]),
        rope_theta=float(rope.get("rope_theta") or cfg.get("rope_theta") or 10000.0),
        eps=float(cfg.get("rms_norm_eps", 1e-5)),
    )


def _linear(parts: list[torch.Tensor], bits: int) -> Int4Linear | Int8Linear:
    w = torch.cat(parts).float()
    if bits <= 4 and w.shape[1] % GROUP == 0:
        return _int4_rtn(w)
    return Int8Linear(*_int8(w))


def _int4_rtn(w: torch.Tensor) -> Int4Linear:
    """Round-to-nearest int4, asymmetric groups of 32, from a float matrix."""
    g = w.view(w.shape[0], -1, GROUP)
    lo, hi = g.amin(dim=-1), g.amax(dim=-1)
    scale = ((hi - lo) / 15).clamp(min=1e-8)
    codes = torch.round((g - lo[..., None]) / scale[..., None]).clamp(0, 15)
    return _int4([(codes.view(w.shape).numpy().astype(np.uint8), scale.numpy(), lo.numpy())])


def _norm(w: torch.Tensor) -> torch.Tensor:
    return (w.float() * float(np.sqrt(w.shape[-1]))).contiguous()


def model_from_state(
    hf_config: dict[str, Any], state: dict[str, torch.Tensor], bits: int, max_len: int = 2048
) -> LlamaModel:
    """A LlamaModel over float weights named like transformers' LlamaForCausalLM."""
    cfg = config_from_hf(hf_config)
    q_scale = cfg.head_dim**-0.5
    layers = []
    for i in range(cfg.n_layers):
        p = f"model.layers.{i}."
        at, mlp = p + "self_attn.", p + "mlp."
        layers.append(
            Layer(
                attn_norm=_norm(state[p + "input_layernorm.weight"]),
                ffn_norm=_norm(state[p + "post_attention_layernorm.weight"]),
                qkv=_linear(
                    [
                        state[at + "q_proj.weight"] * q_scale,
                        state[at + "k_proj.weight"],
                        state[at + "v_proj.weight"],
                    ],
                    bits,
                ),
                out=_linear([state[at + "o_proj.weight"]], bits),
                gate_up=_linear(
                    [state[mlp + "gate_proj.weight"], state[mlp + "up_proj.weight"]], bits
                ),
                down=_linear([state[mlp + "down_proj.weight"]], bits),
            )
        )
        trim_heap()
    embed, embed_scale = _int8(state["model.embed_tokens.weight"].float())
    head = _int4_from_dense(embed, embed_scale)
    return LlamaModel(
        cfg, layers, embed, embed_scale, _norm(state["model.norm.weight"]), max_len, head
    )
