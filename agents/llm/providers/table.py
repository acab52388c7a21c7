"""The provider table: every model provider and tier, written once.

One row per provider names its ChatModel class (imported lazily, so a provider's client
library loads only when it is used), the label people see, the pydantic model of its
``ModelEntry.config``, the credential it needs and the environment defaults of its options.
The router, reference validation, the registry's choices, the gateway's options, the
catalog and ``GET /api/models/providers/`` all read this table.

Adding a provider: write its module (a class taking ``(model_name, **options)``), add one
``Provider(...)`` line to ``PROVIDERS`` below, tests and a line in docs/models.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

TIERS = ("local", "cloud", "compressed")


def option(description: str, default: Any = None) -> Any:
    """A config field passed to the provider's class as a keyword argument."""
    return Field(default, description=description, json_schema_extra={"option": True})


class ProviderConfig(BaseModel):
    """What every ``ModelEntry.config`` may hold: the router's limits for the model."""

    model_config = ConfigDict(extra="forbid", strict=True)

    rpm: int | None = Field(None, ge=1, description="Requests per minute (empty: unlimited).")
    max_concurrent: int | None = Field(None, ge=1, description="Calls at once (empty: unlimited).")

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return tuple(
            name
            for name, f in cls.model_fields.items()
            if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("option")
        )


class BuiltinConfig(ProviderConfig):
    """The in-process model; a compressed variant names its packed weights file."""

    path: str | None = option("Packed weights file of a compressed model (the lab writes it).")
    # What the lab records about a compressed model; informative only.
    base_model: str | None = None
    method: str | None = None
    bits: int | None = None
    group_size: int | None = None
    lab_job: int | None = None
    ppl_baseline: float | None = None
    ppl_quantized: float | None = None
    size_mb: float | None = None
    bits_per_weight: float | None = None
    decode_tok_s: float | None = None


class OllamaConfig(ProviderConfig):
    host: str | None = option("Ollama server URL (empty: OLLAMA_HOST).")


class AnthropicConfig(ProviderConfig):
    pass


@dataclass(frozen=True)
class EnvDefault:
    """An option's default: the environment variable (or setting) ``var``, else ``value``."""

    var: str
    value: str = ""


@dataclass(frozen=True)
class Provider:
    """One row of the table; see the module docstring."""

    name: str
    path: str  # dotted path of the ChatModel class, taking (model_name, **options)
    label: str
    config: type[ProviderConfig] = ProviderConfig
    credential: str | None = None  # the server's key (env var); users store their own under `name`
    env: Mapping[str, EnvDefault] = field(default_factory=dict)  # option -> its default

    def model_class(self) -> Any:
        module, _, attr = self.path.rpartition(".")
        return getattr(importlib.import_module(module), attr)

    def options(self, config: Mapping[str, Any], setting: Callable[[str], str]) -> dict[str, str]:
        """The class's keyword options from a stored config; unset ones take their env default."""
        options: dict[str, str] = {}
        for name in (*self.config.option_names(), *self.env):
            value = config.get(name)
            if not value and name in self.env:
                value = setting(self.env[name].var) or self.env[name].value
            if value:
                options[name] = str(value)
        return options

    def config_problems(self, config: Any) -> dict[str, list[str]]:
        """Field -> messages for a config that does not fit this provider; empty when it does."""
        try:
            self.config.model_validate(config)
        except ValidationError as exc:
            problems: dict[str, list[str]] = {}
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or "config"
                problems.setdefault(where, []).append(error["msg"])
            return problems
        return {}

    def describe(self) -> dict[str, Any]:
        """The row as the API serves it (no environment values: those are the server's)."""
        return {
            "name": self.name,
            "label": self.label,
            "credential": self.credential,
            "config_schema": self.config.model_json_schema(),
        }


PROVIDERS: list[Provider] = [
    Provider(
        "builtin", "agents.llm.providers.builtin.BuiltinModel", "Builtin (offline)", BuiltinConfig
    ),
    Provider(
        "ollama",
        "agents.llm.providers.ollama.OllamaModel",
        "Ollama",
        OllamaConfig,
        env={"host": EnvDefault("OLLAMA_HOST", "http://127.0.0.1:11434")},
    ),
    Provider(
        "anthropic",
        "agents.llm.providers.anthropic.AnthropicModel",
        "Anthropic",
        AnthropicConfig,
        credential="ANTHROPIC_API_KEY",
    ),
]


def provider(name: str) -> Provider | None:
    """The row named ``name``, or None."""
    return next((p for p in PROVIDERS if p.name == name), None)


def provider_names() -> tuple[str, ...]:
    return tuple(p.name for p in PROVIDERS)


def provider_choices() -> list[tuple[str, str]]:
    """(name, label) pairs: the registry's choices (callable, so no migration per provider)."""
    return [(p.name, p.label) for p in PROVIDERS]


# Credential kinds that belong to no model provider: a secret a user tool sends (an MCP server's
# bearer token or API key). A stored credential's `provider` is one of these or a provider name.
TOOL_CREDENTIAL_KINDS: dict[str, str] = {"token": "Token (MCP servers and other tools)"}


def credential_kind_choices() -> list[tuple[str, str]]:
    """(name, label) of everything a stored credential can be for: providers, then tool tokens."""
    return [*provider_choices(), *TOOL_CREDENTIAL_KINDS.items()]


def credential_kinds() -> list[dict[str, str]]:
    """The kinds a person stores a key for: providers that take one, then tool tokens."""
    keyed = [{"name": p.name, "label": p.label} for p in PROVIDERS if p.credential]
    return [*keyed, *({"name": n, "label": label} for n, label in TOOL_CREDENTIAL_KINDS.items())]


def tier_choices() -> list[tuple[str, str]]:
    return [(t, t.capitalize()) for t in TIERS]


def providers_catalog() -> dict[str, Any]:
    """What ``GET /api/models/providers/`` serves: every row and the tiers."""
    return {
        "providers": [p.describe() for p in PROVIDERS],
        "tiers": list(TIERS),
        "credential_kinds": credential_kinds(),
    }
