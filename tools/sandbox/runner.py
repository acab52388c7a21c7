"""Run untrusted Python in a throw-away sandbox process (see docs/tools.md, "Sandbox").

``run_python`` takes a ``_launcher.py`` forked from the zygote (under the base interpreter,
with an empty environment, no inherited descriptors except one status pipe), usually one
built ahead of the call (``spares.py``), and hands it the code. The launcher puts
the snippet in fresh network/mount/pid/ipc/uts namespaces, behind a minimal read-only
root, under a random unprivileged uid with rlimits. This module enforces the output
cap and a wall-clock backstop; the caller's process survives whatever the snippet does.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from tools.sandbox import cgroup
from tools.sandbox.spares import Launched, Spares, at_exit
from tools.sandbox.zygote import Zygote

ExitReason = Literal[
    "ok", "error", "timeout", "cpu_limit", "memory_limit", "output_limit", "killed"
]
LAUNCHER = Path(__file__).with_name("_launcher.py")
UID_BASE = 1_000_000  # sandbox uids are random in [UID_BASE, UID_BASE + UID_SPAN)
UID_SPAN = 1_000_000
READ_CHUNK = 65536
PYTHON_PREFIX = sys.base_prefix  # bound read-only into the sandbox at the same path


class SandboxUnavailable(RuntimeError):
    """The isolation could not be set up; nothing was executed (fail closed)."""


@dataclass(frozen=True)
class SandboxLimits:
    """Per-call limits. `memory_mb` caps each process (RLIMIT_AS) and, where cgroup v2 allows, all
    of the call's processes together (see cgroup.py); nproc counts the snippet's uid."""

    wall_s: float = 10.0
    cpu_s: int = 5
    memory_mb: int = 256
    nproc: int = 8
    fsize_mb: int = 8
    tmpfs_mb: int = 16
    output_bytes: int = 64 * 1024
    result_bytes: int = 1024 * 1024


@dataclass
class SandboxResult:
    """What a sandboxed call produced; ``reason`` says why it stopped."""

    reason: ExitReason
    stdout: str = ""
    stderr: str = ""
    result: Any = None
    exit_code: int | None = None
    duration_ms: float = 0.0
    truncated: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reason == "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def base_python() -> str:
    """The interpreter outside any virtualenv; its stdlib is all the snippet can import."""
    candidate = Path(PYTHON_PREFIX) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return str(candidate if candidate.exists() else Path(sys.executable).resolve())


class _Capped:
    """Collects at most ``limit`` bytes from a stream; reports when the limit is passed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.overflow = False

    async def drain(self, stream: asyncio.StreamReader, on_overflow: Any) -> None:
        while chunk := await stream.read(READ_CHUNK):
            room = self.limit - len(self.data)
            self.data += chunk[: max(room, 0)]
            if len(chunk) > room:
                self.overflow = True
                on_overflow()
                return

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


async def run_python(
    code: str, inputs: Any = None, limits: SandboxLimits | None = None
) -> SandboxResult:
    """Run ``code`` in the sandbox. The snippet sees ``inputs`` and sets ``result = ...``
    (or calls ``set_result(value)``); the value comes back JSON-decoded in ``result``.

    Raises SandboxUnavailable when isolation cannot be created; never raises for
    anything the snippet does. The sandbox is a spare made ahead for these limits when
    there is one (``spares.py``): used by this call only, then gone.
    """
    limits = limits or SandboxLimits()
    started = time.perf_counter()
    kind = (limits, PYTHON_PREFIX)  # a spare fits a call with the same limits and Python
    future = SPARES.take(kind)
    try:
        launched = await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        SPARES.drop(future)
        raise
    try:
        call = json.dumps({"code": code, "inputs": inputs}).encode()
        outcome = await _supervise(launched, call, limits)
    finally:
        if launched.group:
            await asyncio.to_thread(cgroup.remove, launched.group)
        SPARES.refill(kind)
    outcome.duration_ms = round((time.perf_counter() - started) * 1000, 2)
    outcome.detail["memory_ceiling"] = "cgroup" if launched.group else "rlimit"
    return outcome


def _group_for(limits: SandboxLimits) -> str | None:
    """A cgroup holding every process of this call to `memory_mb` together, when cgroup v2
    allows."""
    parent = cgroup.parent_cgroup()
    if parent is None:
        return None
    try:
        return cgroup.create(parent, limits.memory_mb, limits.nproc + 1)
    except OSError as exc:
        raise SandboxUnavailable(
            f"could not create the sandbox cgroup under {parent}: {exc}"
        ) from exc


_ZYGOTES: dict[str, Zygote] = {}


def zygote() -> Zygote:
    """This process's zygote for the current base interpreter (started on first use)."""
    python = base_python()
    if python not in _ZYGOTES:
        _ZYGOTES.setdefault(python, Zygote(python))  # setdefault: two first callers keep one
    return _ZYGOTES[python]


def _start(kind: tuple[SandboxLimits, str]) -> Launched:
    """A launcher forked from the zygote with its setup written: it builds the sandbox and
    waits for the call (the spares' thread runs this)."""
    limits, prefix = kind
    group = _group_for(limits)
    setup = {
        "uid": UID_BASE + secrets.randbelow(UID_SPAN),
        "prefix": prefix,
        "limits": asdict(limits),
        "cgroup": group,
    }
    (in_r, in_w), (out_r, out_w), (err_r, err_w), (st_r, st_w) = (os.pipe() for _ in range(4))
    try:
        pid = zygote().fork_launcher((in_r, out_w, err_w, st_w))
    except OSError as exc:
        for fd in (in_w, out_r, err_r, st_r):
            os.close(fd)
        if group:
            cgroup.remove(group)
        raise SandboxUnavailable(f"could not start a sandbox launcher: {exc}") from exc
    finally:
        for fd in (in_r, out_w, err_w, st_w):
            os.close(fd)
    launched = Launched(pid, in_w, out_r, err_r, st_r, group)
    try:
        os.write(in_w, json.dumps(setup).encode() + b"\n")  # far below a pipe's buffer
    except OSError:
        pass  # the launcher died already: the call reports it as SandboxUnavailable
    return launched


def _discard(launched: Launched) -> None:
    launched.close()
    if launched.group and launched.owner == os.getpid():
        cgroup.remove(launched.group)


SPARES = Spares(_start, _discard)
at_exit(SPARES)


async def _supervise(launched: Launched, call: bytes, limits: SandboxLimits) -> SandboxResult:
    """Feeds the call to the launcher and collects its pipes until every process of the
    sandbox has closed them (they all hold them until they exit)."""
    out, err = _Capped(limits.output_bytes), _Capped(limits.output_bytes)
    status = _Capped(2 * limits.result_bytes + 65536)  # never reached: init caps the result
    kill = _group_killer(launched.pid)
    readers = []
    try:
        for fd in (launched.stdout, launched.stderr, launched.status):
            readers.append(await _pipe_reader(fd))
    except BaseException:
        kill()
        launched.close()
        raise
    timed_out = False
    try:
        work = asyncio.gather(
            asyncio.to_thread(_send_job, launched.stdin, call),
            out.drain(readers[0][0], kill),
            err.drain(readers[1][0], kill),
            status.drain(readers[2][0], kill),
        )
        await asyncio.wait_for(work, timeout=limits.wall_s + 2.0)
    except TimeoutError:  # backstop: the in-sandbox init enforces wall_s itself
        timed_out = True
        kill()
    except BaseException:  # cancelled by the caller: nothing may outlive the call
        kill()
        raise
    finally:
        for _, transport in readers:
            transport.close()
    return _outcome(out, err, status, timed_out)


def _send_job(fd: int, job: bytes) -> None:
    try:
        view = memoryview(job)
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        pass  # the launcher died early (EPIPE); _outcome reports it as SandboxUnavailable
    finally:
        os.close(fd)


def _group_killer(pgid: int) -> Any:
    def kill() -> None:
        # The launcher leads its own session; its death takes the pid namespace with it
        # (init has PDEATHSIG=SIGKILL, and init's death kills every process inside).
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    return kill


async def _pipe_reader(fd: int) -> tuple[asyncio.StreamReader, asyncio.BaseTransport]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**20)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", buffering=0)
    )
    return reader, transport


def _outcome(out: _Capped, err: _Capped, status: _Capped, timed_out: bool) -> SandboxResult:
    report = _parse_status(bytes(status.data))
    if report.get("reason") == "sandbox_unavailable":
        raise SandboxUnavailable(report.get("detail", "sandbox could not be created"))
    if not report and not (timed_out or out.overflow or err.overflow):
        raise SandboxUnavailable(f"sandbox launcher gave no status: {err.text()[-500:]}")
    reason = report.get("reason", "killed")
    if out.overflow or err.overflow:
        reason = "output_limit"
    elif timed_out:
        reason = "timeout"
    stderr = err.text()
    if report.get("result_error"):
        stderr += f"\n[sandbox] {report['result_error']}"
    return SandboxResult(
        reason=reason,
        stdout=out.text(),
        stderr=stderr,
        result=report.get("result"),
        exit_code=report.get("exit_code"),
        truncated=out.overflow or err.overflow,
        detail={k: report.get(k) for k in ("signal", "cpu_s", "max_rss_kb", "oom_kills")},
    )


def _parse_status(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def run_python_sync(
    code: str, inputs: Any = None, limits: SandboxLimits | None = None
) -> SandboxResult:
    """Blocking wrapper for callers without an event loop (Celery tasks, benchmarks)."""
    return asyncio.run(run_python(code, inputs, limits))
