"""End to end on the real SmolLM2, restricted to a few decoder blocks to stay quick."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from agents.lab import corpora
from agents.lab.evaluate import token_ids
from agents.lab.jobs import Cancelled, QuantSpec, calibration, run_model_benchmark, run_quantization
from agents.lab.quant.packing import load_quantized_model
from agents.lab.quant.rtn import GroupSizeError

SMALL = {
    "blocks": [0, 1],
    "calib_samples": 2,
    "calib_seq_len": 32,
    "eval_tokens": 64,
    "eval_window": 32,
    "eval_stride": 32,
    "decode_tokens": 2,
    "alpha_grid": 4,
}


@pytest.fixture(scope="module")
def awq_run(tmp_path_factory: pytest.TempPathFactory, smollm2: Any) -> tuple[dict, list, Path]:
    path = tmp_path_factory.mktemp("lab") / "awq.safetensors"
    events: list[dict[str, Any]] = []
    spec = {**SMALL, "method": "awq", "bits": 4, "group_size": 64, "output_path": str(path)}
    result = run_quantization(spec, events.append, lambda: False)
    return result, events, path


def test_quantization_reports_progress_per_layer_with_eta(awq_run) -> None:  # type: ignore[no-untyped-def]
    _result, events, _path = awq_run
    layers = [e for e in events if e["stage"] == "quantize"]
    assert [(e["layer"], e["total"]) for e in layers] == [(1, 2), (2, 2)]
    assert layers[0]["eta_s"] is not None and layers[-1]["eta_s"] == 0
    assert all("log" in e and "elapsed_s" in e for e in events)
    assert events[-1]["stage"] == "done"


def test_quantization_result_has_the_figures(awq_run) -> None:  # type: ignore[no-untyped-def]
    result, _events, path = awq_run
    assert result["layers_quantized"] == 14 and result["path"] == str(path)
    assert result["bits_per_weight"] == pytest.approx(4.5)  # 4 + (16 + 16) / 64
    assert result["quantized"]["tokens"] == 64 and result["quantized"]["window"] == 32
    assert result["ppl_quantized"] > 1 and result["size_mb"] > 0 and result["peak_rss_mb"] > 0
    assert result["calibration"]["corpus"] == "pydoc_topics"
    assert result["calibration"]["token_range"][0] == 64  # held out: after the 64 eval tokens


def test_reloaded_compressed_model_generates_text(awq_run, smollm2) -> None:  # type: ignore[no-untyped-def]
    tok, model = load_quantized_model(awq_run[2])
    base = smollm2.model
    q = model.model.layers[0].self_attn.q_proj.weight
    assert not torch.equal(q, base.model.layers[0].self_attn.q_proj.weight)
    far = model.model.layers[5].mlp.up_proj.weight
    assert torch.equal(far, base.model.layers[5].mlp.up_proj.weight.half().float())
    ids = tok("The capital of France is", return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=4, min_new_tokens=4, do_sample=False)
    text = tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
    assert out.shape[1] == ids["input_ids"].shape[1] + 4 and text.strip()


def test_benchmark_reports_latency_percentiles(awq_run) -> None:  # type: ignore[no-untyped-def]
    events: list[dict[str, Any]] = []
    spec = {"model_path": str(awq_run[2]), "n_requests": 2, "max_new_tokens": 2}
    result = run_model_benchmark(spec, events.append, lambda: False)
    assert len(result["latencies_s"]) == 2
    assert result["latency_p50_s"] <= result["latency_p95_s"]
    assert result["tokens_per_s"] > 0 and result["engine"] == "builtin runtime"
    assert 1 <= result["output_tokens"] <= 4  # served as agents are: may stop at end of turn
    assert [e["layer"] for e in events if e["stage"] == "benchmark"] == [1, 2]


def test_cancel_stops_between_layers(smollm2, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    events: list[dict[str, Any]] = []
    spec = {**SMALL, "method": "rtn", "blocks": [0, 1, 2], "output_path": str(tmp_path / "x")}
    cancelled = lambda: any(e["stage"] == "quantize" for e in events)  # noqa: E731
    with pytest.raises(Cancelled):
        run_quantization(spec, events.append, cancelled)
    assert [e["layer"] for e in events if e["stage"] == "quantize"] == [1]
    assert not (tmp_path / "x").exists()


def test_a_group_size_that_does_not_divide_576_is_refused(smollm2) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GroupSizeError, match="576"):
        run_quantization({**SMALL, "group_size": 128}, lambda e: None, lambda: False)


def test_calibration_on_the_eval_corpus_starts_after_the_evaluated_tokens(smollm2) -> None:  # type: ignore[no-untyped-def]
    spec = QuantSpec(
        **{
            **SMALL,
            "calib_corpus": "pydoc_topics",
            "eval_corpus": "pydoc_topics",
            "eval_tokens": 20480,
        }
    )
    batch, info = calibration(spec, smollm2.tokenizer)
    eval_ids = token_ids(smollm2.tokenizer, corpora.pydoc_topics_text())
    first, end = info["token_range"]
    assert first == 20480 and end <= info["corpus_tokens"]
    assert torch.equal(batch[0], eval_ids[20480 : 20480 + 32])


def test_a_calibration_start_inside_the_evaluated_tokens_is_refused(smollm2) -> None:  # type: ignore[no-untyped-def]
    spec = {**SMALL, "method": "awq", "calib_corpus": "pydoc_topics", "calib_start": 10}
    with pytest.raises(
        ValueError, match=r"calib_start 10 overlaps the evaluation tokens \[0, 64\)"
    ):
        run_quantization(spec, lambda e: None, lambda: False)


def test_license_texts_remain_a_calibration_option_from_their_first_token(smollm2) -> None:  # type: ignore[no-untyped-def]
    batch, info = calibration(QuantSpec(**{**SMALL, "calib_corpus": "licenses"}), smollm2.tokenizer)
    assert info["corpus"] == "licenses" and info["token_range"][0] == 0
    assert batch.shape == (2, 32)


def test_awq_jobs_store_fp16_zero_points_and_rtn_jobs_integer_ones(awq_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safetensors import safe_open

    def zeros(path: Path | str) -> torch.Tensor:
        with safe_open(str(path), framework="pt") as f:
            return f.get_tensor("model.layers.0.mlp.down_proj.weight.zeros").float()

    _result, _events, awq_path = awq_run
    rtn_path = tmp_path / "rtn.safetensors"
    spec = {**SMALL, "method": "rtn", "output_path": str(rtn_path), "evaluate": False}
    run_quantization(spec, lambda e: None, lambda: False)
    assert not torch.equal(zeros(awq_path), zeros(awq_path).round())
    assert torch.equal(zeros(rtn_path), zeros(rtn_path).round())
