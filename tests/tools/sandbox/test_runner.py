"""The sandbox's normal behaviour: results, inputs, output, errors, limits."""

from __future__ import annotations

import asyncio

import pytest

from tools.sandbox import SandboxLimits, SandboxUnavailable, run_python
from tools.sandbox import runner as sandbox_runner


@pytest.mark.asyncio
async def test_result_variable_comes_back_as_json() -> None:
    outcome = await run_python("result = {'sum': sum(inputs), 'items': inputs}", [1, 2, 3])
    assert outcome.reason == "ok"
    assert outcome.result == {"sum": 6, "items": [1, 2, 3]}
    assert outcome.exit_code == 0


@pytest.mark.asyncio
async def test_set_result_helper_wins_over_nothing() -> None:
    outcome = await run_python("set_result([x * 2 for x in range(3)])")
    assert outcome.result == [0, 2, 4]


@pytest.mark.asyncio
async def test_stdout_and_stderr_are_captured_separately() -> None:
    outcome = await run_python("import sys\nprint('out')\nprint('err', file=sys.stderr)")
    assert outcome.stdout == "out\n"
    assert outcome.stderr == "err\n"


@pytest.mark.asyncio
async def test_exception_gives_error_reason_and_a_traceback_with_source() -> None:
    outcome = await run_python("x = 1\nraise ValueError('bad value')")
    assert outcome.reason == "error"
    assert "ValueError: bad value" in outcome.stderr
    assert "raise ValueError('bad value')" in outcome.stderr
    assert "_launcher" not in outcome.stderr


@pytest.mark.asyncio
async def test_syntax_error_is_an_error_not_a_crash() -> None:
    outcome = await run_python("def broken(:\n  pass")
    assert outcome.reason == "error"
    assert "SyntaxError" in outcome.stderr


@pytest.mark.asyncio
async def test_unserialisable_result_falls_back_to_repr() -> None:
    outcome = await run_python("result = {1, 2}")
    assert outcome.reason == "ok"
    assert outcome.result == "{1, 2}"


@pytest.mark.asyncio
async def test_result_larger_than_the_limit_is_dropped_with_a_note() -> None:
    limits = SandboxLimits(result_bytes=1000)
    outcome = await run_python("result = 'x' * 5000", limits=limits)
    assert outcome.result is None
    assert "larger than 1000 bytes" in outcome.stderr


@pytest.mark.asyncio
async def test_sys_exit_code_is_reported() -> None:
    ok = await run_python("import sys; sys.exit(0)")
    failed = await run_python("import sys; sys.exit(4)")
    assert (ok.reason, failed.reason, failed.exit_code) == ("ok", "error", 4)


@pytest.mark.asyncio
async def test_standard_library_works_and_third_party_packages_are_absent() -> None:
    code = (
        "import json, math, re, statistics, datetime, collections\n"
        "try:\n    import numpy\n    np = 'present'\nexcept ImportError:\n    np = 'absent'\n"
        "result = [statistics.mean([1, 2, 3]), np]"
    )
    outcome = await run_python(code)
    assert outcome.result == [2, "absent"]


@pytest.mark.asyncio
async def test_temporary_directory_is_writable_and_empty_each_time() -> None:
    first = await run_python(
        "import os\nopen('note.txt', 'w').write('hi')\nresult = sorted(os.listdir('.'))"
    )
    second = await run_python("import os\nresult = [os.getcwd(), os.listdir('.')]")
    assert "note.txt" in first.result
    assert second.result == ["/tmp", []]


@pytest.mark.asyncio
async def test_concurrent_calls_are_isolated_from_each_other() -> None:
    calls = [run_python("import os\nresult = [inputs, os.getuid()]", n) for n in range(4)]
    outcomes = await asyncio.gather(*calls)
    assert [o.result[0] for o in outcomes] == [0, 1, 2, 3]
    assert all(o.reason == "ok" for o in outcomes)


@pytest.mark.asyncio
async def test_setup_failure_fails_closed_without_running_the_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sandbox_runner, "PYTHON_PREFIX", "/nonexistent/python-prefix")
    with pytest.raises(SandboxUnavailable):
        await run_python("print('ran')")


def test_limits_default_to_safe_values() -> None:
    limits = SandboxLimits()
    assert limits.memory_mb <= 512 and limits.nproc <= 16 and limits.output_bytes <= 1 << 20


@pytest.mark.asyncio
async def test_cancelling_the_call_kills_the_sandbox() -> None:
    from tests.tools.sandbox.test_escapes import sandbox_processes

    task = asyncio.create_task(run_python("import time\ntime.sleep(60)"))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):  # SIGKILL is asynchronous: give the kernel a moment to reap
        if not sandbox_processes():
            break
        await asyncio.sleep(0.05)
    assert sandbox_processes() == []


@pytest.mark.asyncio
async def test_a_snippet_killed_by_a_signal_reports_killed() -> None:
    outcome = await run_python("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    assert outcome.reason == "killed"
    assert outcome.detail["signal"] == 9


@pytest.mark.asyncio
async def test_ignoring_sigxcpu_still_ends_at_the_hard_cpu_limit() -> None:
    code = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass"
    outcome = await run_python(code, limits=SandboxLimits(cpu_s=1, wall_s=60))
    assert outcome.reason == "cpu_limit"
    assert outcome.detail["cpu_s"] >= 1.0


@pytest.mark.asyncio
async def test_non_ascii_result_near_the_limit_comes_back() -> None:
    limits = SandboxLimits(result_bytes=200_000)
    outcome = await run_python("result = '日本語' * 10_000", limits=limits)  # 180 kB escaped
    assert outcome.reason == "ok"
    assert outcome.result == "日本語" * 10_000
