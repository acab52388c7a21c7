"""The sandbox zygote: started once, forks a fresh launcher per call, never reuses a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.sandbox import run_python
from tools.sandbox import runner as sandbox_runner

ROOT = Path(__file__).resolve().parents[3]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.asyncio
async def test_a_call_never_sees_what_an_earlier_call_left_in_its_interpreter() -> None:
    first = await run_python("import json\njson.left_behind = 'secret'\nresult = 1")
    second = await run_python("import json\nresult = getattr(json, 'left_behind', None)")
    assert (first.result, second.result) == (1, None)


@pytest.mark.asyncio
async def test_calls_share_one_zygote_and_each_gets_a_new_launcher() -> None:
    await run_python("result = 1")
    zygote = sandbox_runner.zygote().pid()
    outcomes = [await run_python("import os\nresult = os.getppid()") for _ in range(3)]
    assert all(o.ok for o in outcomes)
    assert sandbox_runner.zygote().pid() == zygote
    assert zygote is not None and alive(zygote)


@pytest.mark.asyncio
async def test_a_killed_zygote_is_replaced_on_the_next_call() -> None:
    await run_python("result = 1")
    before = sandbox_runner.zygote().pid()
    assert before is not None
    os.kill(before, signal.SIGKILL)
    outcome = await run_python("result = 2")  # may run in a spare forked before the kill
    assert (outcome.reason, outcome.result) == ("ok", 2)
    outcome = await run_python("result = 3")  # in the sandbox the next zygote made
    assert (outcome.reason, outcome.result) == ("ok", 3)
    after = sandbox_runner.zygote().pid()
    assert after is not None and after != before


PROBE = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from tools.sandbox.runner import run_python_sync, zygote
ok = run_python_sync("result = 1").ok
parent = zygote().pid()
child = os.fork()
if child == 0:  # a forked worker (a Celery prefork child) must not share its parent's zygote
    outcome = run_python_sync("result = 2")
    print(json.dumps({"child_ok": outcome.ok, "child_zygote": zygote().pid()}), flush=True)
    os._exit(0)
os.waitpid(child, 0)
print(json.dumps({"ok": ok, "zygote": parent}), flush=True)
"""


def test_a_forked_worker_starts_its_own_zygote_and_each_dies_with_its_worker() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    child, parent = (json.loads(line) for line in done.stdout.splitlines())
    assert child["child_ok"] and parent["ok"]
    assert child["child_zygote"] != parent["zygote"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (alive(parent["zygote"]) or alive(child["child_zygote"])):
        time.sleep(0.05)
    assert not alive(parent["zygote"]) and not alive(child["child_zygote"])
