"""What an agent's `parameters` may hold: one table, used to validate the API input and to
build the agent form's fields (GET /api/agents/parameters/)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from axweb.numbers import is_number

Kind = Literal["number", "integer", "boolean", "strings", "agents"]


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    kind: Kind
    help: str
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None


PARAMETERS = (
    Parameter(
        "temperature", "Temperature", "number", "Sampling temperature; 0 answers greedily.", 0, 2
    ),
    Parameter(
        "top_p",
        "Top-p",
        "number",
        "Nucleus sampling: keep the most likely tokens up to this mass.",
        0,
        1,
    ),
    Parameter("max_tokens", "Max tokens", "integer", "Most tokens in one model reply.", 1, 32768),
    Parameter(
        "seed", "Seed", "integer", "Fixed sampling seed, for repeatable replies.", 0, 2**31 - 1
    ),
    Parameter(
        "stop", "Stop sequences", "strings", "Generation stops at any of these (one per line)."
    ),
    Parameter(
        "max_steps",
        "Max tool steps",
        "integer",
        "Model turns with tool calls before the agent must answer.",
        1,
        50,
        6,
    ),
    Parameter(
        "delegates",
        "Delegates",
        "agents",
        "Agents this agent may call as tools (nested at most 3 deep; cycles are refused).",
    ),
    Parameter(
        "cache",
        "Cache replies",
        "boolean",
        "Reuse the reply of an identical request (same model, messages and parameters).",
    ),
)
BY_NAME = {p.name: p for p in PARAMETERS}


def parameters_catalog() -> list[dict[str, Any]]:
    return [asdict(p) for p in PARAMETERS]


def parameter_problems(value: Any) -> list[str]:
    """Every problem of a parameters object, each naming the key and what it accepts."""
    if not isinstance(value, dict):
        return ['Parameters must be an object, e.g. {"temperature": 0.2}.']
    problems = []
    for key, item in value.items():
        spec = BY_NAME.get(key)
        if spec is None:
            problems.append(f"Unknown parameter '{key}'. Known: {', '.join(sorted(BY_NAME))}.")
        elif spec.kind in ("number", "integer"):
            what = "a whole number" if spec.kind == "integer" else "a number"
            if (
                not is_number(item, whole=spec.kind == "integer")
                or not spec.minimum <= item <= spec.maximum
            ):
                low, high = _plain(spec.minimum), _plain(spec.maximum)
                problems.append(f"{key} must be {what} from {low} to {high}.")
        elif spec.kind == "boolean" and not isinstance(item, bool):
            problems.append(f"{key} must be true or false.")
        elif spec.kind in ("strings", "agents") and (
            not isinstance(item, list) or not all(isinstance(s, str) and s for s in item)
        ):
            problems.append(f"{key} must be a list of non-empty strings.")
    return problems


def _plain(number: float | None) -> str:
    return str(int(number)) if number is not None and float(number).is_integer() else str(number)
