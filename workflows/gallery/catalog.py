"""The gallery: every template, found by slug, shaped for the API."""

from __future__ import annotations

from typing import Any

from workflows.gallery.patterns import PATTERNS
from workflows.gallery.spec import BUILTIN_MODEL, Template
from workflows.gallery.teams import TEAMS

TEMPLATES: tuple[Template, ...] = (*TEAMS, *PATTERNS)
_BY_SLUG = {t.slug: t for t in TEMPLATES}


class TemplateNotFound(LookupError):
    """No template has this slug."""


def template_get(slug: str) -> Template:
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise TemplateNotFound(f"There is no template named '{slug}'.") from None


def template_summary(template: Template) -> dict[str, Any]:
    """What the gallery shows: the words, what it brings along, and the graph for its picture."""
    return {
        "slug": template.slug,
        "name": template.name,
        "category": template.category,
        "description": template.description,
        "tags": list(template.tags),
        "agents": [a.name for a in template.agents],
        "tools": [t.name for t in template.tools],
        "knowledge": template.knowledge.collection if template.knowledge else None,
        "inputs": template.inputs,
        "graph": template.graph(BUILTIN_MODEL),
    }


def templates_list(*, search: str = "", category: str = "") -> list[dict[str, Any]]:
    words = search.lower().split()
    found = []
    for template in TEMPLATES:
        text = " ".join(
            (template.name, template.description, template.category, *template.tags)
        ).lower()
        if category and template.category != category:
            continue
        if all(word in text for word in words):
            found.append(template_summary(template))
    return found
