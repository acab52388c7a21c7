"""Pack quantized weights into a safetensors file and load them back into a model.

The file layout is described, and read back, in ``agents.llm.builtin.packed`` (the
builtin provider serves these files; the model layer does not import the lab). This
module writes it and builds a transformers model from it for the lab's evaluations.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file

from agents.lab.quant.rtn import QuantizedWeight
from agents.llm.builtin.packed import FORMAT_VERSION, META_KEY, load_state_dict


def pack_codes(codes: torch.Tensor, bits: int) -> torch.Tensor:
    """uint8 codes (< 2**bits) -> ceil(n * bits / 8) bytes."""
    flat = codes.reshape(-1).numpy().astype(np.uint8)
    if flat.size and int(flat.max()) >= 2**bits:
        raise ValueError(f"a code does not fit in {bits} bits")
    planes = (flat[:, None] >> np.arange(bits, dtype=np.uint8)) & 1
    return torch.from_numpy(np.packbits(planes.reshape(-1), bitorder="little"))


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

    from agents.llm.builtin.weights import locate_smollm2_gguf

    gguf = locate_smollm2_gguf()
    return AutoTokenizer.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, local_files_only=True
    )
