"""A small, memory-lean GGUF reader (metadata, tensor views, BPE tokenizer).

``gguf.GGUFReader`` builds numpy views for every metadata item (≈160 MB for a 49k-token
vocabulary); this reader keeps plain Python values and one ``mmap`` that the caller
closes once weights are converted.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

GGUF_MAGIC = b"GGUF"
# ggml type id -> (name, block size in elements, bytes per block)
TENSOR_TYPES = {0: ("F32", 1, 4), 1: ("F16", 1, 2), 3: ("Q4_1", 32, 20), 8: ("Q8_0", 32, 34)}
_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
TOKEN_TYPE_CONTROL = 3


@dataclass(frozen=True)
class TensorInfo:
    name: str
    type_name: str
    shape: tuple[int, ...]  # torch order: (rows, cols)
    offset: int
    nbytes: int


class _Cursor:
    def __init__(self, buf: Any) -> None:
        self.buf, self.pos = buf, 0

    def scalar(self, fmt: str) -> Any:
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        n = self.scalar("<Q")
        text = bytes(self.buf[self.pos : self.pos + n]).decode("utf-8", errors="replace")
        self.pos += n
        return text

    def value(self, kind: int) -> Any:
        if kind == 8:
            return self.string()
        if kind == 9:
            item_kind, count = self.scalar("<I"), self.scalar("<Q")
            return [self.value(item_kind) for _ in range(count)]
        return self.scalar(_SCALARS[kind])


class GGUFFile:
    """Parsed header of a GGUF file; tensor bytes are read lazily from an mmap."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        cur = _Cursor(self._map)
        if bytes(self._map[:4]) != GGUF_MAGIC:
            raise ValueError(f"{path} is not a GGUF file")
        cur.pos = 4
        _version, n_tensors, n_kv = cur.scalar("<I"), cur.scalar("<Q"), cur.scalar("<Q")
        self.metadata: dict[str, Any] = {}
        for _ in range(n_kv):
            key = cur.string()
            self.metadata[key] = cur.value(cur.scalar("<I"))
        infos = [self._tensor_info(cur) for _ in range(n_tensors)]
        align = int(self.metadata.get("general.alignment", 32))
        data_start = (cur.pos + align - 1) // align * align
        self.tensors = {
            t.name: TensorInfo(t.name, t.type_name, t.shape, data_start + t.offset, t.nbytes)
            for t in infos
        }

    @staticmethod
    def _tensor_info(cur: _Cursor) -> TensorInfo:
        name = cur.string()
        dims = [cur.scalar("<Q") for _ in range(cur.scalar("<I"))]
        kind, offset = cur.scalar("<I"), cur.scalar("<Q")
        if kind not in TENSOR_TYPES:
            raise ValueError(f"tensor {name}: unsupported ggml type {kind}")
        type_name, block, block_bytes = TENSOR_TYPES[kind]
        count = int(np.prod(dims))
        return TensorInfo(
            name, type_name, tuple(reversed(dims)), offset, count // block * block_bytes
        )

    def raw(self, name: str) -> np.ndarray:
        """The tensor's bytes as a (rows, bytes_per_row) uint8 array.

        Read with pread rather than through the mmap: mapped pages would count towards
        the process's resident memory until the file is closed."""
        info = self.tensors[name]
        data = np.empty(info.nbytes, dtype=np.uint8)  # writable: the model repacks in place
        view, done = memoryview(data.data), 0
        while done < info.nbytes:
            got = os.preadv(self._file.fileno(), [view[done:]], info.offset + done)
            if got <= 0:
                raise ValueError(f"{name}: the file ends inside the tensor")
            done += got
        rows = int(np.prod(info.shape[:-1])) if len(info.shape) > 1 else 1
        return data.reshape(rows, -1)

    def f32(self, name: str) -> np.ndarray:
        info = self.tensors[name]
        if info.type_name != "F32":
            raise ValueError(f"{name} is {info.type_name}, expected F32")
        return self.raw(name).view(np.float32).reshape(info.shape).copy()

    def close(self) -> None:
        self._map.close()
        self._file.close()


def build_tokenizer(meta: dict[str, Any]) -> Any:
    """A ``tokenizers.Tokenizer`` for a GPT-2 style (byte-level BPE) GGUF vocabulary."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    if meta.get("tokenizer.ggml.model") != "gpt2":
        raise ValueError(f"unsupported tokenizer model {meta.get('tokenizer.ggml.model')!r}")
    tokens: list[str] = meta["tokenizer.ggml.tokens"]
    merges = [tuple(m.split(" ", 1)) for m in meta["tokenizer.ggml.merges"]]
    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges)
    tok = Tokenizer(bpe)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    types = meta.get("tokenizer.ggml.token_type", [])
    special = [t for t, kind in zip(tokens, types, strict=False) if kind == TOKEN_TYPE_CONTROL]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in special])
    return tok
