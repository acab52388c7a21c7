"""List filters that never tell another user's object from a missing one.

django-filter's default for a relation (`?workflow=<id>`) is a choice among every row of the
related table: a missing id answers 400 "Select a valid choice", another user's id 200 with an
empty page, so anyone could probe which ids exist. Here a relation filters by its raw id: both
answer 200 with nothing in it (and a malformed id 400 for either)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django_filters import rest_framework as filters


class IdFilter(filters.Filter):  # type: ignore[misc]
    field_class = forms.IntegerField


class OwnerBlindFilterSet(filters.FilterSet):  # type: ignore[misc]
    @classmethod
    def filter_for_lookup(cls, field: Any, lookup_type: str) -> tuple[Any, dict[str, Any]]:
        if isinstance(field, models.ForeignKey) and lookup_type == "exact":
            uuid = isinstance(field.target_field, models.UUIDField)
            return (filters.UUIDFilter if uuid else IdFilter), {}
        return super().filter_for_lookup(field, lookup_type)  # type: ignore[no-any-return]


class OwnerBlindFilterBackend(filters.DjangoFilterBackend):  # type: ignore[misc]
    filterset_base = OwnerBlindFilterSet
