"""Field-level problems of a lab job spec (empty when it can run), and the benchmark ceilings."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings

from agents.lab.models import BASE_MODEL_REF, BenchmarkJob, Corpus, JobStatus
from agents.models import ModelEntry

Errors = dict[str, list[str]]
OPTION_KEYS = {
    "blocks",
    "calib_samples",
    "calib_seq_len",
    "eval_tokens",
    "eval_window",
    "eval_stride",
    "evaluate",
    "evaluate_baseline",
    "decode_tokens",
    "alpha_grid",
    "awq_clip",
    "damp",
    "act_order",
    "calib_start",
    "float_zero",
    "awq_duo",
    "awq_feed_quantized",
}


@lru_cache(maxsize=8)
def group_size_problems(group_size: int) -> tuple[str, ...]:
    """Block layers of the base model whose input width ``group_size`` does not divide.

    Uses the core's check on a weightless (meta-device) copy of the model built from the
    GGUF metadata, so no weights are read.
    """
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    from agents.lab.quant.rtn import check_group_size
    from agents.llm.builtin.gguf_file import GGUFFile
    from agents.llm.builtin.weights import locate_smollm2_gguf

    meta = GGUFFile(locate_smollm2_gguf()).metadata
    config = LlamaConfig(
        hidden_size=int(meta["llama.embedding_length"]),
        intermediate_size=int(meta["llama.feed_forward_length"]),
        num_hidden_layers=int(meta["llama.block_count"]),
        num_attention_heads=int(meta["llama.attention.head_count"]),
        num_key_value_heads=int(meta["llama.attention.head_count_kv"]),
        vocab_size=int(meta["llama.vocab_size"]),
    )
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)  # type: ignore[no-untyped-call]
    return tuple(check_group_size(model, group_size))


def _group_size_error(group_size: int) -> str | None:
    bad = group_size_problems(group_size)
    if not bad:
        return None
    fits = [str(g) for g in (32, 64, 128) if not group_size_problems(g)]
    return (
        f"Group size {group_size} does not fit this model: {len(bad)} layers have an input "
        f"width that is not a multiple of {group_size}, e.g. {bad[0]}. "
        f"Choose {' or '.join(fits) or 'a divisor of every layer width'}."
    )


def _text_errors(data: dict[str, Any], corpus_field: str, text_field: str) -> Errors:
    if data.get(corpus_field) == Corpus.UPLOADED and not (data.get(text_field) or "").strip():
        return {text_field: ["Upload or paste the text when the corpus is 'uploaded'."]}
    return {}


def _options_errors(options: Any) -> Errors:
    if not isinstance(options, dict):
        return {"options": ["Options must be a JSON object."]}
    unknown = sorted(set(options) - OPTION_KEYS)
    if unknown:
        return {
            "options": [
                f"Unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(OPTION_KEYS))}."
            ]
        }
    from pydantic import ValidationError

    from agents.lab.jobs import QuantSpec

    try:
        QuantSpec.model_validate(options)
    except ValidationError as exc:
        return {f"options.{'.'.join(map(str, e['loc']))}": [e["msg"]] for e in exc.errors()}
    return {}


def quantization_validate(data: dict[str, Any]) -> Errors:
    """Field-level problems of a quantization job spec (empty when it can run)."""
    errors: Errors = {}
    bits = data.get("bits")
    if bits is not None and not 2 <= int(bits) <= 8:
        errors["bits"] = [f"Bits must be between 2 and 8 (got {bits})."]
    group_size = data.get("group_size")
    if group_size is not None:
        problem = _group_size_error(int(group_size))
        if problem:
            errors["group_size"] = [problem]
    errors.update(_text_errors(data, "calib_corpus", "calib_text"))
    errors.update(_text_errors(data, "eval_corpus", "eval_text"))
    if "options" in data:
        errors.update(_options_errors(data["options"] or {}))
    return errors


def benchmark_validate(data: dict[str, Any]) -> Errors:
    if data.get("target", BenchmarkJob.Target.MODEL) == BenchmarkJob.Target.WORKFLOW:
        workflow = data.get("workflow")
        if workflow is None:
            return {"workflow": ["Choose the workflow to benchmark."]}
        if not workflow.versions.exists():
            return {"workflow": ["Save a version of this workflow before benchmarking it."]}
        return {}
    try:
        model_path(data.get("model_ref") or BASE_MODEL_REF)
    except ValueError as exc:
        return {"model_ref": [str(exc)]}
    return {}


def benchmark_requests_problems(requests: int) -> list[str]:
    ceiling = settings.AXWEB_LAB_MAX_BENCHMARK_REQUESTS
    if requests > ceiling:
        return [
            f"At most {ceiling} requests per benchmark job (AXWEB_LAB_MAX_BENCHMARK_REQUESTS); "
            f"ask for fewer or split the benchmark."
        ]
    return []


def benchmark_capacity_problems() -> Errors:
    """A new benchmark job waits for room: at most AXWEB_LAB_MAX_ACTIVE_BENCHMARKS unfinished."""
    ceiling = settings.AXWEB_LAB_MAX_ACTIVE_BENCHMARKS
    active = BenchmarkJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).count()
    if active >= ceiling:
        return {
            "non_field_errors": [
                f"{active} benchmark jobs are already queued or running; at most {ceiling} at once "
                "(AXWEB_LAB_MAX_ACTIVE_BENCHMARKS). Wait for one to finish or cancel one."
            ]
        }
    return {}


def model_path(ref: str) -> str | None:
    """None for the base model, else the packed file of a registered compressed model."""
    if ref == BASE_MODEL_REF:
        return None
    provider, _, name = ref.partition(":")
    entry = ModelEntry.objects.filter(provider=provider, name=name).first()
    path = (entry.config or {}).get("path") if entry else None
    if not path:
        raise ValueError(
            f"{ref!r} is not a model the lab can run: "
            f"use {BASE_MODEL_REF} or a compressed model from the registry."
        )
    return str(path)
