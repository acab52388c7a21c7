"""Flowise chatflows: a chain and an agent with their model, prompt and tools folded in."""

from __future__ import annotations

import pytest

from tests.workflows.importers.conftest import KNOWN, edge_ids, fixture, nodes_by_id, sources
from workflows.engine import validate
from workflows.importers import Imported, import_foreign


@pytest.fixture(scope="module")
def imported() -> Imported:
    return import_foreign(fixture("flowise_chatflow"), KNOWN)


def test_a_chatflow_is_recognised_and_validates(imported: Imported) -> None:
    assert imported.source_format == "flowise-chatflow"
    assert [p.as_dict() for p in validate(imported.graph)] == []


def test_a_chain_with_a_prompt_template_becomes_an_llm_between_input_and_output(
    imported: Imported,
) -> None:
    llm = nodes_by_id(imported.graph)["llmChain_0"]
    assert llm["kind"] == "llm"
    assert llm["config"]["prompt"] == "Tell me a short fact about {{in}}."
    assert llm["config"]["model"] == "builtin:smollm2-135m"
    assert {"input.out-llmChain_0.in", "llmChain_0.out-llmChain_0_output.in"} <= edge_ids(
        imported.graph
    )
    assert sources(imported.report, "mapped")["promptTemplate_0"] == "llm"


def test_a_tool_agent_keeps_its_known_model_its_system_message_and_builtin_tools(
    imported: Imported,
) -> None:
    assert nodes_by_id(imported.graph)["toolAgent_0"]["config"]["agent"] == "Math agent"
    assert imported.agents == [
        {
            "name": "Math agent",
            "system_prompt": "You solve arithmetic with the calculator.",
            "model": "anthropic:claude-3-5-haiku-latest",
            "builtin_tools": ["calculator"],
        }
    ]


def test_memory_and_a_custom_tool_are_notes_with_their_code_as_text(imported: Imported) -> None:
    nodes = nodes_by_id(imported.graph)
    assert nodes["bufferMemory_0"]["kind"] == "note"
    assert "fetch('http://evil')" in nodes["customTool_0"]["config"]["text"]
    assert set(sources(imported.report, "dropped")) == {"bufferMemory_0", "customTool_0"}
