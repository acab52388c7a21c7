"""The benchmark command runs and reports every figure (no speed asserts)."""

from __future__ import annotations

import pytest

from workflows.engine import bench
from workflows.engine.validation import validate

pytestmark = pytest.mark.asyncio


async def test_benchmark_graphs_are_valid():
    assert validate(bench.chain_graph(1000), bench.REGISTRY) == []
    assert validate(bench.fanout_graph(100), bench.REGISTRY) == []
    assert validate(bench.fanout_graph(3, "llm", model="m"), bench.REGISTRY) == []


async def test_benchmark_reports_every_figure():
    figures = await bench.measure(repeats=1)
    for key in (
        "dispatch_ms_per_node",
        "dispatch_cpu_ms_per_node",
        "validate_ms_per_node",
        "fanout100_wall_ms",
        "chain1000_ms_per_node",
        "fanout100_noop_ms_per_node",
    ):
        assert isinstance(figures[key], float) and figures[key] > 0, key
