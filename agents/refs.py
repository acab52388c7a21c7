"""Model references: `provider:model` or a tier name (providers and tiers: the provider table)."""

from __future__ import annotations

from agents.llm.providers.table import TIERS, provider_names
from axweb.env import env_bool


def model_ref_problem(ref: str) -> str | None:
    """Return why `ref` is not a usable model reference, or None when it is."""
    if ref in TIERS:
        return None
    provider, sep, name = ref.partition(":")
    providers = ", ".join(provider_names())
    if not sep or not name.strip():
        return (
            f"'{ref}' is not a model reference; use 'provider:model' "
            f"(providers: {providers}) or a tier ({', '.join(TIERS)})."
        )
    # Scripted models answer deterministically without inference; tests and demos only.
    scripted = env_bool("AXWEB_SCRIPTED_MODELS") and provider == "scripted"
    if provider not in provider_names() and not scripted:
        return f"Unknown provider '{provider}'; use one of {providers}."
    return None
