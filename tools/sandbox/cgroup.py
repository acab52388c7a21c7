"""One cgroup v2 per sandbox call: a memory and pids ceiling for all its processes together.

The caller creates `<parent>/axweb-sandbox-<random>` with `memory.max` (= the call's
`memory_mb`), `memory.swap.max` 0 and `pids.max`; the sandbox's snippet process moves itself
in before it drops root, so everything it forks is counted together, and an allocation past
the ceiling is OOM-killed (`memory.events` → `oom_kill`, reported as `memory_limit`).

`parent` is `AXWEB_SANDBOX_CGROUP` (a cgroup v2 directory) or, when unset, this process's own
cgroup; it is used only if `memory` and `pids` are enabled in its `cgroup.subtree_control` and
it is writable. Otherwise there is no group ceiling and only the per-process `RLIMIT_AS`
applies (docs/tools.md, "Sandbox"). Standard library only, like the rest of the sandbox.
"""

from __future__ import annotations

import errno
import functools
import os
import secrets
import time

NEEDED = {"memory", "pids"}


def _v2_mount() -> str | None:
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            if right.split(" ", 1)[0] == "cgroup2":
                return left.split(" ")[4]
    return None


def _own_cgroup() -> str | None:
    with open("/proc/self/cgroup") as fh:
        for line in fh:
            if line.startswith("0::"):
                return line[3:].strip()
    return None


def usable(parent: str) -> bool:
    """A cgroup v2 directory we may create children in, with memory and pids delegated to them."""
    try:
        with open(os.path.join(parent, "cgroup.subtree_control")) as fh:
            enabled = set(fh.read().split())
    except OSError:
        return False
    return enabled >= NEEDED and os.access(parent, os.W_OK)


@functools.lru_cache(maxsize=1)
def parent_cgroup() -> str | None:
    """Where sandbox cgroups go, or None when there is no usable cgroup v2 (rlimits only)."""
    # Read here, not through axweb/env.py: the sandbox package must import without the app
    # (the sandbox tests load it under a bare Debian python).
    configured = os.environ.get("AXWEB_SANDBOX_CGROUP", "").strip()
    if configured:
        return configured if usable(configured) else None
    try:
        mount, own = _v2_mount(), _own_cgroup()
    except OSError:
        return None
    if mount is None or own is None:
        return None
    candidate = os.path.normpath(os.path.join(mount, own.lstrip("/")))
    return candidate if usable(candidate) else None


def create(parent: str, memory_mb: int, pids: int) -> str:
    """A fresh child cgroup of `parent` with the ceilings written; its path."""
    path = os.path.join(parent, f"axweb-sandbox-{secrets.token_hex(6)}")
    os.mkdir(path, 0o755)
    try:
        _write(path, "memory.max", str(memory_mb * 1024 * 1024))
        _write(path, "pids.max", str(pids))
        if os.path.exists(os.path.join(path, "memory.swap.max")):
            _write(path, "memory.swap.max", "0")
    except OSError:
        remove(path, wait_s=0)
        raise
    return path


def _write(path: str, name: str, value: str) -> None:
    with open(os.path.join(path, name), "w") as fh:
        fh.write(value)


def remove(path: str, wait_s: float = 2.0) -> bool:
    """Kill whatever is left in the cgroup and remove it; False if it could not be removed."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return True
        except OSError as exc:
            if exc.errno != errno.EBUSY or time.monotonic() >= deadline:
                return False
        try:
            _write(
                path, "cgroup.kill", "1"
            )  # Linux ≥ 5.14; older kernels: the pid namespace did it
        except OSError:
            pass
        time.sleep(0.01)
