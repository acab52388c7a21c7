from __future__ import annotations

import pytest

from agents.memory.chunking import chunk_document, chunk_markdown, chunk_text

PROSE = "\n\n".join(
    f"Paragraph {n} talks about topic {n}. It has a second sentence for length." for n in range(30)
)


def test_chunks_are_exact_spans_within_size() -> None:
    chunks = chunk_text(PROSE, size=300, overlap=50)
    assert len(chunks) > 5
    for chunk in chunks:
        assert PROSE[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 300
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_consecutive_chunks_overlap_at_word_boundaries() -> None:
    chunks = chunk_text(PROSE, size=300, overlap=60)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.start < before.end
        assert before.end - after.start <= 60
        assert PROSE[after.start - 1].isspace()


def test_everything_is_covered() -> None:
    chunks = chunk_text(PROSE, size=200, overlap=0)
    assert " ".join(c.text for c in chunks).split() == PROSE.split()


def test_long_paragraph_is_cut_at_sentences() -> None:
    text = " ".join(f"Sentence number {n} is here." for n in range(100))
    chunks = chunk_text(text, size=200, overlap=0)
    assert all(c.text.endswith(".") for c in chunks)
    assert all(len(c.text) <= 200 for c in chunks)


MARKDOWN = """# Guide

Intro text.

## Install

Use pip.

```bash
# this is a comment, not a heading

pip install axweb
```

## Usage

### Running

Run it.
"""


def test_markdown_splits_on_headings_and_keeps_the_heading_path() -> None:
    chunks = chunk_markdown(MARKDOWN, size=500, overlap=0)
    assert [c.heading for c in chunks] == [
        "Guide",
        "Guide > Install",
        "Guide > Usage",
        "Guide > Usage > Running",
    ]
    install = chunks[1].text
    assert "# this is a comment" in install and "pip install axweb" in install
    assert chunks[3].for_embedding().startswith("Guide > Usage > Running\n")


def test_auto_detection_picks_markdown_or_plain_text() -> None:
    assert chunk_document(MARKDOWN)[0].heading == "Guide"
    assert chunk_document(PROSE)[0].heading == ""


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        chunk_text("x", size=100, overlap=60)


def test_empty_text_has_no_chunks() -> None:
    assert chunk_text("   \n\n  ") == [] and chunk_markdown("") == []
