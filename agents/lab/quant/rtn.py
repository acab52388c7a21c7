"""Round-to-nearest asymmetric group quantization (the grid every method shares).

A weight matrix W (out, in) is split along the input dimension into groups of
``group_size`` columns. Each (row, group) gets an fp16 ``scale`` and an integer zero
point ``zero`` in [0, 2^bits - 1]; codes q = clamp(round(w / scale + zero), 0, 2^bits-1)
and w ≈ (q - zero) * scale. Scales are rounded to fp16 *before* coding, so what the
quantizers evaluate is exactly what packing stores and reloads.

With ``float_zero`` the zero point is kept as an fp16 value (-min / scale, not rounded):
the grid then starts exactly at the group's minimum instead of up to half a step away.
It is stored in the same 16 bits as the integer zero, so bits per weight do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from agents.llm.builtin import packed

MIN_BITS, MAX_BITS = 2, 8
GROUP_SIZES = (32, 64, 128)


class GroupSizeError(ValueError):
    """A layer's input width is not a multiple of the group size."""


@dataclass
class QuantizedWeight:
    """Integer codes (out, in) uint8, scales and zeros (out, in // group_size) float32."""

    codes: torch.Tensor
    scales: torch.Tensor
    zeros: torch.Tensor
    bits: int
    group_size: int

    def dequantize(self) -> torch.Tensor:
        return dequantize(self.codes, self.scales, self.zeros, self.group_size)


def check_bits(bits: int) -> None:
    if not MIN_BITS <= bits <= MAX_BITS:
        raise ValueError(f"bits must be between {MIN_BITS} and {MAX_BITS}, got {bits}")


def _grouped(w: torch.Tensor, group_size: int) -> torch.Tensor:
    out, width = w.shape
    if group_size <= 0 or width % group_size:
        raise GroupSizeError(
            f"group size {group_size} does not divide the layer input width {width} "
            f"({width} is not a multiple of {group_size}); pick a divisor such as "
            f"{', '.join(str(g) for g in GROUP_SIZES if g > 0 and width % g == 0) or 'none'}"
        )
    return w.reshape(out, width // group_size, group_size)


def group_params(
    w: torch.Tensor,
    bits: int,
    group_size: int,
    clip: torch.Tensor | None = None,
    float_zero: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-group (scale, zero) for W; ``clip`` (out, groups) shrinks the min/max range."""
    check_bits(bits)
    g = _grouped(w.float(), group_size)
    wmin = g.amin(dim=2).clamp(max=0)
    wmax = g.amax(dim=2).clamp(min=0)
    if clip is not None:
        wmin, wmax = wmin * clip, wmax * clip
    qmax = 2**bits - 1
    scale = ((wmax - wmin) / qmax).clamp(min=1e-7)
    # Round to fp16 upwards (never below the exact step) so the grid still spans [min, max].
    scale = (scale * (1 + 2**-10)).half().float()
    if float_zero:
        return scale, (-wmin / scale).clamp(0, qmax).half().float()
    zero = torch.round(-wmin / scale).clamp(0, qmax)
    return scale, zero


def quantize_with(
    w: torch.Tensor, scales: torch.Tensor, zeros: torch.Tensor, bits: int, group_size: int
) -> torch.Tensor:
    """Codes (out, in) uint8 of W on a given grid."""
    g = _grouped(w.float(), group_size)
    q = torch.round(g / scales[..., None] + zeros[..., None])
    return q.clamp(0, 2**bits - 1).to(torch.uint8).reshape(w.shape)


def dequantize(
    codes: torch.Tensor, scales: torch.Tensor, zeros: torch.Tensor, group_size: int
) -> torch.Tensor:
    """(q - zero) * scale, the formula the packed-file reader applies (shared with it)."""
    _grouped(codes, group_size)  # refuses a group size that does not divide the width, by name
    return packed.dequantize(codes, scales, zeros, group_size)


def quantize_weight(
    w: torch.Tensor,
    bits: int,
    group_size: int,
    clip: torch.Tensor | None = None,
    float_zero: bool = False,
) -> QuantizedWeight:
    scales, zeros = group_params(w, bits, group_size, clip, float_zero)
    codes = quantize_with(w, scales, zeros, bits, group_size)
    return QuantizedWeight(codes, scales, zeros, bits, group_size)


def fake_quantize(w: torch.Tensor, bits: int, group_size: int) -> torch.Tensor:
    """W -> dequantize(quantize(W)) in W's dtype."""
    return quantize_weight(w, bits, group_size).dequantize().to(w.dtype)


def block_linears(model: nn.Module) -> Iterator[tuple[str, nn.Linear]]:
    """The linear layers inside the decoder blocks (the ones the lab quantizes)."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and ".layers." in f".{name}":
            yield name, module


def check_group_size(model: nn.Module, group_size: int) -> list[str]:
    """Names (with widths) of block linears whose input width is not a multiple of g."""
    return [
        f"{name} (in_features={lin.in_features})"
        for name, lin in block_linears(model)
        if group_size <= 0 or lin.in_features % group_size
    ]


def require_group_size(model: nn.Module, group_size: int) -> None:
    bad = check_group_size(model, group_size)
    if bad:
        raise GroupSizeError(
            f"group size {group_size} does not divide the input width of {len(bad)} layer(s), "
            f"e.g. {bad[0]}; every layer's input width must be a multiple of the group size"
        )


def quantize_rtn(
    model: nn.Module,
    bits: int,
    group_size: int,
    layers: Callable[[str], bool] | None = None,
    float_zero: bool = False,
) -> dict[str, QuantizedWeight]:
    """Quantize block linears in place (weights become dequantized values); return codes."""
    check_bits(bits)
    require_group_size(model, group_size)
    out: dict[str, QuantizedWeight] = {}
    for name, lin in block_linears(model):
        if layers is not None and not layers(name):
            continue
        qw = quantize_weight(lin.weight.data, bits, group_size, float_zero=float_zero)
        lin.weight.data = qw.dequantize().to(lin.weight.dtype)
        out[name] = qw
    return out


def mse_clip(
    w: torch.Tensor, bits: int, group_size: int, grid: int = 20, max_shrink: float = 0.5
) -> torch.Tensor:
    """Per (row, group) range-shrink ratio minimising the weight rounding error."""
    g = _grouped(w.float(), group_size)
    best_err = torch.full(g.shape[:2], float("inf"))
    best = torch.ones(g.shape[:2])
    for i in range(max(1, int(max_shrink * grid))):
        ratio = 1 - i / grid
        clip = torch.full(g.shape[:2], ratio)
        deq = quantize_weight(w, bits, group_size, clip).dequantize()
        err = (_grouped(deq, group_size) - g).abs().pow(2.4).sum(-1)
        better = err < best_err
        best_err[better], best[better] = err[better], ratio
    return best


def _prefix_filter(prefix: str) -> Callable[[str], bool]:
    return lambda name: name.startswith(prefix)


def quantize_rtn_blocks(
    model: nn.Module,
    bits: int,
    group_size: int,
    blocks: list[int] | None = None,
    after_block: Callable[[int, int, str], None] | None = None,
    float_zero: bool = False,
) -> dict[str, QuantizedWeight]:
    """RTN over the chosen decoder blocks, reporting after each one."""
    from agents.lab.quant.blocks import decoder_blocks

    check_bits(bits)
    require_group_size(model, group_size)
    layers = decoder_blocks(model)
    chosen = sorted(blocks) if blocks is not None else list(range(len(layers)))
    result: dict[str, QuantizedWeight] = {}
    for done, idx in enumerate(chosen, start=1):
        prefix = f"model.layers.{idx}."
        result.update(quantize_rtn(model, bits, group_size, _prefix_filter(prefix), float_zero))
        if after_block is not None:
            after_block(done, len(chosen), f"rtn block {idx} done")
    return result
