"""docs/tools.md documents every registered builtin."""

from __future__ import annotations

from pathlib import Path

from tools.registry import BUILTINS

DOC = Path(__file__).resolve().parents[2] / "docs" / "tools.md"


def test_every_builtin_has_a_section_in_the_tools_doc() -> None:
    text = DOC.read_text()
    missing = [name for name in BUILTINS if f"### `{name}`" not in text]
    assert missing == []


def test_the_doc_explains_the_sandbox_threat_model() -> None:
    text = DOC.read_text().lower()
    for topic in ("network namespace", "mount namespace", "rlimit", "uid", "environment"):
        assert topic in text
