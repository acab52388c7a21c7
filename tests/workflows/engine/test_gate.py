"""The concurrency gate: bounded, FIFO, safe under cancellation."""

from __future__ import annotations

import asyncio

import pytest

from workflows.engine.gate import Gate

pytestmark = pytest.mark.asyncio


async def test_gate_admits_at_most_its_slots_in_arrival_order():
    gate, inside, peak, order = Gate(2), 0, 0, []

    async def worker(n: int) -> None:
        nonlocal inside, peak
        await gate.acquire()
        inside += 1
        peak = max(peak, inside)
        order.append(n)
        await asyncio.sleep(0.001)
        inside -= 1
        gate.release()

    await asyncio.gather(*(worker(n) for n in range(6)))
    assert peak == 2 and order == list(range(6)) and gate.free == 2


async def test_a_cancelled_waiter_does_not_leak_a_slot():
    gate = Gate(1)
    await gate.acquire()
    waiter = asyncio.ensure_future(gate.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    gate.release()
    assert gate.free == 1


async def test_a_waiter_cancelled_after_being_handed_a_slot_gives_it_back():
    gate = Gate(1)
    await gate.acquire()
    waiter = asyncio.ensure_future(gate.acquire())
    await asyncio.sleep(0)
    gate.release()  # hands the slot to the waiter
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert gate.free == 1
