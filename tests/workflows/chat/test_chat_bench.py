"""`manage.py bench_chat`: the harness runs end to end on a few turns (no timing asserted), as
`make run` starts the product (one worker process), and reports CPU per turn."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from workflows.chat.models import ChatSession
from workflows.models import Run
from workflows.runs.scale import database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def test_bench_chat_times_a_few_turns_on_one_worker_and_counts_cpu_per_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url())  # the servers it starts use this test's
    out = io.StringIO()
    call_command(
        "bench_chat",
        "--json",
        "--turns",
        "2",
        "--sessions",
        "3",
        "--builtin-turns",
        "0",
        stdout=out,
    )
    figures = json.loads(out.getvalue())
    assert figures["workers"] == 1  # the Procfile's one worker, not a bench-only cluster
    assert figures["ttft_ms_scripted"]["p50"] > 0
    assert figures["ttft_ms_concurrent"]["sessions"] == 3
    assert figures["ttft_ms_concurrent"]["max"] >= figures["ttft_ms_concurrent"]["p50"] > 0
    cpu = figures["concurrent_cpu_ms_per_turn"]
    assert set(cpu) == {"server", "worker", "client"}
    assert cpu["server"] > 0 and cpu["worker"] > 0  # both sides did the turns' work
    assert "ttft_ms_builtin_50_tokens" not in figures
    assert not Run.objects.exists() and not ChatSession.objects.exists()  # all thrown away
