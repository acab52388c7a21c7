"""HalfPrecisionIndex: float16 candidates + exact rescoring agrees with ExactIndex."""

from __future__ import annotations

import numpy as np
import pytest

from agents.knowledge.fastindex import HalfPrecisionIndex
from agents.memory.index import ExactIndex, normalize


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return normalize(np.random.default_rng(3).standard_normal((3000, 384)))


def build(vectors: np.ndarray, **options: int) -> HalfPrecisionIndex:
    index = HalfPrecisionIndex(384, **options)
    index.add(
        [str(i) for i in range(len(vectors))],
        vectors,
        [{"even": i % 2 == 0} for i in range(len(vectors))],
    )
    return index


def test_fast_path_returns_the_exact_top_k_with_exact_scores(vectors: np.ndarray) -> None:
    fast = build(vectors, fast_min_rows=1)
    exact = ExactIndex(384)
    exact.add([str(i) for i in range(len(vectors))], vectors)
    for probe in normalize(np.random.default_rng(4).standard_normal((20, 384))):
        got, want = fast.search(probe, 10), exact.search(probe, 10)
        assert [h.id for h in got] == [h.id for h in want]
        assert np.allclose([h.score for h in got], [h.score for h in want], atol=1e-6)


def test_where_filters_on_metadata(vectors: np.ndarray) -> None:
    hits = build(vectors, fast_min_rows=1).search(vectors[1], 5, where={"even": False})
    assert hits[0].id == "1" and all(int(h.id) % 2 == 1 for h in hits)


def test_removed_vectors_are_never_returned(vectors: np.ndarray) -> None:
    index = build(vectors, fast_min_rows=1)
    index.remove(["7", "unknown"])
    assert len(index) == len(vectors) - 1
    assert "7" not in {h.id for h in index.search(vectors[7], 5)}


def test_adding_an_existing_id_overwrites_it(vectors: np.ndarray) -> None:
    index = build(vectors[:10])
    index.add(["3"], vectors[20:21])
    assert len(index) == 10 and index.search(vectors[20], 1)[0].id == "3"


def test_a_query_of_the_wrong_dimension_is_refused(vectors: np.ndarray) -> None:
    with pytest.raises(ValueError, match="dimension"):
        build(vectors[:5]).search(np.ones(10), 3)


def test_a_copy_is_unaffected_by_changes_to_the_original(vectors: np.ndarray) -> None:
    index = build(vectors[:10])
    twin = index.copy()
    index.remove(["0"])
    index.add(["new"], vectors[50:51])
    assert twin.ids() == [str(i) for i in range(10)] and len(index) == 10
