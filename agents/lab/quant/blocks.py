"""Run a causal LM block by block: capture decoder-block inputs, replay blocks, record
the inputs each linear sees. Shared by AWQ and GPTQ (both work one block at a time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

# after_block(index_done, total, log_line); may raise to abort (e.g. a cancel).
AfterBlock = Callable[[int, int, str], None]


@dataclass
class BlockInputs:
    """Hidden states entering a block (n, seq, dim) and the keyword args blocks need."""

    hidden: torch.Tensor
    kwargs: dict[str, Any]


class _Captured(Exception):
    def __init__(self, hidden: torch.Tensor, kwargs: dict[str, Any]) -> None:
        super().__init__("captured")
        self.inputs = BlockInputs(hidden, kwargs)


def decoder_blocks(model: Any) -> nn.ModuleList:
    layers: nn.ModuleList = model.model.layers
    return layers


@torch.no_grad()
def capture_block_inputs(model: nn.Module, input_ids: torch.Tensor) -> BlockInputs:
    """Inputs of the first decoder block for a batch of calibration sequences."""

    def hook(_m: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        hidden = args[0] if args else kwargs.pop("hidden_states")
        kept = {k: v for k, v in kwargs.items() if k not in ("past_key_values", "use_cache")}
        raise _Captured(hidden.detach(), kept)

    handle = decoder_blocks(model)[0].register_forward_pre_hook(hook, with_kwargs=True)
    try:
        model(input_ids=input_ids, use_cache=False)
    except _Captured as cap:
        return cap.inputs
    finally:
        handle.remove()
    raise RuntimeError("the first decoder block was never called")


def _slice_kwargs(kwargs: dict[str, Any], lo: int, hi: int, n: int) -> dict[str, Any]:
    def cut(v: Any) -> Any:
        if isinstance(v, torch.Tensor) and n > 1 and v.dim() > 0 and v.shape[0] == n:
            return v[lo:hi]
        if isinstance(v, tuple):
            return tuple(cut(x) for x in v)
        return v

    return {k: cut(v) for k, v in kwargs.items()}


@torch.no_grad()
def run_block(block: nn.Module, inp: BlockInputs, chunk: int = 8) -> torch.Tensor:
    """Block output for every calibration sequence, computed ``chunk`` sequences at a time."""
    n = inp.hidden.shape[0]
    outs = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        out = block(inp.hidden[lo:hi], **_slice_kwargs(inp.kwargs, lo, hi, n))
        outs.append(out[0] if isinstance(out, tuple) else out)
    return torch.cat(outs)


@contextmanager
def recording(modules: dict[str, nn.Module]) -> Iterator[dict[str, list[torch.Tensor]]]:
    """While active, store each module's input (flattened to (tokens, in_features))."""
    seen: dict[str, list[torch.Tensor]] = {name: [] for name in modules}
    handles = []
    for name, mod in modules.items():

        def hook(_m: nn.Module, args: tuple[Any, ...], name: str = name) -> None:
            x = args[0]
            seen[name].append(x.detach().reshape(-1, x.shape[-1]))

        handles.append(mod.register_forward_pre_hook(hook))
    try:
        yield seen
    finally:
        for h in handles:
            h.remove()


class _Stop(Exception):
    pass


@torch.no_grad()
def record_inputs(
    block: nn.Module, modules: dict[str, nn.Module], inp: BlockInputs, chunk: int = 8
) -> dict[str, torch.Tensor]:
    """Each module's stacked input over the calibration set.

    The block is run only as far as needed: once every module of ``modules`` has seen
    its input for a chunk, the rest of the block is skipped.
    """
    n = inp.hidden.shape[0]

    chunks = [0]

    def stop_when_done(_m: nn.Module, _args: tuple[Any, ...]) -> None:
        if all(len(xs) == chunks[0] for xs in seen.values()):
            raise _Stop

    with recording(modules) as seen:
        stops = [m.register_forward_pre_hook(stop_when_done) for m in modules.values()]
        try:
            for lo in range(0, n, chunk):
                hi = min(n, lo + chunk)
                chunks[0] += 1
                try:
                    block(inp.hidden[lo:hi], **_slice_kwargs(inp.kwargs, lo, hi, n))
                except _Stop:
                    pass
        finally:
            for h in stops:
                h.remove()
    return {name: torch.cat(xs) for name, xs in seen.items()}


QuantizeBlock = Callable[[nn.Module, BlockInputs], dict[str, Any]]


def quantize_blocks(
    model: nn.Module,
    calib_ids: torch.Tensor,
    quantize_block: QuantizeBlock,
    *,
    label: str,
    blocks: list[int] | None = None,
    after_block: AfterBlock | None = None,
    feed_quantized: bool,
) -> dict[str, Any]:
    """Walk the decoder blocks in order, quantizing the chosen ones (all by default) in place.

    Each block sees calibration inputs produced by the blocks before it: their quantized
    outputs when ``feed_quantized`` (GPTQ), their full-precision outputs otherwise (AWQ).
    Returns the codes by full module name."""
    layers = decoder_blocks(model)
    chosen = sorted(blocks) if blocks is not None else list(range(len(layers)))
    inp = capture_block_inputs(model, calib_ids)
    result: dict[str, Any] = {}
    last = max(chosen)
    for idx in range(last + 1):
        block = layers[idx]
        nxt = None if feed_quantized or idx == last else run_block(block, inp)
        if idx in chosen:
            for name, code in quantize_block(block, inp).items():
                result[full_name(model, block, name)] = code
            if after_block is not None:
                after_block(chosen.index(idx) + 1, len(chosen), f"{label} block {idx} done")
        if idx < last:
            inp = BlockInputs(nxt if nxt is not None else run_block(block, inp), inp.kwargs)
    return result


def full_name(model: nn.Module, block: nn.Module, short: str) -> str:
    """`model.layers.3.self_attn.q_proj` for the linear `q_proj` of `block`."""
    for name, mod in model.named_modules():
        if mod is block:
            sub = "self_attn" if short in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp"
            return f"{name}.{sub}.{short}"
    raise KeyError(short)
