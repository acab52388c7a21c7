"""Text corpora shipped with the system, so evaluation and calibration run offline.

Evaluation text: Python's ``pydoc_data.topics`` (values joined in sorted-key order with
blank lines). Calibration text: by default the same text's tokens after the evaluated
ones (held out; see ``agents.lab.jobs.calibration``), or the license texts under
/usr/share/common-licenses (a different domain).
"""

from __future__ import annotations

from pathlib import Path

LICENSES_DIR = Path("/usr/share/common-licenses")


def pydoc_topics_text() -> str:
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key] for key in sorted(topics))


def license_texts(directory: Path = LICENSES_DIR) -> str:
    """All regular license files (symlinks skipped: they duplicate versioned files)."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.is_symlink())
    if not files:
        raise FileNotFoundError(f"no license texts in {directory}")
    return "\n\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


CORPORA = {"pydoc_topics": pydoc_topics_text, "licenses": license_texts}


def corpus_text(name: str) -> str:
    try:
        return CORPORA[name]()
    except KeyError:
        raise ValueError(f"unknown corpus {name!r}; known: {', '.join(CORPORA)}") from None
