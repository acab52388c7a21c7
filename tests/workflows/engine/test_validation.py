"""Static validation lists every problem, each as a sentence naming where it is."""

from __future__ import annotations

from tests.workflows.engine.builders import edge, graph, io_chain, llm, node
from workflows.engine.result import Problem
from workflows.engine.validation import validate


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def test_a_valid_graph_has_no_problems():
    assert validate(io_chain(llm("a"), node("t", "tool", tool="x"))) == []


def test_duplicate_node_and_edge_ids():
    doc = io_chain(llm("a"))
    doc["nodes"].append(llm("a"))
    doc["edges"].append(dict(doc["edges"][0]))
    problems = validate(doc)
    assert codes(problems).count("duplicate_id") == 2
    assert {p.node for p in problems if p.code == "duplicate_id"} == {"a", None}


def test_unknown_kind_names_the_node():
    problem = only(validate(io_chain(node("x", "telepathy"))), "unknown_kind")
    assert (problem.node, problem.field) == ("x", "kind")
    assert "telepathy" in problem.message


def test_invalid_config_names_the_field():
    loop = node("l", "loop", max_iterations=0, body=graph([], []))
    problems = validate(io_chain(loop))
    problem = next(p for p in problems if p.field == "config.max_iterations")
    assert problem.code == "invalid_config" and problem.node == "l"
    assert "greater than or equal to 1" in problem.message


def test_unknown_config_fields_are_refused():
    problem = only(validate(io_chain(llm("a", temprature=1))), "invalid_config")
    assert problem.field == "config.temprature"


def test_missing_required_input():
    doc = io_chain(llm("a"))
    doc["nodes"].append(llm("lonely"))
    doc["edges"].append(edge("lonely", "out", edge_id="x"))
    problem = only(validate(doc), "missing_input")
    assert (problem.node, problem.field) == ("lonely", "inputs.in")


def test_port_type_mismatch_names_both_ports():
    doc = graph(
        [
            node("in", "input"),
            llm("n1"),
            node(
                "n2",
                "map",
                body=graph(
                    [node("i", "input", name="item"), node("o", "output")], [edge("i", "o")]
                ),
            ),
            node("out", "output"),
        ],
        [edge("in", "n1"), edge("n1", "n2", target_port="items", edge_id="e7"), edge("n2", "out")],
    )
    problem = only(validate(doc), "type_mismatch")
    assert problem.message.startswith("n1.out (text) → n2.items (list)")
    assert problem.edge == "e7"


def test_text_does_not_feed_json_but_any_feeds_everything():
    doc = graph(
        [
            node("in", "input", type="text"),
            node("in2", "input", name="b"),
            node("sub", "subflow", workflow="w"),
            node("o", "output"),
            node(
                "m",
                "map",
                body=graph(
                    [node("i", "input", name="item"), node("o", "output")], [edge("i", "o")]
                ),
            ),
            node("o2", "output", name="o2"),
        ],
        [
            edge("in", "sub"),
            edge("sub", "m", target_port="items", edge_id="bad"),
            edge("in2", "o", edge_id="x"),
            edge("m", "o2"),
        ],
    )
    problem = only(validate(doc), "type_mismatch")
    assert problem.message.startswith("sub.out (json) → m.items (list)")


def test_unknown_ports_on_either_side():
    doc = io_chain(llm("a"))
    doc["edges"][0]["source_port"] = "nope"
    doc["edges"][1]["target_port"] = "zzz"
    problems = [p for p in validate(doc) if p.code == "unknown_port"]
    assert [p.field for p in problems] == ["source_port", "target_port"]
    assert 'no output named "nope"' in problems[0].message


def test_error_port_needs_the_error_edge_policy():
    doc = io_chain(llm("a"))
    doc["nodes"].append(node("h", "output", name="h"))
    doc["edges"].append(edge("a", "h", "error"))
    assert 'on_error to "error_edge"' in only(validate(doc), "unknown_port").message
    doc["nodes"][1]["on_error"] = "error_edge"
    assert validate(doc) == []


def test_a_cycle_outside_a_loop_node():
    doc = io_chain(llm("a"), node("j", "join"), llm("b"))
    doc["edges"].append(edge("b", "j", edge_id="back"))
    problem = only(validate(doc), "cycle")
    assert "a loop node" in problem.message and "j → b → j" in problem.message


def test_a_loop_without_an_exit():
    body = graph(
        [node("s", "input", name="state"), node("o", "output", name="state")], [edge("s", "o")]
    )
    problem = only(validate(io_chain(node("l", "loop", body=body))), "loop_without_exit")
    assert problem.node == "l" and "exit" in problem.message


def test_loop_and_map_bodies_are_validated_too():
    body = graph(
        [node("s", "input", name="state"), node("x", "nope"), node("o", "output")],
        [edge("s", "x"), edge("x", "o")],
    )
    problems = validate(io_chain(node("l", "loop", body=body, max_iterations=2)))
    problem = only(problems, "unknown_kind")
    assert problem.node == "l" and problem.field == "config.body.kind"
    assert problem.message.startswith("In the body of l: Node x has an unknown kind")


def test_a_problem_inside_nested_bodies_names_the_path_down_to_the_node():
    inner = graph(
        [node("s", "input", name="item"), node("x", "nope"), node("o", "output")],
        [edge("s", "x"), edge("x", "o")],
    )
    outer = graph(
        [node("s", "input", name="state"), node("m", "map", body=inner), node("o", "output")],
        [edge("s", "m", target_port="items"), edge("m", "o")],
    )
    problems = validate(io_chain(node("l", "loop", body=outer, max_iterations=2)))
    problem = only(problems, "unknown_kind")
    assert (problem.node, problem.path) == ("l", ("l", "m", "x"))
    assert problem.as_dict()["path"] == ["l", "m", "x"]


def test_a_problem_outside_bodies_has_no_path_on_the_wire():
    doc = io_chain(llm("a"))
    doc["nodes"].append(node("x", "nope"))
    assert "path" not in only(validate(doc), "unknown_kind").as_dict()


def test_a_body_needs_its_named_input_and_an_output():
    body = graph([node("s", "input", name="wrong")], [])
    problems = validate(io_chain(node("m", "map", body=body)))
    assert codes(problems).count("invalid_body") == 2


def test_unreachable_nodes_are_listed():
    doc = io_chain(llm("a"))
    doc["nodes"] += [node("r", "memory_read", key="k"), node("o2", "output", name="o2")]
    doc["edges"].append(edge("r", "o2"))
    problems = [p for p in validate(doc) if p.code == "unreachable"]
    assert [p.node for p in problems] == ["r", "o2"]
    assert "not reachable from any input node" in problems[0].message


def test_a_graph_without_input_nodes():
    assert codes(validate(graph([llm("a")], []))) == ["missing_input", "no_input"]


def test_edges_to_unknown_nodes():
    doc = io_chain(llm("a"))
    doc["edges"].append(edge("a", "ghost", edge_id="e9"))
    problem = only(validate(doc), "unknown_node")
    assert (problem.edge, problem.field) == ("e9", "target")
    assert '"ghost"' in problem.message


def test_one_connection_per_single_input():
    doc = io_chain(llm("a"))
    doc["nodes"].append(llm("b"))
    doc["edges"] += [edge("in", "b"), edge("b", "out", edge_id="second")]
    problem = only(validate(doc), "too_many_connections")
    assert problem.node == "out" and "use a join" in problem.message


def test_notes_cannot_be_connected():
    doc = io_chain(llm("a"))
    doc["nodes"].append(node("n", "note"))
    doc["edges"].append(edge("a", "n"))
    assert "cannot be connected" in only(validate(doc), "unknown_port").message


def test_every_problem_is_listed_at_once():
    doc = io_chain(node("x", "nope"), llm("a", temprature=3))
    doc["nodes"].append(llm("a"))
    doc["edges"].append(edge("a", "missing"))
    assert set(codes(validate(doc))) >= {
        "unknown_kind",
        "invalid_config",
        "duplicate_id",
        "unknown_node",
    }


def test_malformed_nodes_and_documents_are_problems_not_crashes():
    assert codes(validate({"schema_version": 1, "nodes": [{"kind": "llm"}]})) == ["invalid_node"]
    assert codes(validate({"schema_version": 9})) == ["schema_version"]
    assert codes(validate({"schema_version": 1, "colour": 1})) == ["invalid_document"]


def test_invalid_expressions_and_router_routes_are_problems():
    doc = io_chain(node("c", "condition", expression="value >"))
    assert only(validate(doc), "invalid_config").field == "config.expression"
    router = node(
        "r",
        "router",
        routes=[{"name": "a", "expression": "True"}, {"name": "a", "expression": "True"}],
    )
    doc = graph(
        [node("in", "input"), router, node("o", "output")], [edge("in", "r"), edge("r", "o", "a")]
    )
    assert only(validate(doc), "invalid_config").field == "config.routes[1].name"


def test_problems_serialise_to_the_api_shape():
    problem = only(validate(io_chain(node("x", "nope"))), "unknown_kind")
    assert problem.as_dict() == {
        "code": "unknown_kind",
        "message": problem.message,
        "node": "x",
        "edge": None,
        "field": "kind",
    }


def test_malformed_edges_are_problems():
    doc = io_chain(llm("a"))
    doc["edges"].append({"id": "bad", "source": "a"})
    problem = only(validate(doc), "invalid_edge")
    assert (problem.edge, problem.field) == ("bad", "target")
