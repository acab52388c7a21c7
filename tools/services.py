"""Running tools for runs and agents: resolve by name, execute once per idempotency key."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import IntegrityError

from tools.base import Tool, ToolContext, ToolError
from tools.models import Tool as ToolRow
from tools.models import ToolCallRecord
from tools.registry import BUILTINS, ToolDefinitionError, UnknownTool, builtin, tool_from_definition


def tool_definition(row: ToolRow) -> dict[str, Any]:
    return {"name": row.name, "kind": row.kind, "description": row.description,
            "input_schema": row.input_schema or {"type": "object"}, "config": row.config,
            "timeout_s": row.timeout_s}


def tool_resolve(owner_id: int, name: str) -> Tool:
    """The owner's tool named `name`, else the builtin; ToolError says what exists."""
    row = ToolRow.objects.filter(owner_id=owner_id, name=name).first()
    if row is not None:
        return tool_from_definition(tool_definition(row))
    try:
        return builtin(name)
    except UnknownTool:
        mine = list(ToolRow.objects.filter(owner_id=owner_id).values_list("name", flat=True))
        known = ", ".join(sorted([*BUILTINS, *mine]))
        raise ToolError(f"There is no tool named '{name}'. Available tools: {known}.", code="unknown_tool") from None


def tools_catalog(owner_id: int) -> list[dict[str, Any]]:
    from tools.registry import catalog

    user_tools = []
    for row in ToolRow.objects.filter(owner_id=owner_id):
        try:
            user_tools.append({**tool_from_definition(tool_definition(row)).describe(), "builtin": False, "id": row.id})
        except ToolDefinitionError as exc:  # saved before definitions were checked whole: listed, not usable
            user_tools.append({"name": row.name, "description": row.description, "input_schema": {"type": "object"},
                               "builtin": False, "id": row.id, "invalid": f"Fix this tool: {exc}"})
    return [*catalog(), *user_tools]


def _stored_result(key: str) -> tuple[bool, Any]:
    record = ToolCallRecord.objects.filter(key=key).first()
    return (True, record.result) if record else (False, None)


def _store_result(run_id: str, key: str, tool: str, args: dict[str, Any], result: Any) -> None:
    try:
        stored = json.loads(json.dumps(result, default=str))
        ToolCallRecord.objects.create(run_id=run_id, key=key, tool=tool, arguments=args, result=stored)
    except IntegrityError:  # a concurrent duplicate already stored it
        pass


async def tool_execute(*, owner_id: int, name: str, args: dict[str, Any], run_id: str, node_id: str,
                       idempotency_key: str, memory: Any, emit: Any, run_agent: Any, run_workflow: Any) -> Any:
    found, result = await sync_to_async(_stored_result)(idempotency_key)
    if found:
        return result
    tool = await sync_to_async(tool_resolve)(owner_id, name)
    ctx = ToolContext(run_id=run_id, node_id=node_id, idempotency_key=idempotency_key, memory=memory,
                      emit=emit, allowed_hosts=frozenset(settings.AXWEB_HTTP_ALLOWED_HOSTS),
                      search=memory.search, run_agent=run_agent, run_workflow=run_workflow)
    result = await tool.invoke(ctx, args)
    await sync_to_async(_store_result)(run_id, idempotency_key, name, args, result)
    return result
