"""The tool registry: builtins by one table, user tools from plain definitions.

Adding a builtin = one module in ``tools/builtins/`` + one line in ``BUILTINS``
(+ a section in docs/tools.md; a test checks it). A module is imported on first use
of its tool, never at import time of the registry.

User-defined tools live in the database; the caller turns a row into a dict and calls
:func:`tool_from_definition`. Kinds: ``python`` (sandboxed code), ``http`` (an
endpoint), ``agent`` (agent-as-tool), ``workflow`` (workflow-as-tool) and ``mcp`` (a remote MCP
server: :func:`tools_from_definition` gives its discovered tools one by one).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from functools import cache
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agents.llm.base import ToolSpec
from tools.base import Tool

BUILTINS: dict[str, str] = {
    "calculator": "tools.builtins.calculator.Calculator",
    "text": "tools.builtins.text.TextTool",
    "json": "tools.builtins.json_tool.JsonTool",
    "http_request": "tools.builtins.http.HttpRequest",
    "memory_read": "tools.builtins.memory.MemoryRead",
    "memory_write": "tools.builtins.memory.MemoryWrite",
    "knowledge_search": "tools.builtins.knowledge.KnowledgeSearch",
    "python": "tools.builtins.python.PythonTool",
}
NAME_PATTERN = r"^[a-zA-Z][a-zA-Z0-9_\-]{0,63}$"
HEADER_NAME_PATTERN = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$"  # an HTTP field name (RFC 9110)
DEFAULT_MCP_TIMEOUT_S = 30.0
MCP_SEPARATOR = "__"  # an MCP server's tool is offered as `<server>__<tool>`


class UnknownTool(LookupError):
    """No builtin (or given user tool) has this name."""


class ToolDefinitionError(ValueError):
    """A user tool definition is invalid; the message names the field (`field`, dotted)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _import(dotted: str) -> type[Tool]:
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)  # type: ignore[no-any-return]


@cache
def builtin(name: str) -> Tool:
    """The builtin tool ``name`` (one shared, stateless instance)."""
    if name not in BUILTINS:
        raise UnknownTool(f"unknown tool '{name}'")
    return _import(BUILTINS[name])()


def catalog() -> list[dict[str, Any]]:
    """``[{name, description, input_schema, builtin: true}]`` for every builtin."""
    return [builtin(name).describe() for name in BUILTINS]


def tool_specs(tools: Iterable[Tool]) -> list[ToolSpec]:
    """What a chat model needs to call these tools."""
    return [
        ToolSpec(name=t.name, description=t.description, input_schema=t.input_schema) for t in tools
    ]


def builtin_specs(names: Iterable[str] | None = None) -> list[ToolSpec]:
    return tool_specs(builtin(n) for n in (BUILTINS if names is None else names))


# ------------------------------------------------------------------ user tool definitions
class _Definition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    description: str = Field(min_length=1, max_length=2000)
    kind: Literal["python", "http", "agent", "workflow", "mcp"]
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    config: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float | None = Field(default=None, gt=0, le=3600)
    owner_id: int | None = None  # whose stored credentials the tool may name

    @field_validator("input_schema")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ValueError(f"not a valid JSON Schema: {exc.message}") from None
        if schema.get("type", "object") != "object":
            raise ValueError("a tool's input schema must describe an object")
        return schema


class _PythonConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=100_000)
    limits: dict[str, Any] = Field(default_factory=dict)


class _HttpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(pattern=r"^https?://")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    max_bytes: int = Field(default=1_000_000, ge=1, le=10_000_000)


class _McpToolInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1)
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    idempotent: bool = False


class _McpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(pattern=r"^https?://")
    transport: Literal["streamable_http", "sse"] = "streamable_http"
    headers: dict[str, str] = Field(default_factory=dict)
    credential: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="A stored credential's id."
    )
    credential_header: str = Field(default="Authorization", pattern=HEADER_NAME_PATTERN)
    credential_scheme: str = Field(default="Bearer", pattern=r"^[A-Za-z0-9_-]{0,32}$")
    tools: list[_McpToolInfo] = Field(default_factory=list, description="Found by a refresh.")
    refreshed_at: str | None = None

    @model_validator(mode="after")
    def _one_source_per_header(self) -> _McpConfig:
        if self.credential is None:
            return self
        clash = {h.lower() for h in self.headers} & {self.credential_header.lower()}
        if clash:
            raise ValueError(
                f"'{self.credential_header}' is sent from the credential: remove it from headers"
            )
        return self


class _AgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str = Field(min_length=1)


class _WorkflowConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workflow: str = Field(min_length=1)


def _field_message(exc: ValidationError, prefix: str = "") -> tuple[str, str]:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in (prefix, *first["loc"]) if p != "")
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"'{where}': {message}", where


def _parse(model: type[BaseModel], data: Any, prefix: str = "") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ToolDefinitionError(*_field_message(exc, prefix)) from None


def tool_from_definition(definition: dict[str, Any]) -> Tool:
    """Build a user tool from ``{name, description, kind, input_schema, config, timeout_s}``.

    Raises ToolDefinitionError naming the offending field.
    """
    spec: _Definition = _parse(_Definition, definition)
    builder = {
        "python": _python_tool,
        "http": _http_tool,
        "agent": _agent_tool,
        "workflow": _workflow_tool,
        "mcp": _mcp_tool,
    }[spec.kind]
    tool = builder(spec)
    if spec.timeout_s is not None:
        tool.timeout_s = spec.timeout_s
    return tool


def _python_tool(spec: _Definition) -> Tool:
    from tools.builtins.python import PythonCodeTool, limits_from

    config: _PythonConfig = _parse(_PythonConfig, spec.config, "config")
    try:
        limits = limits_from(config.limits)
    except (TypeError, ValueError) as exc:
        raise ToolDefinitionError(f"'config.limits': {exc}", "config.limits") from None
    return PythonCodeTool(spec.name, spec.description, spec.input_schema, config.code, limits)


def _http_tool(spec: _Definition) -> Tool:
    from tools.builtins.http import HttpEndpointTool

    config: _HttpConfig = _parse(_HttpConfig, spec.config, "config")
    return HttpEndpointTool(
        spec.name,
        spec.description,
        spec.input_schema,
        config.url,
        config.method,
        config.headers,
        max_bytes=config.max_bytes,
    )


def _agent_tool(spec: _Definition) -> Tool:
    from tools.builtins.delegate import AgentTool

    config: _AgentConfig = _parse(_AgentConfig, spec.config, "config")
    return AgentTool(spec.name, config.agent, spec.description)


def _workflow_tool(spec: _Definition) -> Tool:
    from tools.builtins.delegate import WorkflowTool

    config: _WorkflowConfig = _parse(_WorkflowConfig, spec.config, "config")
    return WorkflowTool(spec.name, config.workflow, spec.description, spec.input_schema)


def _mcp_tool(spec: _Definition) -> Tool:
    from tools.mcp_client import McpServerTool

    config: _McpConfig = _parse(_McpConfig, spec.config, "config")
    return McpServerTool(
        spec.name,
        spec.description,
        config.model_dump(),
        spec.timeout_s or DEFAULT_MCP_TIMEOUT_S,
        owner_id=spec.owner_id,
    )


def tools_from_definition(definition: dict[str, Any]) -> list[Tool]:
    """The tools a definition gives an agent: itself, or an MCP server's discovered tools."""
    tool = tool_from_definition(definition)
    return list(getattr(tool, "tools", [tool])) if definition["kind"] == "mcp" else [tool]


def is_valid_name(name: str) -> bool:
    return re.match(NAME_PATTERN, name) is not None
