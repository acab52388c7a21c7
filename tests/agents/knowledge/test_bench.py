"""The knowledge bench's own arithmetic: the ground truth it measures recall against."""

from __future__ import annotations

import numpy as np

from agents.knowledge.bench import clustered_blocks, clustered_vectors, exact_top10


def test_the_exact_top_ten_over_blocks_is_the_top_ten_of_all_scores() -> None:
    vectors = np.concatenate(list(clustered_blocks(2500, seed=3, centres=20, block=600)))
    probes = clustered_vectors(7, seed=4, centres=20)
    blocked = exact_top10(iter(np.array_split(vectors, 5)), probes)
    for probe, rows in zip(probes, blocked, strict=True):
        assert set(rows.tolist()) == set(np.argsort(-(vectors @ probe))[:10].tolist())


def test_clustered_blocks_give_the_same_rows_on_every_pass() -> None:
    first = np.concatenate(list(clustered_blocks(1200, seed=9, block=500)))
    again = np.concatenate(list(clustered_blocks(1200, seed=9, block=500)))
    assert first.shape == (1200, 384)
    assert np.array_equal(first, again)
