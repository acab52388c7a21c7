"""The sandbox runs wherever Python lives (Debian's /usr, /usr/local, a pyenv prefix), and one
sandbox's processes together stay under its memory ceiling where cgroup v2 allows it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tools.sandbox import SandboxLimits, cgroup, run_python
from tools.sandbox import _launcher as launcher
from tools.sandbox import runner as sandbox_runner

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_PYTHON = "/usr/bin/python3"
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tools.sandbox.runner import run_python_sync
outcome = run_python_sync("import sys, json\\nresult = [sum(range(10)), sys.prefix]")
print(json.dumps({"base_prefix": sys.base_prefix, **outcome.to_dict()}))
"""


def debian_venv(folder: Path) -> Path:
    if not os.path.exists(DEBIAN_PYTHON):
        pytest.skip(f"{DEBIAN_PYTHON} is absent: no Debian python to build a venv from")
    made = subprocess.run(
        [DEBIAN_PYTHON, "-m", "venv", "--without-pip", str(folder)], capture_output=True
    )
    assert made.returncode == 0, (
        f"Debian's python3 cannot make a venv (apt-get install python3-venv): {made.stderr!r}"
    )
    return folder / "bin" / "python"


def test_a_snippet_runs_in_the_sandbox_from_a_debian_python_venv(tmp_path: Path) -> None:
    python = debian_venv(tmp_path / "venv")
    done = subprocess.run(
        [str(python), "-I", "-c", PROBE, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert outcome["base_prefix"] == "/usr"
    assert outcome["reason"] == "ok", outcome
    assert outcome["result"] == [45, "/usr"]


@pytest.mark.asyncio
async def test_a_snippet_runs_when_the_interpreter_prefix_is_usr_local(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sandbox_runner, "PYTHON_PREFIX", "/usr/local")  # inside the /usr bind
    outcome = await run_python("result = 6 * 7")
    assert outcome.reason == "ok", outcome.stderr
    assert outcome.result == 42


def test_the_new_root_binds_a_prefix_of_its_own_only_outside_the_system_directories() -> None:
    assert launcher.under_system_tops("/usr")
    assert launcher.under_system_tops("/usr/local")
    assert not launcher.under_system_tops("/root/.pyenv/versions/3.11.7")
    assert not launcher.under_system_tops("/opt/python3.12")
    assert "/usr/lib/python3/dist-packages" in launcher.third_party_dirs("/usr")


def test_a_sandbox_cgroup_gets_the_memory_and_pids_ceilings(tmp_path: Path) -> None:
    path = Path(cgroup.create(str(tmp_path), memory_mb=96, pids=9))  # a plain directory stands in
    assert path.parent == tmp_path and path.name.startswith("axweb-sandbox-")
    assert (path / "memory.max").read_text() == str(96 * 1024 * 1024)
    assert (path / "pids.max").read_text() == "9"
    assert not cgroup.usable(str(tmp_path))  # no cgroup.subtree_control: not a cgroup v2 directory
    shutil.rmtree(path)


FORK_FOUR = """
import os, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = bytearray(60 * 1024 * 1024)  # 60 MB each: under the per-process limit
        time.sleep(1.5)
        os._exit(0)
    children.append(pid)
result = [os.waitpid(pid, 0)[1] for pid in children]
"""


@pytest.mark.asyncio
async def test_four_children_together_past_the_memory_ceiling_are_killed() -> None:
    if cgroup.parent_cgroup() is None:
        pytest.skip(
            "no writable cgroup v2 with memory and pids delegated (set AXWEB_SANDBOX_CGROUP); "
            "the sandbox falls back to per-process RLIMIT_AS here"
        )
    outcome = await run_python(FORK_FOUR, limits=SandboxLimits(memory_mb=128, wall_s=20))
    assert outcome.detail["memory_ceiling"] == "cgroup"
    assert outcome.reason == "memory_limit", outcome
    assert outcome.detail["oom_kills"] >= 1
