"""Running tools for runs and agents: resolve by name, execute once per idempotency key."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from axweb.db_retry import retrying
from tools.base import Tool, ToolContext, ToolError
from tools.models import Tool as ToolRow
from tools.models import ToolCallRecord
from tools.registry import (
    BUILTINS,
    MCP_SEPARATOR,
    ToolDefinitionError,
    UnknownTool,
    builtin,
    tool_from_definition,
    tools_from_definition,
)

STARTED = "started"


class ToolMayHaveRun(ToolError):  # noqa: N818 - reads as a sentence
    """A non-idempotent call was started before a crash and has no result: never retried."""

    retryable = False


def tool_definition(row: ToolRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "kind": row.kind,
        "description": row.description,
        "input_schema": row.input_schema or {"type": "object"},
        "config": row.config,
        "timeout_s": row.timeout_s,
        "owner_id": row.owner_id,
    }


def tool_url_problem(url: str) -> str | None:
    """Why the outbound guard would refuse a user HTTP tool's URL on this server, or None.
    Literal addresses are judged now; names are resolved and checked on every call."""
    from tools.outbound import url_problem

    return url_problem(url, frozenset(settings.AXWEB_HTTP_ALLOWED_HOSTS))


def _mcp_resolve(owner_id: int, name: str) -> Tool | None:
    """`<server>__<tool>`: a discovered tool of the owner's MCP server row `server`."""
    server, _, _remote = name.partition(MCP_SEPARATOR)
    row = ToolRow.objects.filter(owner_id=owner_id, name=server, kind=ToolRow.Kind.MCP).first()
    if row is None:
        return None
    tools = tools_from_definition(tool_definition(row))
    found = next((t for t in tools if t.name == name), None)
    if found is None:
        known = ", ".join(t.name for t in tools) or "none yet: refresh the server's tools"
        raise ToolError(
            f"The MCP server '{server}' has no tool '{name}'. Its tools: {known}.",
            code="unknown_tool",
        )
    return found


def tool_resolve(owner_id: int, name: str) -> Tool:
    """The owner's tool named `name`, else the builtin; ToolError says what exists."""
    row = ToolRow.objects.filter(owner_id=owner_id, name=name).first()
    if row is not None:
        return tool_from_definition(tool_definition(row))
    if MCP_SEPARATOR in name and (discovered := _mcp_resolve(owner_id, name)) is not None:
        return discovered
    try:
        return builtin(name)
    except UnknownTool:
        mine = list(ToolRow.objects.filter(owner_id=owner_id).values_list("name", flat=True))
        known = ", ".join(sorted([*BUILTINS, *mine]))
        raise ToolError(
            f"There is no tool named '{name}'. Available tools: {known}.", code="unknown_tool"
        ) from None


def tools_catalog(owner_id: int) -> list[dict[str, Any]]:
    from tools.registry import catalog

    user_tools = []
    for row in ToolRow.objects.filter(owner_id=owner_id):
        try:
            user_tools += [
                {**tool.describe(), "builtin": False, "id": row.id}
                for tool in tools_from_definition(tool_definition(row))
            ]
        except (
            ToolDefinitionError
        ) as exc:  # saved before definitions were checked whole: listed, not usable
            user_tools.append(
                {
                    "name": row.name,
                    "description": row.description,
                    "input_schema": {"type": "object"},
                    "builtin": False,
                    "id": row.id,
                    "invalid": f"Fix this tool: {exc}",
                }
            )
    return [*catalog(), *user_tools]


def tool_mcp_refresh(*, row: ToolRow) -> ToolRow:
    """Ask the MCP server of `row` for its tools and store them; ToolError says why not."""
    from asgiref.sync import async_to_sync

    from tools.mcp_client import mcp_discover

    allowed = frozenset(settings.AXWEB_HTTP_ALLOWED_HOSTS)
    discovered = async_to_sync(mcp_discover)(row.config, allowed, owner_id=row.owner_id)
    row.config = {**row.config, "tools": discovered, "refreshed_at": timezone.now().isoformat()}
    row.save(update_fields=["config", "updated_at"])
    return row


def _call_begin(
    run_id: str, key: str, tool: str, args: dict[str, Any], repeatable: bool
) -> tuple[bool, Any]:
    """(True, result) when the call already finished; else record it as started (durably,
    before it runs) and return (False, None). A call started earlier that never finished (its
    worker died or stalled) is run again only when `repeatable`: otherwise it may have had its
    effect, and repeating it blindly could do that twice."""
    record = ToolCallRecord.objects.filter(key=key).first()
    if record is None:
        try:
            ToolCallRecord.objects.create(
                run_id=run_id, key=key, tool=tool, arguments=args, state=STARTED
            )
        except IntegrityError:  # another worker recorded it meanwhile
            record = ToolCallRecord.objects.get(key=key)
        else:
            return False, None
    if record.state != STARTED:
        return True, record.result
    if not repeatable:
        raise ToolMayHaveRun(
            f"Tool call {key} ({tool}) may have run already: its worker stopped before "
            "recording the result, and the tool is not idempotent, so it was not repeated. "
            "Check its effect, then re-run the workflow from this node.",
            code="may_have_run",
        )
    return False, None


def _call_end(key: str, result: Any) -> None:
    stored = json.loads(json.dumps(result, default=str))
    ToolCallRecord.objects.filter(key=key).update(result=stored, state="done")


async def tool_execute(
    *,
    owner_id: int,
    name: str,
    args: dict[str, Any],
    run_id: str,
    node_id: str,
    idempotency_key: str,
    memory: Any,
    emit: Any,
    run_agent: Any,
    run_workflow: Any,
) -> Any:
    tool = await sync_to_async(retrying(tool_resolve))(owner_id, name)
    found, result = await sync_to_async(retrying(_call_begin))(
        run_id, idempotency_key, name, args, tool.idempotent_for(args)
    )
    if found:
        return result
    ctx = ToolContext(
        run_id=run_id,
        node_id=node_id,
        idempotency_key=idempotency_key,
        memory=memory,
        emit=emit,
        allowed_hosts=frozenset(settings.AXWEB_HTTP_ALLOWED_HOSTS),
        search=memory.search,
        run_agent=run_agent,
        run_workflow=run_workflow,
    )
    result = await tool.invoke(ctx, args)
    await sync_to_async(retrying(_call_end))(idempotency_key, result)
    return result


def tool_ensure(
    *, owner: Any, name: str, kind: str, description: str, config: dict[str, Any], schema: Any
) -> tuple[int, bool]:
    """The id of `owner`'s tool `name`, created from the given definition when missing
    (an existing one is kept as it is); and whether it was created."""
    row, created = ToolRow.objects.get_or_create(
        owner=owner,
        name=name,
        defaults={
            "kind": kind,
            "description": description,
            "config": config,
            "input_schema": schema,
        },
    )
    return row.pk, created
