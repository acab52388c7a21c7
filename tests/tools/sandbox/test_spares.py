"""Sandboxes made ahead of their call (tools/sandbox/spares.py): each serves one call, then is
gone; a spare nobody uses exits without running anything."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.tools.sandbox.test_zygote import alive
from tools.sandbox import SandboxLimits, run_python
from tools.sandbox import runner as sandbox_runner
from tools.sandbox.spares import Launched


def gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


@pytest.mark.asyncio
async def test_every_call_gets_a_sandbox_of_its_own_that_is_gone_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used: list[int] = []
    supervise = sandbox_runner._supervise

    async def recording(launched: Launched, call: bytes, limits: SandboxLimits) -> Any:
        used.append(launched.pid)
        return await supervise(launched, call, limits)

    monkeypatch.setattr(sandbox_runner, "_supervise", recording)
    for n in range(4):
        await asyncio.sleep(0.2)  # time for the spare to be made: the next call takes it
        outcome = await run_python(f"import os\nresult = {n}")
        assert (outcome.reason, outcome.result) == ("ok", n)
    assert len(set(used)) == 4  # never the same launcher (and so init, snippet) twice
    assert all(gone(pid) for pid in used)


@pytest.mark.asyncio
async def test_a_spare_is_made_for_the_limits_of_the_last_call() -> None:
    limits = SandboxLimits(wall_s=4, cpu_s=2)
    await run_python("result = 1", limits=limits)
    kind = (limits, sandbox_runner.PYTHON_PREFIX)
    spare = await asyncio.wrap_future(sandbox_runner.SPARES.take(kind))
    assert alive(spare.pid)  # built and waiting for a call
    sandbox_runner._discard(spare)
    assert gone(spare.pid)


@pytest.mark.asyncio
async def test_a_discarded_spare_runs_nothing_and_exits() -> None:
    limits = SandboxLimits(wall_s=5, cpu_s=3)
    kind = (limits, sandbox_runner.PYTHON_PREFIX)
    spare = await asyncio.wrap_future(sandbox_runner.SPARES.take(kind))
    sandbox_runner._discard(spare)  # its end of stdin closes before any call was written
    assert gone(spare.pid)


@pytest.mark.asyncio
async def test_state_left_in_a_sandbox_does_not_reach_the_spare_made_after_it() -> None:
    leave = "import os\nopen('/tmp/left', 'w').write('secret')\nresult = os.listdir('/tmp')"
    first = await run_python(leave)
    await asyncio.sleep(0.2)
    second = await run_python("import os\nresult = os.listdir('/tmp')")
    assert "left" in first.result and second.result == []
