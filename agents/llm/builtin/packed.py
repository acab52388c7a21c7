"""Read the lab's packed model files: quantized weights in a safetensors file.

Layout per quantized tensor ``<name>`` (a block linear's weight):
    <name>.qweight  uint8  codes bit-packed little-endian, ``bits`` bits each
    <name>.scales   fp16   (out, in // group_size)
    <name>.zeros    fp16   (out, in // group_size)  zero points (integer, or fp16 values
                                                with float_zero), exact in fp16
Every other tensor of the model is stored as fp16 under its own name (tied embeddings
once). The header metadata holds ``axweb_quant``: JSON with method, bits, group size,
base model, the model config and each quantized tensor's shape.

The writer is the lab's (``agents.lab.quant.packing.save_quantized``); the reader lives
with the model because the builtin provider serves these files and the model layer does
not depend on the lab.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open

META_KEY = "axweb_quant"
FORMAT_VERSION = 1


def unpack_codes(packed: torch.Tensor, bits: int, shape: tuple[int, ...]) -> torch.Tensor:
    """The inverse of the lab's ``pack_codes``: bytes -> uint8 codes of ``shape``."""
    count = int(np.prod(shape))
    planes = np.unpackbits(packed.numpy(), bitorder="little")[: count * bits]
    weights = (1 << np.arange(bits, dtype=np.uint16)).astype(np.uint16)
    flat = (planes.reshape(count, bits).astype(np.uint16) * weights).sum(1)
    return torch.from_numpy(flat.astype(np.uint8)).reshape(shape)


def dequantize(
    codes: torch.Tensor, scales: torch.Tensor, zeros: torch.Tensor, group_size: int
) -> torch.Tensor:
    """Codes (out, in) on groups of ``group_size`` columns -> (q - zero) * scale."""
    out, width = codes.shape
    g = codes.float().reshape(out, width // group_size, group_size)
    return ((g - zeros[..., None]) * scales[..., None]).reshape(codes.shape)


def read_header(path: str | Path) -> dict[str, Any]:
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
    if META_KEY not in meta:
        raise ValueError(f"{path} is not an AXWeb quantized model (no {META_KEY} header)")
    return json.loads(meta[META_KEY])  # type: ignore[no-any-return]


def load_state_dict(path: str | Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """(header, float32 state dict with quantized weights dequantized)."""
    header = read_header(path)
    state: dict[str, torch.Tensor] = {}
    with safe_open(str(path), framework="pt") as f:
        keys = set(f.keys())
        for key, shape in header["tensors"].items():
            codes = unpack_codes(f.get_tensor(f"{key}.qweight"), header["bits"], tuple(shape))
            scales = f.get_tensor(f"{key}.scales").float()
            zeros = f.get_tensor(f"{key}.zeros").float()
            state[key] = dequantize(codes, scales, zeros, header["group_size"])
            keys -= {f"{key}.qweight", f"{key}.scales", f"{key}.zeros"}
        for key in keys:
            state[key] = f.get_tensor(key).float()
    return header, state
