from __future__ import annotations

import numpy as np
import pytest

from agents.memory.index import ExactIndex, normalize, top_k


def unit(*values: float) -> np.ndarray:
    return normalize(np.array(values, dtype=np.float32))


def test_search_returns_best_first_with_cosine_scores() -> None:
    index = ExactIndex(3)
    index.add(
        ["x", "y", "z"],
        np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(1, 1, 0)]),
        [{"kind": "a"}, {"kind": "b"}, {"kind": "a"}],
    )
    hits = index.search(unit(1, 0.1, 0), 2)
    assert [h.id for h in hits] == ["x", "z"]
    assert hits[0].score == pytest.approx(float(unit(1, 0.1, 0) @ unit(1, 0, 0)))
    assert [h.id for h in index.search(unit(0, 1, 0), 5, where={"kind": "a"})] == ["z", "x"]


def test_add_overwrites_and_remove_forgets() -> None:
    index = ExactIndex(2)
    index.add(["a", "b"], np.stack([unit(1, 0), unit(0, 1)]))
    index.add(["a"], unit(0, 1)[None, :], [{"v": 2}])
    assert len(index) == 2
    assert {h.id for h in index.search(unit(0, 1), 2)} == {"a", "b"}
    index.remove(["b", "unknown"])
    assert [h.id for h in index.search(unit(0, 1), 5)] == ["a"]


def test_dimension_is_checked() -> None:
    index = ExactIndex(4)
    with pytest.raises(ValueError, match="dimension 4"):
        index.add(["a"], np.ones((1, 3)))
    with pytest.raises(ValueError):
        index.search(np.ones(3))


def test_exact_search_matches_a_full_sort() -> None:
    rng = np.random.default_rng(1)
    vectors = normalize(rng.standard_normal((2000, 16)))
    index = ExactIndex(16)
    index.add([str(i) for i in range(2000)], vectors)
    probe = normalize(rng.standard_normal(16))
    truth = [str(i) for i in np.argsort(-(vectors @ probe))[:10]]
    assert [h.id for h in index.search(probe, 10)] == truth


def test_top_k_edges() -> None:
    assert top_k(np.array([0.2, 0.9, 0.5]), 2).tolist() == [1, 2]
    assert top_k(np.array([0.2]), 5).tolist() == [0]
    assert top_k(np.array([]), 3).tolist() == []
