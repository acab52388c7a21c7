"""Sandbox zygote: a launcher started ahead of time that forks one fresh launcher per call.

Started once per worker process by ``tools.sandbox.zygote`` as
``<base python> -I -S _zygote.py <control_fd>``: the interpreter's start-up, the launcher's
imports and its compiled seccomp filter are paid once instead of on every call. Each request on
the control socket carries only the call's four pipe ends (stdin, stdout, stderr, status) as
SCM_RIGHTS; the zygote forks, answers with the child's pid and forgets the call. The child
leads a session of its own and goes on exactly as ``_launcher.py`` started fresh would: it reads
the job from its stdin, unshares, builds the new root and runs the snippet.

The zygote never reads a job, so nothing of one call is ever in the memory the next call is
forked from; no process is reused between calls. It exits when the control socket closes (its
worker is gone). Standard library only, like the launcher.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import struct
import sys

sys.dont_write_bytecode = True  # root writes nothing into the app's tree
sys.path.append(os.path.dirname(os.path.abspath(__file__)))
import _launcher  # noqa: E402  (imported once here: every child starts with it loaded)

del sys.path[-1]

PIPES = 4  # stdin, stdout, stderr, status
REFUSED = -1


def _become_launcher(fds: list[int]) -> None:
    """In the forked child: the call's pipes on fds 0-2, then the launcher's own job path."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the launcher and init wait for their children
    os.setsid()
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
        os.close(fd)
    _launcher.serve_job(fds[3])


def _reap(signum: int, frame: object) -> None:
    """Collects finished launchers (reaped here, not ignored: their CPU time then counts in this
    process's children times, which `tools.bench` reads)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(control: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, _reap)
    gc.freeze()  # what is loaded now stays out of the children's collections: fewer copied pages
    while True:
        message, fds, _flags, _addr = socket.recv_fds(control, 16, PIPES)
        if not message:  # the worker closed the socket or died: nothing more will come
            return
        if len(fds) != PIPES:
            for fd in fds:
                os.close(fd)
            control.sendall(struct.pack("!i", REFUSED))
            continue
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                _become_launcher(fds)
            finally:
                os._exit(70)
        for fd in fds:
            os.close(fd)
        control.sendall(struct.pack("!i", pid))


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
