"""python: run a Python snippet in the sandbox (tools/sandbox, threat model in docs/tools.md).

The snippet gets ``inputs`` and returns a value by setting ``result = ...`` (or calling
``set_result(value)``); only the standard library is importable; no network, no files
of the app. A snippet that fails raises ToolError whose ``details`` hold stdout,
stderr and the exit reason, so an agent can read its traceback and try again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tools.base import Tool, ToolContext, ToolError
from tools.sandbox import SandboxLimits, SandboxResult, SandboxUnavailable, run_python

MAX_CODE_CHARS = 100_000
REASONS = {
    "error": "the snippet raised an error",
    "timeout": "wall-clock limit reached",
    "cpu_limit": "CPU time limit reached",
    "memory_limit": "memory limit reached",
    "output_limit": "output limit reached (output truncated)",
    "killed": "the snippet was killed",
}


def outcome_or_error(outcome: SandboxResult) -> dict[str, Any]:
    """The tool result for ``ok``; otherwise a ToolError naming the reason."""
    shaped = {
        "reason": outcome.reason,
        "result": outcome.result,
        "stdout": outcome.stdout,
        "stderr": outcome.stderr,
        "exit_code": outcome.exit_code,
        "duration_ms": outcome.duration_ms,
        "truncated": outcome.truncated,
    }
    if outcome.ok:
        return shaped
    last_line = outcome.stderr.strip().splitlines()[-1:] or [""]
    message = f"python {outcome.reason}: {REASONS.get(outcome.reason, outcome.reason)}"
    if outcome.reason == "error" and last_line[0]:
        message += f" ({last_line[0][:300]})"
    raise ToolError(message, code=outcome.reason, details=shaped)


async def run_sandboxed(code: str, inputs: Any, limits: SandboxLimits) -> dict[str, Any]:
    try:
        outcome = await run_python(code, inputs, limits)
    except SandboxUnavailable as exc:
        raise ToolError(f"the sandbox is unavailable: {exc}", code="unavailable") from None
    return outcome_or_error(outcome)


class PythonTool(Tool):
    name = "python"
    description = (
        "Run Python 3 code in an isolated sandbox (standard library only, no network, no "
        "files). Read 'inputs'; set `result = ...` to return a JSON value; print() output "
        "is returned as stdout."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "minLength": 1, "maxLength": MAX_CODE_CHARS},
            "inputs": {},
        },
        "required": ["code"],
        "additionalProperties": False,
    }
    permissions = frozenset({"code_execution"})
    builtin = True

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self.timeout_s = self.limits.wall_s + 5.0

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        return await run_sandboxed(args["code"], args.get("inputs"), self.limits)


# The most a tool definition may ask for: a saved tool cannot give itself the machine.
LIMIT_CEILINGS: dict[str, int] = {
    "wall_s": 600,
    "cpu_s": 300,
    "memory_mb": 4096,
    "nproc": 64,
    "fsize_mb": 1024,
    "tmpfs_mb": 1024,
    "output_bytes": 16 << 20,
    "result_bytes": 16 << 20,
}


def limits_from(config: dict[str, Any]) -> SandboxLimits:
    """SandboxLimits from a config dict: unknown keys, wrong types and values out of range
    refused."""
    base = SandboxLimits()
    unknown = set(config) - set(base.__dataclass_fields__)
    if unknown:
        raise ValueError(
            f"unknown sandbox limit(s): {', '.join(sorted(unknown))}; "
            f"known: {', '.join(LIMIT_CEILINGS)}"
        )
    for key, value in config.items():
        whole = key != "wall_s"  # the tools layer stays free of the app's modules: its own check
        number = not isinstance(value, bool) and (
            isinstance(value, int) or (not whole and isinstance(value, float))
        )
        if not number or not 0 < value <= LIMIT_CEILINGS[key]:
            raise ValueError(
                f"{key} must be a {'whole ' if whole else ''}number above 0 and at most "
                f"{LIMIT_CEILINGS[key]}"
            )
    return replace(base, **config)


class PythonCodeTool(Tool):
    """A user-defined tool whose body is fixed sandboxed code; the arguments are ``inputs``."""

    permissions = frozenset({"code_execution"})

    def __init__(
        self,
        name: str,
        description: str,
        input_schema: dict[str, Any],
        code: str,
        limits: SandboxLimits | None = None,
    ) -> None:
        self.name, self.description, self.input_schema = name, description, input_schema
        self.code = code
        self.limits = limits or SandboxLimits()
        self.timeout_s = self.limits.wall_s + 5.0

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> Any:
        return (await run_sandboxed(self.code, args, self.limits))["result"]
