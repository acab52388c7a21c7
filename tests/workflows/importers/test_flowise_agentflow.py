"""Flowise Agentflow v2: every node type of the fixture maps, and the result validates."""

from __future__ import annotations

import json

import pytest

from tests.workflows.importers.conftest import KNOWN, edge_ids, fixture, nodes_by_id, sources
from workflows.engine import validate
from workflows.importers import Imported, import_foreign


@pytest.fixture(scope="module")
def imported() -> Imported:
    return import_foreign(fixture("flowise_agentflow_v2"), KNOWN)


def test_the_agentflow_is_recognised_and_validates(imported: Imported) -> None:
    assert imported.source_format == "flowise-agentflow-v2"
    assert imported.name == "Support desk (agentflow)"
    assert [p.as_dict() for p in validate(imported.graph)] == []


def test_start_becomes_an_input_and_direct_replies_outputs(imported: Imported) -> None:
    nodes = nodes_by_id(imported.graph)
    assert nodes["startAgentflow_0"]["kind"] == "input"
    assert nodes["startAgentflow_0"]["config"]["name"] == "question"
    assert {nodes[f"directReplyAgentflow_{i}"]["kind"] for i in range(3)} == {"output"}


def test_an_llm_node_keeps_its_messages_and_an_unknown_model_becomes_the_builtin_one(
    imported: Imported,
) -> None:
    llm = nodes_by_id(imported.graph)["llmAgentflow_0"]
    assert llm["kind"] == "llm"
    assert llm["config"]["system"] == "You draft support replies."
    assert llm["config"]["prompt"] == "Draft a reply to: {{in}}"
    assert llm["config"]["model"] == "builtin:smollm2-135m"
    assert any("gpt-4o-mini" in w and "builtin" in w for w in imported.report.warnings)


def test_a_condition_becomes_an_expression_on_the_input_with_true_and_else_branches(
    imported: Imported,
) -> None:
    condition = nodes_by_id(imported.graph)["conditionAgentflow_0"]
    assert condition["config"]["expression"] == '"urgent" in str(value)'
    edges = edge_ids(imported.graph)
    assert "conditionAgentflow_0.true-loopAgentflow_0.in" in edges
    assert "conditionAgentflow_0.false-directReplyAgentflow_1.in" in edges


def test_the_loop_back_becomes_a_loop_whose_body_holds_the_agent_and_the_human_check(
    imported: Imported,
) -> None:
    loop = nodes_by_id(imported.graph)["loopAgentflow_0"]
    assert loop["kind"] == "loop"
    assert loop["config"]["max_iterations"] == 2
    body = nodes_by_id(loop["config"]["body"])
    assert body["agentAgentflow_0"]["kind"] == "agent"
    assert body["humanInputAgentflow_0"]["kind"] == "approval"
    assert body["body_in"]["config"]["name"] == "state"
    assert "agentAgentflow_0" not in nodes_by_id(imported.graph)


def test_the_agent_keeps_the_tools_that_have_a_builtin_and_reports_the_others(
    imported: Imported,
) -> None:
    (agent,) = imported.agents
    assert agent == {
        "name": "Escalation agent",
        "system_prompt": "You escalate urgent tickets.",
        "model": "anthropic:claude-3-5-haiku-latest",
        "builtin_tools": ["calculator"],
    }
    assert sources(imported.report, "approximated")["agentAgentflow_0"] == "agent"
    assert any(
        "braveSearchAPI" in e["why"]
        for e in imported.report.approximated
        if e["source"] == "agentAgentflow_0"
    )


def test_an_iteration_becomes_a_map_over_the_json_list_the_model_answers(
    imported: Imported,
) -> None:
    nodes = nodes_by_id(imported.graph)
    assert nodes["iterationAgentflow_0"]["kind"] == "map"
    assert nodes["llmAgentflow_1"]["config"]["output"] == "json"
    body = nodes_by_id(nodes["iterationAgentflow_0"]["config"]["body"])
    assert body["llmAgentflow_2"]["kind"] == "llm"
    assert "iterationAgentflow_0_items.first-iterationAgentflow_0.items" in edge_ids(imported.graph)


def test_custom_code_is_kept_as_text_in_a_note_and_never_run(imported: Imported) -> None:
    note = nodes_by_id(imported.graph)["customFunctionAgentflow_0"]
    assert note["kind"] == "note"
    assert "fs.writeFileSync('/tmp/pwned'" in note["config"]["text"]
    assert sources(imported.report, "dropped")["customFunctionAgentflow_0"] == "note"


def test_a_sticky_note_stays_a_note(imported: Imported) -> None:
    note = nodes_by_id(imported.graph)["stickyNoteAgentflow_0"]
    assert note["config"]["text"] == "Urgent tickets are escalated after a human check."


def test_several_conditions_become_a_rule_router_with_a_default() -> None:
    document = fixture("flowise_agentflow_simple")
    condition = next(n for n in document["nodes"] if n["id"] == "conditionAgentflow_0")
    condition["data"]["inputs"]["conditions"] = [
        {"type": "number", "value1": "x", "operation": "larger", "value2": "3"},
        {"type": "string", "value1": "x", "operation": "startsWith", "value2": "Hi"},
    ]
    router = nodes_by_id(import_foreign(document, KNOWN).graph)["conditionAgentflow_0"]
    assert router["kind"] == "router"
    assert [r["expression"] for r in router["config"]["routes"]] == [
        "float(value) > 3.0",
        'str(value).startswith("Hi")',
    ]
    # output-1 of two conditions is the second route; the else branch would be output-2
    imported = import_foreign(document, KNOWN)
    assert "conditionAgentflow_0.case_1-customFunctionAgentflow_0.in" not in edge_ids(
        imported.graph
    )
    assert [p.as_dict() for p in validate(imported.graph)] == []


def test_every_position_is_laid_out_without_two_nodes_on_one_spot(imported: Imported) -> None:
    spots = [json.dumps(n["position"]) for n in imported.graph["nodes"]]
    assert len(spots) == len(set(spots))
