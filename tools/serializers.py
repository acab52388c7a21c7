from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from rest_framework import serializers

from tools.credentials import credential_owned
from tools.models import Tool
from tools.registry import ToolDefinitionError, tool_from_definition
from tools.services import tool_definition, tool_url_problem


def validate_json_schema(value: Any) -> Any:
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be a JSON object (a JSON Schema).")
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        raise serializers.ValidationError(f"Not a valid JSON Schema: {exc.message}") from exc
    return value


URL_KINDS = (Tool.Kind.HTTP, Tool.Kind.MCP)
DESCRIBE_THE_TOOL = "Describe what the tool does: the model reads it to decide when to call it."


class ToolSerializer(serializers.ModelSerializer[Tool]):
    owner = serializers.ReadOnlyField(source="owner.username")
    input_schema = serializers.JSONField(required=False, validators=[validate_json_schema])
    output_schema = serializers.JSONField(required=False, validators=[validate_json_schema])
    config = serializers.DictField(required=False)
    timeout_s = serializers.FloatField(required=False, min_value=0.1, max_value=600)

    class Meta:
        model = Tool
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "input_schema",
            "output_schema",
            "config",
            "timeout_s",
            "owner",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "description": {
                "required": True,
                "allow_blank": False,
                "error_messages": {
                    "required": DESCRIBE_THE_TOOL,
                    "blank": DESCRIBE_THE_TOOL,
                },
            }
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        config = attrs.get("config", getattr(self.instance, "config", {})) or {}
        if kind == Tool.Kind.PYTHON and not isinstance(config.get("code"), str):
            raise serializers.ValidationError(
                {"config": ["A python tool needs config.code (a string of Python)."]}
            )
        if kind == Tool.Kind.HTTP and not str(config.get("url", "")).startswith(
            ("http://", "https://")
        ):
            raise serializers.ValidationError(
                {"config": ["An http tool needs config.url starting with http:// or https://."]}
            )
        if kind == Tool.Kind.MCP and not str(config.get("url", "")).startswith(
            ("http://", "https://")
        ):
            raise serializers.ValidationError(
                {"config": ["An mcp tool needs config.url: the server's http(s) address."]}
            )
        self._check_definition(attrs)
        if kind == Tool.Kind.MCP:
            self._check_credential(config)
        if kind in URL_KINDS and (problem := tool_url_problem(str(config["url"]))):
            raise serializers.ValidationError({"config": [f"'config.url': {problem}"]})
        request = self.context.get("request")
        name = attrs.get("name")
        if request and name:
            owner = self.instance.owner if self.instance else request.user
            clash = Tool.objects.filter(owner=owner, name=name)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(
                    {"name": [f"You already have a tool named '{name}'."]}
                )
        return attrs

    def _check_credential(self, config: dict[str, Any]) -> None:
        """A named credential must be one of the tool owner's own (another user's is as unknown
        as a missing one: its existence is not revealed)."""
        credential = config.get("credential")
        if credential is None:
            return
        request = self.context.get("request")
        owner = self.instance.owner if self.instance else getattr(request, "user", None)
        if not credential_owned(getattr(owner, "pk", None), int(credential)):
            raise serializers.ValidationError(
                {
                    "config": [
                        f"'config.credential': you have no stored credential #{credential}; "
                        "add one under Credentials (kind: token) and pick it here."
                    ]
                }
            )

    def _check_definition(self, attrs: dict[str, Any]) -> None:
        """The whole definition, as a run will build it, so a saved tool always loads."""
        blank: dict[str, Any] = {
            "name": "",
            "kind": "",
            "description": "",
            "input_schema": {},
            "config": {},
            "timeout_s": None,
        }
        row = Tool(
            **{f: attrs.get(f, getattr(self.instance, f, empty)) for f, empty in blank.items()}
        )
        try:
            tool_from_definition(tool_definition(row))
        except ToolDefinitionError as exc:
            field = exc.field.split(".", 1)[0]
            raise serializers.ValidationError(
                {field if field in self.fields else "non_field_errors": [str(exc)]}
            ) from None
