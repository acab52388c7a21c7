"""Pack quantized weights into a safetensors file and load them back into a model.

Layout per quantized tensor ``<name>`` (a block linear's weight):
    <name>.qweight  uint8  codes bit-packed little-endian, ``bits`` bits each
    <name>.scales   fp16   (out, in // group_size)
    <name>.zeros    fp16   (out, in // group_size)  zero points (integer, or fp16 values
                                                with float_zero), exact in fp16
Every other tensor of the model is stored as fp16 under its own name (tied embeddings
once). The header metadata holds ``axweb_quant``: JSON with method, bits, group size,
base model, the model config and each quantized tensor's shape.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from agents.lab.quant.rtn import QuantizedWeight, dequantize

META_KEY = "axweb_quant"
FORMAT_VERSION = 1


def pack_codes(codes: torch.Tensor, bits: int) -> torch.Tensor:
    """uint8 codes (< 2**bits) -> ceil(n * bits / 8) bytes."""
    flat = codes.reshape(-1).numpy().astype(np.uint8)
    if flat.size and int(flat.max()) >= 2**bits:
        raise ValueError(f"a code does not fit in {bits} bits")
    planes = (flat[:, None] >> np.arange(bits, dtype=np.uint8)) & 1
    return torch.from_numpy(np.packbits(planes.reshape(-1), bitorder="little"))


def unpack_codes(packed: torch.Tensor, bits: int, shape: tuple[int, ...]) -> torch.Tensor:
    count = int(np.prod(shape))
    planes = np.unpackbits(packed.numpy(), bitorder="little")[: count * bits]
    weights = (1 << np.arange(bits, dtype=np.uint16)).astype(np.uint16)
    flat = (planes.reshape(count, bits).astype(np.uint16) * weights).sum(1)
    return torch.from_numpy(flat.astype(np.uint8)).reshape(shape)


def _weight_key(name: str) -> str:
    return name if name.endswith(".weight") else f"{name}.weight"


def save_quantized(
    path: str | Path,
    model: Any,
    quantized: dict[str, QuantizedWeight],
    meta: dict[str, Any],
) -> Path:
    """Write packed codes + fp16 rest of ``model``; ``meta`` needs method and base_model."""
    tensors: dict[str, torch.Tensor] = {}
    shapes: dict[str, list[int]] = {}
    bits = {qw.bits for qw in quantized.values()} or {0}
    groups = {qw.group_size for qw in quantized.values()} or {0}
    for name, qw in quantized.items():
        key = _weight_key(name)
        tensors[f"{key}.qweight"] = pack_codes(qw.codes, qw.bits)
        tensors[f"{key}.scales"] = qw.scales.half().contiguous()
        tensors[f"{key}.zeros"] = qw.zeros.half().contiguous()
        shapes[key] = list(qw.codes.shape)
    seen: set[int] = set()
    for key, tensor in model.state_dict().items():
        if key in shapes or tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        tensors[key] = tensor.detach().half().contiguous()
    header = {
        "format": FORMAT_VERSION,
        "bits": max(bits),
        "group_size": max(groups),
        "config": model.config.to_dict(),
        "tensors": shapes,
        **meta,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={META_KEY: json.dumps(header)})
    return path


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


def load_quantized_model(path: str | Path) -> tuple[Any, Any]:
    """(tokenizer, model) for generation from a file written by save_quantized."""
    from transformers import AutoConfig, AutoModelForCausalLM

    header, state = load_state_dict(path)
    cfg = dict(header["config"])
    cfg.pop("quantization_config", None)
    config = AutoConfig.for_model(**cfg)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)  # type: ignore[no-untyped-call]
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not (k == "lm_head.weight" and config.tie_word_embeddings)]
    if missing or unexpected:
        raise ValueError(f"state mismatch: missing={missing[:5]} unexpected={unexpected[:5]}")
    model.tie_weights()
    model.eval()
    model.requires_grad_(False)
    return load_tokenizer(), model


@lru_cache(maxsize=1)
def load_tokenizer() -> Any:
    """The base model's tokenizer alone (no weights are dequantized)."""
    from transformers import AutoTokenizer

    from agents.llm.weights import locate_smollm2_gguf

    gguf = locate_smollm2_gguf()
    return AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)
