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
not depend on the lab. ``read_quantized`` reads a file with numpy only (the builtin
provider serves it without torch); ``load_state_dict`` dequantizes it to torch floats
(the lab's transformers model).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors import safe_open

if TYPE_CHECKING:
    import torch

META_KEY = "axweb_quant"
FORMAT_VERSION = 1


def unpack_codes_np(packed: np.ndarray, bits: int, shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of the lab's ``pack_codes``: bytes -> uint8 codes of ``shape``."""
    count = int(np.prod(shape))
    planes = np.unpackbits(packed, bitorder="little")[: count * bits].reshape(count, bits)
    flat = np.zeros(count, dtype=np.uint8)
    for bit in range(bits):
        flat |= planes[:, bit] << np.uint8(bit)
    return flat.reshape(shape)


def unpack_codes(packed: torch.Tensor, bits: int, shape: tuple[int, ...]) -> torch.Tensor:
    """``unpack_codes_np`` on torch tensors."""
    import torch

    return torch.from_numpy(unpack_codes_np(packed.numpy(), bits, shape))


def dequantize(
    codes: torch.Tensor, scales: torch.Tensor, zeros: torch.Tensor, group_size: int
) -> torch.Tensor:
    """Codes (out, in) on groups of ``group_size`` columns -> (q - zero) * scale."""
    out, width = codes.shape
    g = codes.float().reshape(out, width // group_size, group_size)
    return ((g - zeros[..., None]) * scales[..., None]).reshape(codes.shape)


def read_header(path: str | Path) -> dict[str, Any]:
    with safe_open(str(path), framework="np") as f:
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


@dataclass
class QuantizedTensor:
    """One quantized weight as stored: codes (out, in) uint8, fp16 scales and zeros."""

    codes: np.ndarray
    scales: np.ndarray
    zeros: np.ndarray
    bits: int
    group_size: int


_DTYPES = {"U8": np.uint8, "I8": np.int8, "F16": np.float16, "F32": np.float32}


class QuantizedReader:
    """Tensors of an open packed file, read one at a time with numpy (no torch): a loader
    that turns each into its final form before reading the next keeps its peak small.
    Plain reads, not a memory map: a mapped file's touched pages would count in the
    process's resident memory until it is closed."""

    def __init__(self, handle: Any, header: dict[str, Any]) -> None:
        self._f, self.header = handle, header
        size = int.from_bytes(handle.read(8), "little")
        self._index = json.loads(handle.read(size))
        self._base = 8 + size
        self.bits, self.group_size = int(header["bits"]), int(header["group_size"])

    def shape(self, key: str) -> tuple[int, ...]:
        return tuple(self._index[key]["shape"])

    def tensor(self, key: str, rows: tuple[int, int] | None = None) -> np.ndarray:
        """A tensor as it is stored (fp16 norms and embedding, uint8 codes); ``rows``
        (lo, hi) reads only those rows of its first dimension."""
        entry = self._index[key]
        begin, end = entry["data_offsets"]
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        shape = list(entry["shape"])
        if rows is not None:
            width = int(np.prod(shape[1:])) * dtype.itemsize
            lo, hi = max(0, rows[0]), min(shape[0], rows[1])
            begin, end, shape[0] = begin + lo * width, begin + max(lo, hi) * width, max(0, hi - lo)
        self._f.seek(self._base + begin)
        data = np.fromfile(self._f, dtype=dtype, count=(end - begin) // dtype.itemsize)
        return data.reshape(shape)

    def quantized(self, key: str) -> QuantizedTensor:
        shape = tuple(self.header["tensors"][key])
        codes = unpack_codes_np(self.tensor(f"{key}.qweight"), self.bits, shape)
        scales, zeros = self.tensor(f"{key}.scales"), self.tensor(f"{key}.zeros")
        return QuantizedTensor(codes, scales, zeros, self.bits, self.group_size)


@contextmanager
def open_quantized(path: str | Path) -> Iterator[QuantizedReader]:
    header = read_header(path)
    with open(path, "rb") as f:
        yield QuantizedReader(f, header)
