"""A counting semaphore with a synchronous fast path (no await when a slot is free)."""

from __future__ import annotations

import asyncio
from collections import deque


class Gate:
    """Bounds concurrency; ``acquire`` returns at once while slots are free.

    A released slot is handed directly to the oldest waiter (FIFO, no barging).
    """

    __slots__ = ("free", "_waiters")

    def __init__(self, slots: int) -> None:
        self.free = max(1, slots)
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over just before the cancel
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class Slot:
    """One holder's slot of a gate; ``give_back`` is safe to call when not held."""

    __slots__ = ("gate", "held")

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.held = False

    async def take(self) -> None:
        await self.gate.acquire()
        self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self.gate.release()
