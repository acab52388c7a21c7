from __future__ import annotations

import pytest

from agents.memory.blackboard import MISSING, Blackboard, MergeError, merge


def test_replace_takes_the_incoming_value() -> None:
    assert merge("replace", {"a": 1}, [1]) == [1]


def test_append_extends_lists_and_wraps_scalars() -> None:
    assert merge("append", MISSING, "a") == ["a"]
    assert merge("append", ["a"], ["b", "c"]) == ["a", "b", "c"]
    assert merge("append", "a", "b") == ["a", "b"]


def test_merge_combines_nested_objects() -> None:
    current = {"a": {"x": 1, "y": 2}, "b": 1}
    assert merge("merge", current, {"a": {"y": 3}, "c": 4}) == {
        "a": {"x": 1, "y": 3},
        "b": 1,
        "c": 4,
    }
    assert current == {"a": {"x": 1, "y": 2}, "b": 1}


def test_merge_refuses_non_objects_and_unknown_policies() -> None:
    with pytest.raises(MergeError, match="needs objects"):
        merge("merge", [1], {"a": 1})
    with pytest.raises(MergeError, match="unknown merge policy 'sum'"):
        merge("sum", 1, 2)


def test_blackboard_keeps_history_and_isolates_values() -> None:
    board = Blackboard()
    board.write("notes", "first", "append", writer="planner")
    stored = board.write("notes", "second", "append", writer="critic")
    stored.append("mutated outside")
    assert board.read("notes") == ["first", "second"]
    assert [(w.version, w.writer, w.value) for w in board.history] == [
        (1, "planner", ["first"]),
        (2, "critic", ["first", "second"]),
    ]
    assert board.read("missing", "default") == "default"
    assert board.snapshot() == {"notes": ["first", "second"]}
