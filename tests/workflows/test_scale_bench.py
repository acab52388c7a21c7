"""`manage.py bench_scale`: the scale-out harness works end to end on a few runs (no timing)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from workflows.models import Run
from workflows.runs import services
from workflows.runs.scale import chain_flow, release_runs, round_order, split

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def test_bench_scale_runs_a_few_runs_on_one_and_two_workers_and_counts_nothing_twice():
    out = io.StringIO()
    call_command("bench_scale", "--json", "--runs", "3", "--workers", "1,2", stdout=out)
    figures = json.loads(out.getvalue())
    assert [(p["workers"], p["runs"]) for p in figures["phases"]] == [(1, 3), (2, 3)]
    assert all(p["runs_per_s"] > 0 and p["worker_cpu_ms_per_node"] > 0 for p in figures["phases"])
    assert (figures["duplicate_node_executions"], figures["lost_runs"]) == (0, 0)
    assert figures["nodes_per_run"] == 10 and set(figures["speedup"]) == {"1", "2"}
    assert figures["rounds"] == 2 and all(len(p["load_1m"]) == 2 for p in figures["phases"])
    assert not Run.objects.exists()  # its throwaway user took its runs along


@pytest.mark.parametrize("workers", ["0,1", "one", ""])
def test_bench_scale_refuses_worker_counts_it_cannot_start(workers):
    with pytest.raises(CommandError, match="worker counts like 1,2,4"):
        call_command("bench_scale", "--workers", workers)


def test_rounds_go_forward_then_back_so_a_drifting_load_weighs_on_every_worker_count_alike():
    assert round_order((1, 2, 4), 2) == [1, 2, 4, 4, 2, 1]
    assert round_order((1, 2, 4), 1) == [1, 2, 4]
    assert split(500, 2) == [250, 250] and split(3, 2) == [2, 1] and split(5, 1) == [5]


def test_released_runs_reach_the_queue_together_once_all_of_them_exist(monkeypatch):
    from django.contrib.auth import get_user_model

    from workflows.services import workflow_create

    owner = get_user_model().objects.create_user("release")
    workflow = workflow_create(owner=owner, name="scale", graph=chain_flow())
    seen: list[int] = []
    monkeypatch.setattr(services, "enqueue", lambda run_id: seen.append(Run.objects.count()))
    run_ids, released = release_runs(owner, workflow, 3)
    assert seen == [3, 3, 3]  # the first message left after the last run was created
    assert len(run_ids) == 3 and all(r.created_at <= released for r in Run.objects.all())


def test_bench_scale_refuses_zero_rounds():
    with pytest.raises(CommandError, match="--rounds"):
        call_command("bench_scale", "--rounds", "0")
