"""Split documents into overlapping chunks of about ``size`` characters.

Plain text is split on paragraphs (blank lines); Markdown first on headings (outside
code fences), so a chunk never straddles two sections and carries its heading path
("Install > Linux"). Paragraphs are packed greedily up to ``size``; a paragraph
longer than that is cut at sentence ends, else at spaces. Consecutive chunks of a
section share up to ``overlap`` characters, starting at a word boundary. Every chunk
is an exact span ``text[start:end]`` of the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
FENCE = re.compile(r"^\s*(```|~~~)")
BLANK_LINES = re.compile(r"\n[ \t]*\n")
SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s|\n")
# ~500 characters is ~110-130 word pieces: all-MiniLM-L6-v2 was trained on 128-piece inputs.
DEFAULT_SIZE = 500
DEFAULT_OVERLAP = 60


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    start: int
    end: int
    heading: str = ""

    def for_embedding(self) -> str:
        """The text to embed: the heading path gives a chunk its context."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


Span = tuple[int, int]


def _strip_span(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_point(text: str, start: int, limit: int) -> int:
    window = text[start:limit]
    ends = [m.end() for m in SENTENCE_END.finditer(window)]
    if ends and ends[-1] > len(window) // 2:
        return start + ends[-1]
    space = window.rfind(" ")
    return start + space + 1 if space > len(window) // 2 else limit


def _split_long(text: str, span: Span, max_len: int) -> list[Span]:
    start, end = span
    pieces: list[Span] = []
    while end - start > max_len:
        cut = _cut_point(text, start, start + max_len)
        pieces.append(_strip_span(text, start, cut))
        start = cut
    pieces.append(_strip_span(text, start, end))
    return [p for p in pieces if p[1] > p[0]]


def _paragraphs(text: str, span: Span) -> list[Span]:
    """Blank-line separated paragraphs of ``text[span]``; code fences stay whole."""
    start, end = span
    units: list[Span] = []
    cursor = segment_start = start
    in_fence = False
    for match in BLANK_LINES.finditer(text, start, end):
        segment = text[segment_start : match.start()]
        if sum(1 for line in segment.splitlines() if FENCE.match(line)) % 2:
            in_fence = not in_fence
        segment_start = match.end()
        if not in_fence:
            units.append(_strip_span(text, cursor, match.start()))
            cursor = match.end()
    units.append(_strip_span(text, cursor, end))
    return [u for u in units if u[1] > u[0]]


def _tail_start(text: str, end: int, overlap: int, floor: int) -> int:
    pos = max(end - overlap, floor)
    if pos >= end or overlap <= 0:
        return end
    while pos < end and not text[pos - 1].isspace():
        pos += 1
    return pos


def _pack(text: str, units: list[Span], size: int, overlap: int) -> list[Span]:
    spans: list[Span] = []
    i, start = 0, units[0][0] if units else 0
    while i < len(units):
        end, j = units[i][1], i + 1
        while j < len(units) and units[j][1] - start <= size:
            end, j = units[j][1], j + 1
        spans.append(_strip_span(text, start, end))
        if j >= len(units):
            break
        start, i = min(_tail_start(text, end, overlap, start + 1), units[j][0]), j
    return spans


def _chunks_of(text: str, span: Span, size: int, overlap: int) -> list[Span]:
    units: list[Span] = []
    for unit in _paragraphs(text, span):
        units.extend(_split_long(text, unit, max(size - overlap, size // 2)))
    return _pack(text, units, size, overlap)


def _sections(text: str) -> list[tuple[str, Span]]:
    """(heading path, span) per Markdown section, headings inside code fences ignored."""
    sections: list[tuple[str, Span]] = []
    stack: list[tuple[int, str]] = []
    path, start, offset, in_fence = "", 0, 0, False
    for line in text.splitlines(keepends=True):
        if FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else HEADING.match(line.rstrip("\n"))
        if heading:
            sections.append((path, (start, offset)))
            level = len(heading.group(1))
            stack = [(lvl, title) for lvl, title in stack if lvl < level]
            stack.append((level, heading.group(2).strip()))
            path, start = " > ".join(title for _, title in stack), offset
        offset += len(line)
    sections.append((path, (start, len(text))))
    return [(p, s) for p, s in sections if text[s[0] : s[1]].strip()]


def chunk_text(text: str, size: int = DEFAULT_SIZE, overlap: int = DEFAULT_OVERLAP) -> list[Chunk]:
    """Plain-text chunks (paragraph aware)."""
    _check(size, overlap)
    spans = _chunks_of(text, (0, len(text)), size, overlap)
    return [Chunk(i, text[s:e], s, e) for i, (s, e) in enumerate(spans)]


def chunk_markdown(
    text: str, size: int = DEFAULT_SIZE, overlap: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    """Markdown chunks: never across headings; each carries its heading path."""
    _check(size, overlap)
    chunks: list[Chunk] = []
    for path, span in _sections(text):
        for s, e in _chunks_of(text, span, size, overlap):
            chunks.append(Chunk(len(chunks), text[s:e], s, e, path))
    return chunks


def looks_like_markdown(text: str) -> bool:
    return any(HEADING.match(line) for line in text.splitlines())


def chunk_document(
    text: str,
    *,
    markdown: bool | None = None,
    size: int = DEFAULT_SIZE,
    overlap: int = DEFAULT_OVERLAP,
) -> list[Chunk]:
    """Chunk ``text``; ``markdown=None`` decides from the presence of headings."""
    is_markdown = looks_like_markdown(text) if markdown is None else markdown
    return (chunk_markdown if is_markdown else chunk_text)(text, size, overlap)


def _check(size: int, overlap: int) -> None:
    if size < 50 or not 0 <= overlap < size // 2:
        raise ValueError("size must be >= 50 and 0 <= overlap < size / 2")
