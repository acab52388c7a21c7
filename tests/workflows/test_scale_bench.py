"""`manage.py bench_scale`: the scale-out harness works end to end on a few runs (no timing)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from workflows.models import Run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def test_bench_scale_runs_a_few_runs_on_one_and_two_workers_and_counts_nothing_twice():
    out = io.StringIO()
    call_command("bench_scale", "--json", "--runs", "3", "--workers", "1,2", stdout=out)
    figures = json.loads(out.getvalue())
    assert [(p["workers"], p["runs"]) for p in figures["phases"]] == [(1, 3), (2, 3)]
    assert all(p["runs_per_s"] > 0 and p["worker_cpu_ms_per_node"] > 0 for p in figures["phases"])
    assert (figures["duplicate_node_executions"], figures["lost_runs"]) == (0, 0)
    assert figures["nodes_per_run"] == 10 and set(figures["speedup"]) == {"1", "2"}
    assert not Run.objects.exists()  # its throwaway user took its runs along


@pytest.mark.parametrize("workers", ["0,1", "one", ""])
def test_bench_scale_refuses_worker_counts_it_cannot_start(workers):
    with pytest.raises(CommandError, match="worker counts like 1,2,4"):
        call_command("bench_scale", "--workers", workers)
