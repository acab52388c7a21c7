"""Langflow exports: inputs, prompt + model, if-else, agent with tools, loop, custom code."""

from __future__ import annotations

import pytest

from tests.workflows.importers.conftest import KNOWN, edge_ids, fixture, nodes_by_id, sources
from workflows.engine import validate
from workflows.importers import Imported, ImportFormatError, import_foreign


@pytest.fixture(scope="module")
def imported() -> Imported:
    return import_foreign(fixture("langflow_flow"), KNOWN)


def test_a_langflow_export_is_recognised_and_validates(imported: Imported) -> None:
    assert imported.source_format == "langflow"
    assert imported.description.startswith("Langflow fixture")
    assert [p.as_dict() for p in validate(imported.graph)] == []


def test_chat_and_text_inputs_and_outputs_map_to_ours(imported: Imported) -> None:
    nodes = nodes_by_id(imported.graph)
    assert nodes["ChatInput_a1"]["kind"] == nodes["TextInput_j1"]["kind"] == "input"
    assert {nodes[i]["kind"] for i in ("ChatOutput_e5", "ChatOutput_i9", "TextOutput_m4")} == {
        "output"
    }


def test_a_prompt_is_folded_into_the_model_it_feeds(imported: Imported) -> None:
    llm = nodes_by_id(imported.graph)["OpenAIModel_c3"]
    assert llm["config"]["prompt"] == "Answer the question: {{in}}"
    assert llm["config"]["system"] == "Be brief."
    assert "ChatInput_a1.out-OpenAIModel_c3.in" in edge_ids(imported.graph)
    assert "Prompt_b2" not in nodes_by_id(imported.graph)


def test_if_else_becomes_a_condition_with_both_branches(imported: Imported) -> None:
    condition = nodes_by_id(imported.graph)["ConditionalRouter_d4"]
    assert condition["config"]["expression"] == '"yes" in lower(str(value))'
    assert {
        "ConditionalRouter_d4.true-ChatOutput_e5.in",
        "ConditionalRouter_d4.false-Agent_f6.in",
    } <= edge_ids(imported.graph)


def test_tools_wired_into_an_agent_become_its_builtin_tools(imported: Imported) -> None:
    assert imported.agents == [
        {
            "name": "Helper agent",
            "model": "anthropic:claude-3-5-haiku-latest",
            "builtin_tools": ["calculator", "python"],
            "system_prompt": "You help with numbers.",
        }
    ]
    assert "CalculatorComponent_g7" not in nodes_by_id(imported.graph)


def test_a_loop_becomes_a_map_whose_body_is_the_path_back_to_it(imported: Imported) -> None:
    nodes = nodes_by_id(imported.graph)
    loop = nodes["LoopComponent_k2"]
    assert loop["kind"] == "map"
    body = nodes_by_id(loop["config"]["body"])
    assert body["OllamaModel_l3"]["config"]["model"] == "builtin:smollm2-135m"
    assert nodes["TextInput_j1"]["config"] == {
        "name": "topics",
        "type": "list",
        "default": ["a", "b"],
    }
    assert "LoopComponent_k2.out-TextOutput_m4.in" in edge_ids(imported.graph)


def test_custom_code_becomes_a_note_and_the_flow_passes_through_it(imported: Imported) -> None:
    note = nodes_by_id(imported.graph)["CustomComponent_n5"]
    assert note["kind"] == "note"
    assert "os.system('rm -rf /')" in note["config"]["text"]
    assert "Agent_f6.out-ChatOutput_i9.in" in edge_ids(imported.graph)
    assert sources(imported.report, "dropped") == {"CustomComponent-n5": "note"}


def test_a_langflow_note_stays_a_note(imported: Imported) -> None:
    assert nodes_by_id(imported.graph)["note_o6"]["config"]["text"].startswith("Yes goes left")


@pytest.mark.parametrize("document", [[], {"nodes": "x"}, {"name": "no nodes"}, "text"])
def test_a_file_of_no_known_format_is_refused_with_a_sentence(document: object) -> None:
    with pytest.raises(ImportFormatError):
        import_foreign(document, KNOWN)


@pytest.mark.parametrize(
    "document",
    [
        {"data": {"nodes": [{"id": "x", "data": ["not", "an", "object"]}], "edges": []}},
        {
            "nodes": [
                {"id": "c", "data": {"name": "conditionAgentflow", "inputs": {"conditions": 3}}}
            ]
        },
        {"nodes": [{"id": "l", "data": {"name": "llmAgentflow", "label": 7, "inputs": []}}]},
    ],
)
def test_an_export_with_values_of_the_wrong_shape_is_refused_or_imported_never_a_crash(
    document: dict[str, object],
) -> None:
    try:
        imported = import_foreign(document, KNOWN)
    except ImportFormatError as exc:
        assert "unexpected shape" in str(exc)
    else:
        assert [p.as_dict() for p in validate(imported.graph)] == []
