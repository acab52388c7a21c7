"""Sandboxed execution of untrusted Python (threat model: docs/tools.md)."""

from tools.sandbox.runner import (
    ExitReason,
    SandboxLimits,
    SandboxResult,
    SandboxUnavailable,
    run_python,
    run_python_sync,
)

__all__ = [
    "ExitReason",
    "SandboxLimits",
    "SandboxResult",
    "SandboxUnavailable",
    "run_python",
    "run_python_sync",
]
