"""int8 linears for the packed BERT forward (``Embedder(dtype="int8")``).

Weights are int8 per output channel, activations quantized per call (dynamic, one scale
per matrix) after SmoothQuant: each input channel ``j`` of ``x`` is divided by ``s_j`` and
the weight's column multiplied by it (an exact rewrite) so that the few activation
channels with large values no longer set the one scale every activation shares.

On CPUs with VNNI (AVX512-VNNI, AVX-VNNI or AMX) the weights are packed for oneDNN and
activations use all 8 bits (u8 x s8 products are summed in 32 bits by ``vpdpbusd``);
elsewhere fbgemm with ``reduce_range`` (7-bit activations: AVX2's ``vpmaddubsw`` would
saturate its 16-bit pair sums on full-range values). Measured in docs/performance.md.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

SMOOTHING = 0.8  # SmoothQuant alpha: how much of the activation range moves into the weights


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The ``flags`` of /proc/cpuinfo (or of the text given); empty when unreadable."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return set()
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return flags


def native_int8(cpuinfo: str | None = None) -> bool:
    """Does this CPU multiply int8 with 32-bit sums in one instruction (VNNI or AMX)?"""
    return bool(cpu_flags(cpuinfo) & {"avx512_vnni", "avx_vnni", "amx_int8"})


class QuantLinear:
    """``linear(x, w, b)`` for float32 ``x`` with int8 weights, smoothed (see the module)."""

    def __init__(self, weight: Any, bias: Any, activation_max: Any) -> None:
        import torch

        weight_max = weight.abs().amax(dim=0).clamp(min=1e-5)
        scale = (activation_max.clamp(min=1e-5) ** SMOOTHING / weight_max ** (1 - SMOOTHING)).clamp(
            min=1e-5
        )
        smoothed = weight * scale
        row_scale = (smoothed.abs().amax(dim=1).clamp(min=1e-8) / 127).double()
        self.reduce_range = not native_int8()
        engine = "fbgemm" if self.reduce_range else "onednn"
        previous = torch.backends.quantized.engine
        with warnings.catch_warnings():  # quantized tensors are deprecated, the kernels are not
            warnings.simplefilter("ignore")
            quantized = torch.quantize_per_channel(
                smoothed, row_scale, torch.zeros(len(row_scale), dtype=torch.long), 0, torch.qint8
            )
            try:  # the packed weight keeps its engine; the global setting is only read here
                torch.backends.quantized.engine = engine
                self.packed = torch.ops.quantized.linear_prepack(quantized, bias)
            finally:
                torch.backends.quantized.engine = previous
        self.inverse = (1.0 / scale).contiguous()

    def __call__(self, x: Any) -> Any:
        import torch

        return torch.ops.quantized.linear_dynamic(
            x * self.inverse, self.packed, reduce_range=self.reduce_range
        )


def calibration_ids(tokenizer: Any, count: int = 48, max_tokens: int = 256) -> list[list[int]]:
    """Token ids of real prose (the last of Python's pydoc topics) for int8 calibration."""
    from pydoc_data.topics import topics

    texts = [topics[name][:1500] for name in sorted(topics, reverse=True)[:count]]
    ids: list[list[int]] = tokenizer(texts, truncation=True, max_length=max_tokens)["input_ids"]
    return ids
