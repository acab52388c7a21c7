"""AWQ (Lin et al., 2023): activation-aware per-channel scaling, then weight clipping.

For each decoder block, calibration inputs of every linear are recorded. Linears that
share an input form a group, scaled together with the op that produces that input:

    q,k,v      <- input_layernorm          (norm weight / s, columns * s)
    o          <- v_proj                   (v rows / s; with GQA, one s per kv channel,
                                            repeated over the query heads sharing it)
    gate,up    <- post_attention_layernorm
    down       <- up_proj                  (up rows / s; silu(gate)*up is linear in up)

s = s_x^alpha (s_x = mean |x| per input channel), alpha on a grid in [0, 1), chosen to
minimise the MSE between the group's float outputs and its quantized outputs. The fold
is exact in float arithmetic, so the float model is unchanged; only the rounding error
moves off the salient channels. A per-group clipping ratio is then searched (optional)
and the weights are rounded on the shared RTN grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from agents.lab.quant.blocks import (
    AfterBlock,
    BlockInputs,
    quantize_blocks,
    record_inputs,
)
from agents.lab.quant.rtn import (
    QuantizedWeight,
    check_bits,
    dequantize,
    group_params,
    quantize_weight,
    require_group_size,
)


@dataclass(frozen=True)
class AWQConfig:
    bits: int = 4
    group_size: int = 64
    alpha_grid: int = 20
    clip: bool = True
    clip_grid: int = 20
    max_shrink: float = 0.5
    float_zero: bool = False
    # Also try s = s_x^a / s_w^(1-a) (s_w: mean |W| per input channel, each group of W
    # normalised by its max), as AutoAWQ's "duo scaling"; the loss picks the better.
    duo: bool = False
    # Calibrate each block on the outputs of the already-quantized blocks before it
    # (as GPTQ does) instead of the float model's (as the paper does).
    feed_quantized: bool = False


@dataclass
class ScaleGroup:
    """Linears sharing one input, the op producing it, and how s maps onto that op."""

    name: str
    prev: nn.Module
    linears: dict[str, nn.Linear]
    repeat_index: torch.Tensor | None = None  # for GQA: input channel -> kv channel


def _fq(w: torch.Tensor, cfg: AWQConfig, clip: torch.Tensor | None = None) -> torch.Tensor:
    scales, zeros = group_params(w, cfg.bits, cfg.group_size, clip, cfg.float_zero)
    g = w.reshape(w.shape[0], -1, cfg.group_size)
    q = torch.round(g / scales[..., None] + zeros[..., None]).clamp(0, 2**cfg.bits - 1)
    return dequantize(q.reshape(w.shape), scales, zeros, cfg.group_size)


def _gqa_index(block: Any) -> torch.Tensor | None:
    attn = block.self_attn
    heads = attn.config.num_attention_heads
    kv = attn.config.num_key_value_heads
    dim = attn.head_dim
    if heads == kv:
        return None
    c = torch.arange(int(heads * dim))
    index: torch.Tensor = (c // dim) // (heads // kv) * dim + c % dim
    return index


def scale_groups(block: Any) -> list[ScaleGroup]:
    a, m = block.self_attn, block.mlp
    return [
        ScaleGroup(
            "attn_in",
            block.input_layernorm,
            {"q_proj": a.q_proj, "k_proj": a.k_proj, "v_proj": a.v_proj},
        ),
        ScaleGroup("attn_out", a.v_proj, {"o_proj": a.o_proj}, _gqa_index(block)),
        ScaleGroup(
            "mlp_in",
            block.post_attention_layernorm,
            {"gate_proj": m.gate_proj, "up_proj": m.up_proj},
        ),
        ScaleGroup("mlp_out", m.up_proj, {"down_proj": m.down_proj}),
    ]


def _channel_mean(x: torch.Tensor, index: torch.Tensor | None) -> torch.Tensor:
    return _reduce(x.abs().mean(0), index)


def _reduce(mean: torch.Tensor, index: torch.Tensor | None) -> torch.Tensor:
    """Per-input-channel values averaged onto the producing op's channels (GQA)."""
    if index is None:
        return mean
    size = int(index.max()) + 1
    total = torch.zeros(size).index_add_(0, index, mean)
    return total / torch.bincount(index, minlength=size)


def _expand(s: torch.Tensor, index: torch.Tensor | None) -> torch.Tensor:
    return s if index is None else s[index]


def _loss(w: torch.Tensor, wq: torch.Tensor, gram: torch.Tensor) -> float:
    """Mean squared output error ||X (Wq - W)^T||^2 / (tokens*out), via G = X^T X / tokens."""
    d = wq - w
    return float(((d @ gram) * d).sum()) / w.shape[0]


def weight_channel_mean(weights: list[torch.Tensor], group_size: int) -> torch.Tensor:
    """Mean over output rows of |W| / max|W| of its quantization group, per input channel."""
    w = torch.cat(weights).abs()
    g = w.reshape(w.shape[0], -1, group_size)
    return (g / (g.amax(dim=2, keepdim=True) + 1e-6)).reshape(w.shape).mean(0)


def _candidates(
    s_x: torch.Tensor, s_w: torch.Tensor | None, grid: int
) -> list[tuple[float, torch.Tensor]]:
    out = []
    for i in range(grid):
        alpha = i / grid
        out.append((alpha, s_x.pow(alpha)))
        if s_w is not None and i:
            out.append((alpha, s_x.pow(alpha) / (s_w.pow(1 - alpha) + 1e-4)))
    return out


@torch.no_grad()
def search_scale(
    group: ScaleGroup, gram: torch.Tensor, s_x: torch.Tensor, cfg: AWQConfig
) -> tuple[torch.Tensor, float]:
    """Best s (one value per channel of the producing op) and its alpha.

    ``gram`` = X^T X / tokens of the group's shared input, ``s_x`` its mean |x|
    (already reduced to the producing op's channels).
    """
    weights = [lin.weight.data.float() for lin in group.linears.values()]
    s_w = (
        _reduce(weight_channel_mean(weights, cfg.group_size), group.repeat_index)
        if cfg.duo
        else None
    )
    best = (float("inf"), torch.ones_like(s_x), 0.0)
    for alpha, s in _candidates(s_x, s_w, cfg.alpha_grid):
        s = s.clamp(min=1e-4)
        s = s / (s.max() * s.min()).sqrt()
        se = _expand(s, group.repeat_index)
        loss = sum(_loss(w, _fq(w * se, cfg) / se, gram) for w in weights)
        if loss < best[0]:
            best = (loss, s, alpha)
    return best[1], best[2]


@torch.no_grad()
def apply_scale(group: ScaleGroup, s: torch.Tensor) -> None:
    """Fold s into the producing op (divide) and the linears' input columns (multiply)."""
    prev: Any = group.prev
    if isinstance(prev, nn.Linear):
        prev.weight.data.div_(s.to(prev.weight.dtype)[:, None])
    else:
        prev.weight.data.div_(s.to(prev.weight.data.dtype))
    se = _expand(s, group.repeat_index)
    for lin in group.linears.values():
        lin.weight.data.mul_(se.to(lin.weight.dtype)[None, :])


def _diag_blocks(gram: torch.Tensor, g: int) -> torch.Tensor:
    n = gram.shape[0] // g
    return torch.stack([gram[i * g : (i + 1) * g, i * g : (i + 1) * g] for i in range(n)])


@torch.no_grad()
def search_clip(w: torch.Tensor, gram: torch.Tensor, cfg: AWQConfig) -> torch.Tensor:
    """Per (row, group) range-shrink ratio minimising the group's partial-output error."""
    out, width = w.shape
    g = cfg.group_size
    blocks = _diag_blocks(gram, g)  # (groups, g, g)
    wg = w.float().reshape(out, width // g, g)
    best_err = torch.full((out, width // g), float("inf"))
    best = torch.ones(out, width // g)
    for i in range(max(1, int(cfg.max_shrink * cfg.clip_grid))):
        ratio = 1 - i / cfg.clip_grid
        clip = torch.full((out, width // g), ratio)
        diff = _fq(w.float(), cfg, clip).reshape_as(wg) - wg
        err = torch.einsum("ogk,gkl,ogl->og", diff, blocks, diff)
        better = err < best_err
        best_err[better], best[better] = err[better], ratio
    return best


@torch.no_grad()
def awq_block(block: nn.Module, inp: BlockInputs, cfg: AWQConfig) -> dict[str, QuantizedWeight]:
    groups = scale_groups(block)
    mods = {k: v for grp in groups for k, v in grp.linears.items()}
    xs = record_inputs(block, {grp.name: next(iter(grp.linears.values())) for grp in groups}, inp)
    grams: dict[str, torch.Tensor] = {}
    for grp in groups:
        x = xs.pop(grp.name).float()
        gram = x.T @ x / x.shape[0]
        s, _alpha = search_scale(grp, gram, _channel_mean(x, grp.repeat_index), cfg)
        apply_scale(grp, s)
        se = _expand(s, grp.repeat_index)
        gram = gram / se[:, None] / se[None, :]
        grams.update({name: gram for name in grp.linears})
    notes: dict[str, QuantizedWeight] = {}
    for name, lin in mods.items():
        w = lin.weight.data.float()
        clip = search_clip(w, grams[name], cfg) if cfg.clip else None
        qw = quantize_weight(w, cfg.bits, cfg.group_size, clip, cfg.float_zero)
        lin.weight.data = qw.dequantize().to(lin.weight.dtype)
        notes[name] = qw
    return notes


@torch.no_grad()
def quantize_awq(
    model: nn.Module,
    calib_ids: torch.Tensor,
    cfg: AWQConfig,
    blocks: list[int] | None = None,
    after_block: AfterBlock | None = None,
) -> dict[str, QuantizedWeight]:
    """Quantize the chosen decoder blocks (all by default) in place; return their codes."""
    check_bits(cfg.bits)
    require_group_size(model, cfg.group_size)
    return quantize_blocks(
        model,
        calib_ids,
        lambda block, inp: awq_block(block, inp, cfg),
        label="awq",
        blocks=blocks,
        after_block=after_block,
        feed_quantized=cfg.feed_quantized,
    )
