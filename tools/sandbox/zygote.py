"""The worker's side of the sandbox zygote (`_zygote.py`): start it once, ask it for launchers.

One zygote per process (a forked Celery child starts its own); calls from any thread or event
loop share it under a lock. If the zygote has died it is started again once; if that fails the
call fails closed with SandboxUnavailable.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
from pathlib import Path

ZYGOTE = Path(__file__).with_name("_zygote.py")
REPLY = struct.Struct("!i")


class ZygoteError(OSError):
    """The zygote could not be started or did not answer."""


class Zygote:
    def __init__(self, python: str) -> None:
        self.python = python
        self._lock = threading.Lock()
        self._owner = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None

    def fork_launcher(self, fds: tuple[int, int, int, int]) -> int:
        """A fresh launcher holding (stdin, stdout, stderr, status); returns its pid, which is
        also its process group."""
        with self._lock:
            try:
                return self._ask(self._running(), fds)
            except OSError:
                self._stop()  # died since the last call: start another, once
            try:
                return self._ask(self._running(), fds)
            except OSError as exc:
                self._stop()
                raise ZygoteError(f"the sandbox zygote is not answering: {exc}") from exc

    def pid(self) -> int | None:
        with self._lock:
            return self._proc.pid if self._proc and self._owner == os.getpid() else None

    @staticmethod
    def _ask(control: socket.socket, fds: tuple[int, int, int, int]) -> int:
        socket.send_fds(control, [b"fork"], list(fds))
        reply = b""
        while len(reply) < REPLY.size:
            chunk = control.recv(REPLY.size - len(reply))
            if not chunk:
                raise ZygoteError("the sandbox zygote exited")
            reply += chunk
        pid: int = REPLY.unpack(reply)[0]
        if pid <= 0:
            raise ZygoteError("the sandbox zygote refused the call")
        return pid

    def _running(self) -> socket.socket:
        if self._control is not None and self._owner == os.getpid():
            return self._control
        self._control = None  # inherited from a parent process: that zygote is the parent's
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._proc = subprocess.Popen(
                [self.python, "-I", "-S", str(ZYGOTE), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                start_new_session=True,
                cwd="/",
            )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self._control, self._owner = ours, os.getpid()
        return ours

    def _stop(self) -> None:
        if self._control is not None and self._owner == os.getpid():
            self._control.close()  # the zygote sees EOF and exits
            if self._proc is not None:
                try:
                    self._proc.kill()
                    self._proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
        self._control, self._proc, self._owner = None, None, 0
