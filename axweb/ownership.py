"""Per-user ownership for API viewsets: a user sees only their own objects; staff sees all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers


def owned(queryset: QuerySet[Any], user: Any, field: str = "owner") -> QuerySet[Any]:
    if user.is_staff:
        return queryset
    return queryset.filter(**{field: user})


class OwnedViewSetMixin:
    """`get_queryset` limited to the request user's objects; `owner` set on create."""

    owner_field = "owner"
    request: Any

    def get_queryset(self) -> QuerySet[Any]:
        return owned(super().get_queryset(), self.request.user, self.owner_field)  # type: ignore[misc]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.save(owner=self.request.user)


class OwnedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A related-object field that only accepts objects the requesting user may see."""

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        queryset = super().get_queryset()
        assert queryset is not None, "declare the field with a queryset"
        return owned(queryset, request.user) if request else queryset.none()
