"""Build a LlamaModel from dense (float) Llama weights with transformers' names.

Used for the lab's compressed models: their packed file is read back as a float state
dict, then each projection is stored as GGUF blocks for the kernel: Q4_1 (asymmetric int4,
groups of 32) for models of <= 4 bits, Q8_0 (symmetric int8, groups of 32) for more bits.
Re-quantizing a 4-bit model with group size 32 reproduces its grid up to rounding;
coarser grids gain a little error. q/k rows are put in llama.cpp's interleaved-rope order,
the order the kernel (and a GGUF file) uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.llm.builtin.model import (
    GROUP,
    Q4_1,
    Q8_0,
    Layer,
    LlamaConfig,
    LlamaModel,
    QLinear,
    quantize_blocks,
    trim_heap,
)


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


def interleave_rope_rows(w: np.ndarray, n_heads: int) -> np.ndarray:
    """transformers' rotate-half row order -> llama.cpp's interleaved pairs (per head)."""
    rows = w.shape[0]
    head = rows // n_heads
    return w.reshape(n_heads, 2, head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _linear(parts: list[np.ndarray], bits: int) -> QLinear:
    w = np.concatenate(parts)
    if w.shape[1] % GROUP:
        raise ValueError(f"a {w.shape} matrix does not split into groups of {GROUP}")
    return quantize_blocks(w, Q4_1 if bits <= 4 else Q8_0)


def _f32(t: Any) -> np.ndarray:
    return np.ascontiguousarray(t.float().numpy() if hasattr(t, "numpy") else t, np.float32)


def model_from_state(
    hf_config: dict[str, Any], state: dict[str, Any], bits: int, max_len: int = 2048
) -> LlamaModel:
    """A LlamaModel over float weights (torch tensors or arrays) named like
    transformers' LlamaForCausalLM, with tied embeddings."""
    cfg = config_from_hf(hf_config)
    layers = []
    for i in range(cfg.n_layers):
        p = f"model.layers.{i}."
        at, mlp = p + "self_attn.", p + "mlp."
        layers.append(
            Layer(
                attn_norm=_f32(state[p + "input_layernorm.weight"]),
                ffn_norm=_f32(state[p + "post_attention_layernorm.weight"]),
                qkv=_linear(
                    [
                        interleave_rope_rows(_f32(state[at + "q_proj.weight"]), cfg.n_heads),
                        interleave_rope_rows(_f32(state[at + "k_proj.weight"]), cfg.n_kv_heads),
                        _f32(state[at + "v_proj.weight"]),
                    ],
                    bits,
                ),
                out=_linear([_f32(state[at + "o_proj.weight"])], bits),
                gate_up=_linear(
                    [_f32(state[mlp + "gate_proj.weight"]), _f32(state[mlp + "up_proj.weight"])],
                    bits,
                ),
                down=_linear([_f32(state[mlp + "down_proj.weight"])], bits),
            )
        )
        trim_heap()
    embed = quantize_blocks(_f32(state["model.embed_tokens.weight"]), Q8_0).blocks
    return LlamaModel(cfg, layers, embed, _f32(state["model.norm.weight"]), max_len)
