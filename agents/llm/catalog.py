"""What models exist: provider, name, tier, cost and limits, behind a ModelCatalog protocol.

The lead implements ModelCatalog over the database; ``InMemoryCatalog`` serves tests
and the offline default (the builtin model as the ``local`` tier).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from agents.llm.providers.table import TIERS

__all__ = ["TIERS", "InMemoryCatalog", "ModelCatalog", "ModelInfo", "default_catalog"]


@dataclass(frozen=True)
class ModelInfo:
    """One selectable model. Costs are per 1,000 tokens; limits None = unlimited."""

    provider: str
    name: str
    tier: str = "local"
    cost_in_per_1k: float = 0.0
    cost_out_per_1k: float = 0.0
    rpm: int | None = None
    max_concurrent: int | None = None
    # Provider options, e.g. (("host", "..."),); may hold an API key, so never in repr().
    options: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.name}"

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.cost_in_per_1k + output_tokens * self.cost_out_per_1k) / 1000


@runtime_checkable
class ModelCatalog(Protocol):
    """Looks models up. ``get`` returns None for an unknown ``provider:model`` reference;
    ``for_tier`` returns the tier's models in preference order (empty if none)."""

    def get(self, ref: str) -> ModelInfo | None: ...

    def for_tier(self, tier: str) -> list[ModelInfo]: ...


class InMemoryCatalog:
    """A ModelCatalog over a list; order within a tier is preference order."""

    def __init__(self, models: Iterable[ModelInfo] = ()) -> None:
        self.models = list(models)

    def add(self, info: ModelInfo) -> None:
        self.models = [m for m in self.models if m.ref != info.ref] + [info]

    def get(self, ref: str) -> ModelInfo | None:
        return next((m for m in self.models if m.ref == ref), None)

    def for_tier(self, tier: str) -> list[ModelInfo]:
        return [m for m in self.models if m.tier == tier]


def default_catalog() -> InMemoryCatalog:
    """The offline default: the builtin SmolLM2 as the local tier."""
    return InMemoryCatalog([ModelInfo("builtin", "smollm2-135m", "local")])
