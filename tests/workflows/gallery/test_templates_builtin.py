"""Three templates run out of the box on the builtin model (real inference: slow)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows.gallery.test_templates import run_template
from workflows.gallery.spec import BUILTIN_MODEL


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("slug", ["triage-rules", "rag-qa", "length-check"])
def test_a_template_runs_to_success_on_the_builtin_model(owner: Any, slug: str) -> None:
    run = run_template(owner, slug, model=BUILTIN_MODEL)
    assert run.status == "succeeded", run.error
    answer = next(iter(run.outputs.values()))
    assert isinstance(answer, str) and answer.strip()
