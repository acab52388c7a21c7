from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agents.llm.providers.table import provider
from agents.models import Agent, Credential, ModelEntry
from agents.parameters import parameter_problems
from agents.refs import model_ref_problem
from axweb.ownership import OwnedPrimaryKeyRelatedField
from tools.models import Tool


def validate_model_ref(value: str) -> None:
    problem = model_ref_problem(value)
    if problem:
        raise serializers.ValidationError(problem)


class AgentSerializer(serializers.ModelSerializer[Agent]):
    owner = serializers.ReadOnlyField(source="owner.username")
    model = serializers.CharField(max_length=200, required=False, validators=[validate_model_ref])
    fallback_models = serializers.ListField(
        child=serializers.CharField(validators=[validate_model_ref]), required=False
    )
    parameters = serializers.DictField(required=False)
    tools = OwnedPrimaryKeyRelatedField(queryset=Tool.objects.all(), many=True, required=False)
    builtin_tools = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Agent
        fields = [
            "id",
            "name",
            "role",
            "system_prompt",
            "model",
            "fallback_models",
            "parameters",
            "tools",
            "builtin_tools",
            "owner",
            "created_at",
            "updated_at",
        ]

    def validate_parameters(self, value: dict[str, Any]) -> dict[str, Any]:
        problems = parameter_problems(value)
        if problems:
            raise serializers.ValidationError(problems)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        delegates = (attrs.get("parameters") or {}).get("delegates") or []
        request = self.context.get("request")
        if delegates and request:
            owner = self.instance.owner if self.instance else request.user
            name = attrs.get("name", getattr(self.instance, "name", None))
            if name in delegates:
                raise serializers.ValidationError(
                    {"parameters": [f"'{name}' cannot delegate to itself."]}
                )
            known = set(
                Agent.objects.filter(owner=owner, name__in=delegates).values_list("name", flat=True)
            )
            missing = [d for d in delegates if d not in known]
            if missing:
                raise serializers.ValidationError(
                    {
                        "parameters": [
                            "delegates: you have no agent named "
                            f"{', '.join(repr(m) for m in missing)}."
                        ]
                    }
                )
        return attrs

    def validate_name(self, value: str) -> str:
        request = self.context.get("request")
        if request:
            owner = self.instance.owner if self.instance else request.user
            clash = Agent.objects.filter(owner=owner, name=value)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(f"You already have an agent named '{value}'.")
        return value


class ModelEntrySerializer(serializers.ModelSerializer[ModelEntry]):
    """The registry as staff edits it, `config` (hosts, file paths, limits) included."""

    ref = serializers.ReadOnlyField()

    class Meta:
        model = ModelEntry
        fields = [
            "id",
            "provider",
            "name",
            "ref",
            "tier",
            "context_length",
            "cost_in_per_1k",
            "cost_out_per_1k",
            "config",
            "created_at",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """`config` must fit the provider's config model (the provider table)."""
        if "config" in attrs or "provider" in attrs:
            name = attrs.get("provider", getattr(self.instance, "provider", ""))
            config = attrs.get("config", getattr(self.instance, "config", {}))
            row = provider(name)
            problems = row.config_problems(config) if row else {}
            if problems:
                raise serializers.ValidationError(
                    {
                        "config": [
                            f"{field}: {'; '.join(messages)}"
                            for field, messages in problems.items()
                        ]
                    }
                )
        return attrs


class ModelEntryPickerSerializer(ModelEntrySerializer):
    """What a model picker needs; others do not see the server's hosts and file paths."""

    class Meta(ModelEntrySerializer.Meta):
        fields = [f for f in ModelEntrySerializer.Meta.fields if f != "config"]


class CredentialSerializer(serializers.ModelSerializer[Credential]):
    """Write-only secret; reads show only whether it is set and its last four characters."""

    secret = serializers.CharField(
        write_only=True,
        min_length=8,
        max_length=500,
        trim_whitespace=True,
        style={"input_type": "password"},
    )
    is_set = serializers.SerializerMethodField()

    class Meta:
        model = Credential
        fields = ["id", "provider", "label", "secret", "is_set", "last4", "created_at"]
        read_only_fields = ["last4", "created_at"]

    def get_is_set(self, obj: Credential) -> bool:
        return bool(obj.secret_encrypted)
