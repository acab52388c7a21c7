"""Sandboxes made ahead of their call: spares per kind of limits, each used once.

A launcher forked from the zygote and given its setup (uid, limits, cgroup) builds the whole
sandbox — namespaces, new root, init waiting as pid 1 — and only then reads its call's code
from stdin. Making that before the call is asked for takes the namespaces and mounts off the
call's path. After a call this module tops the spares for the same limits up to ``DEPTH``
in a background thread; the next call with those limits takes the oldest, or waits for it
if it is still being forked. A spare serves exactly one call and dies with it: nothing of
one call is in a process another call uses, as without spares.

Per process (a forked worker drops what it inherited: the spares are its parent's), at most
``KINDS`` limits kept, the oldest discarded; a discarded spare gets an empty call and exits
without running anything (so does every spare when its worker exits: stdin's end closes).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

KINDS = 4  # kinds of limits with spares; calls with other limits make theirs on the spot
DEPTH = 2  # spares per kind: back-to-back calls take one made during the call before


@dataclass
class Launched:
    """A launcher that has its setup and waits for one call: our ends of its pipes."""

    pid: int
    stdin: int
    stdout: int
    stderr: int
    status: int
    group: str | None
    owner: int = field(default_factory=os.getpid)

    def close(self) -> None:
        """Our ends closed: the launcher reads an empty call and exits, running nothing."""
        for fd in (self.stdin, self.stdout, self.stderr, self.status):
            try:
                os.close(fd)
            except OSError:
                pass


class Spares:
    """``take(limits)`` gives a future of a launcher ready for a call with those limits."""

    def __init__(self, start: Callable[[Any], Launched], discard: Callable[[Launched], None]):
        self._start, self._discard = start, discard
        self._lock = threading.Lock()
        self._spares: dict[Any, deque[Future[Launched]]] = {}
        self._thread: ThreadPoolExecutor | None = None
        self._owner = os.getpid()

    def take(self, limits: Any) -> Future[Launched]:
        """The spare for these limits if there is one (perhaps still starting), else a new
        launcher started now."""
        with self._lock:
            self._adopt()
            waiting = self._spares.get(limits)
            return waiting.popleft() if waiting else self._submit(limits)

    def refill(self, limits: Any) -> None:
        """Starts spares for these limits in the background, up to ``DEPTH``."""
        with self._lock:
            self._adopt()
            if limits not in self._spares:
                while len(self._spares) >= KINDS:  # the kind least recently added goes
                    for future in self._spares.pop(next(iter(self._spares))):
                        self._drop(future)
                self._spares[limits] = deque()
            waiting = self._spares[limits]
            while len(waiting) < DEPTH:
                waiting.append(self._submit(limits))

    def discard_all(self) -> None:
        with self._lock:
            if self._owner != os.getpid():
                return
            while self._spares:
                for future in self._spares.popitem()[1]:
                    self._drop(future)

    def drop(self, future: Future[Launched]) -> None:
        """A launcher nobody will use (its call was cancelled): discarded once it exists."""
        self._drop(future)

    def _submit(self, limits: Any) -> Future[Launched]:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sandbox-spare")
        return self._thread.submit(self._start, limits)

    def _drop(self, future: Future[Launched]) -> None:
        def discard(done: Future[Launched]) -> None:
            if not done.cancelled() and done.exception() is None:
                self._discard(done.result())

        future.add_done_callback(discard)

    def _adopt(self) -> None:
        """In a forked child: forget the parent's spares (closing only our copies of their
        pipes) and its thread, which did not survive the fork."""
        if self._owner == os.getpid():
            return
        for future in (f for waiting in self._spares.values() for f in waiting):
            if future.done() and not future.cancelled() and future.exception() is None:
                future.result().close()
        self._spares, self._thread, self._owner = {}, None, os.getpid()


def at_exit(spares: Spares) -> None:
    atexit.register(spares.discard_all)
