"""Stateful fuzzing of every /api/ endpoint as two users (the short form of `fuzz_api`)."""

from __future__ import annotations

import pytest

from axweb.fuzzing import fuzz_api

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]


def test_fuzzing_every_endpoint_as_two_users_finds_no_server_error_and_no_cross_user_access() -> (
    None
):
    figures = fuzz_api(cases=100)  # per user; plus B's 404 probes of each of A's objects
    assert figures["cases"] >= 200
    assert figures["server_errors"] == 0, figures["details"]["server_errors"]
    assert figures["cross_user_reads"] == 0, figures["details"]["cross_user_reads"]
    assert figures["cross_user_writes"] == 0, figures["details"]["cross_user_writes"]
    assert figures["responses"].get("2xx", 0) >= 20, (
        f"too few accepted requests: {figures['responses']}"
    )
