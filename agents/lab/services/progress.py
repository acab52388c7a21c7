"""The core's callbacks over a job row: ``progress`` (throttled writes) and ``is_cancelled``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from agents.lab.models import LOG_LINES_MAX, LabJob

WRITE_EVERY_S = 0.5  # at most two progress writes per second
CANCEL_POLL_S = 0.25
STAGE_SPAN = {
    "load": (0.0, 0.05),
    "calibrate": (0.05, 0.1),
    "quantize": (0.1, 0.8),
    "pack": (0.8, 0.85),
    "evaluate": (0.85, 0.99),
    "benchmark": (0.05, 0.99),
    "done": (1.0, 1.0),
}


class JobProgress:
    """The core's ``progress`` callback: keeps state in memory, writes ≤ 2 rows a second."""

    def __init__(self, job: LabJob, clock: Callable[[], float] = time.monotonic) -> None:
        self.model, self.pk, self.clock = type(job), job.pk, clock
        self.fields: dict[str, Any] = {"log": list(job.log)}
        self.last_write = float("-inf")

    def __call__(self, event: dict[str, Any]) -> None:
        stage = str(event.get("stage") or self.fields.get("stage", ""))
        done, total = event.get("layer"), event.get("total")
        low, high = STAGE_SPAN.get(stage, (0.0, 0.0))
        fraction = low + (high - low) * (done / total) if done and total else low
        self.fields.update(stage=stage, progress=max(fraction, self.fields.get("progress", 0.0)))
        if "elapsed_s" in event:
            self.fields.update(elapsed_s=float(event["elapsed_s"] or 0.0), eta_s=event.get("eta_s"))
        if total:
            self.fields.update(current_step=int(done or 0), total_steps=int(total))
        if event.get("log"):
            line = f"[{self.fields.get('elapsed_s', 0.0):7.1f}s] {event['log']}"
            self.fields["log"] = [*self.fields["log"], line][-LOG_LINES_MAX:]
        if self.clock() - self.last_write >= WRITE_EVERY_S or stage == "done":
            self.flush()

    def flush(self) -> None:
        self.model._default_manager.filter(pk=self.pk).update(**self.fields)
        self.last_write = self.clock()


def cancel_checker(job: LabJob) -> Callable[[], bool]:
    """The core's ``is_cancelled``: reads the row (at most four times a second)."""
    model, pk = type(job), job.pk
    state = {"at": float("-inf"), "value": False}

    def is_cancelled() -> bool:
        now = time.monotonic()
        if not state["value"] and now - state["at"] >= CANCEL_POLL_S:
            state["value"] = model._default_manager.filter(pk=pk, cancel_requested=True).exists()
            state["at"] = now
        return bool(state["value"])

    return is_cancelled
