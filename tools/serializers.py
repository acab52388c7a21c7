from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from rest_framework import serializers

from tools.models import Tool


def validate_json_schema(value: Any) -> Any:
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be a JSON object (a JSON Schema).")
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        raise serializers.ValidationError(f"Not a valid JSON Schema: {exc.message}") from exc
    return value


class ToolSerializer(serializers.ModelSerializer[Tool]):
    owner = serializers.ReadOnlyField(source="owner.username")
    input_schema = serializers.JSONField(required=False, validators=[validate_json_schema])
    output_schema = serializers.JSONField(required=False, validators=[validate_json_schema])
    config = serializers.DictField(required=False)
    timeout_s = serializers.FloatField(required=False, min_value=0.1, max_value=600)

    class Meta:
        model = Tool
        fields = ["id", "name", "kind", "description", "input_schema", "output_schema", "config",
                  "timeout_s", "owner", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        config = attrs.get("config", getattr(self.instance, "config", {})) or {}
        if kind == Tool.Kind.PYTHON and not isinstance(config.get("code"), str):
            raise serializers.ValidationError({"config": ["A python tool needs config.code (a string of Python)."]})
        if kind == Tool.Kind.HTTP and not str(config.get("url", "")).startswith(("http://", "https://")):
            raise serializers.ValidationError({"config": ["An http tool needs config.url starting with http:// or https://."]})
        request = self.context.get("request")
        name = attrs.get("name")
        if request and name:
            owner = self.instance.owner if self.instance else request.user
            clash = Tool.objects.filter(owner=owner, name=name)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError({"name": [f"You already have a tool named '{name}'."]})
        return attrs
