"""The provider table alone makes a provider: the API, the registry, refs and the router see it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
from django.core.management import call_command

from agents.gateway import catalog as gateway
from agents.llm.base import ChatEvent, Done, GenParams, Message, TextDelta, ToolSpec, Usage
from agents.llm.catalog import InMemoryCatalog
from agents.llm.providers import table
from agents.llm.providers.table import EnvDefault, Provider, ProviderConfig, option
from agents.llm.router import Router
from agents.refs import model_ref_problem


class FakeConfig(ProviderConfig):
    greeting: str | None = option("What the fake model says first.")


class FakeModel:
    """A ChatModel that answers "<greeting> from <model>: <last user message>"."""

    def __init__(self, model: str, *, greeting: str = "hi") -> None:
        self.model, self.greeting = model, greeting

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
        yield TextDelta(f"{self.greeting} from {self.model}: {messages[-1].content}")
        yield Usage(1, 1)
        yield Done("end")


FAKE = Provider(
    "fake",
    f"{__name__}.FakeModel",
    "Fake (tests)",
    FakeConfig,
    env={"greeting": EnvDefault("AXWEB_FAKE_GREETING", "hello")},
)


@pytest.fixture
def fake_provider() -> Iterator[Provider]:
    table.PROVIDERS.append(FAKE)
    try:
        yield FAKE
    finally:
        table.PROVIDERS.remove(FAKE)


def _answer(router: Router, ref: str) -> str:
    async def collect() -> str:
        events = router.stream(ref, [Message(role="user", content="ping")])
        return "".join([e.text async for e in events if isinstance(e, TextDelta)])

    return asyncio.run(collect())


def test_a_provider_added_to_the_table_answers_through_the_router(fake_provider: Provider) -> None:
    assert model_ref_problem("fake:some-model") is None
    assert _answer(Router(catalog=InMemoryCatalog()), "fake:some-model") == (
        "hi from some-model: ping"
    )


def test_a_provider_not_in_the_table_is_refused_by_name() -> None:
    assert "Unknown provider 'fake'" in str(model_ref_problem("fake:some-model"))


@pytest.mark.django_db
def test_the_api_serves_the_table_with_tiers_and_config_schemas(
    owner_api: Any, fake_provider: Provider
) -> None:
    body = owner_api.get("/api/models/providers/").json()
    assert body["tiers"] == ["local", "cloud", "compressed"]
    rows = {row["name"]: row for row in body["providers"]}
    assert list(rows) == ["builtin", "ollama", "anthropic", "fake"]
    assert rows["anthropic"]["credential"] == "ANTHROPIC_API_KEY"
    assert rows["fake"]["label"] == "Fake (tests)"
    assert "greeting" in rows["fake"]["config_schema"]["properties"]
    assert "host" in rows["ollama"]["config_schema"]["properties"]


@pytest.mark.django_db
def test_staff_register_a_model_of_the_new_provider_and_a_run_calls_it(
    staff_api: Any, staff: Any, fake_provider: Provider
) -> None:
    entry = {
        "provider": "fake",
        "name": "some-model",
        "tier": "cloud",
        "config": {"greeting": "hey", "rpm": 60},
    }
    created = staff_api.post("/api/models/", entry, format="json")
    assert created.status_code == 201, created.content
    router, calls = gateway.router_for(staff.id)
    assert _answer(router, "cloud") == "hey from some-model: ping"
    assert calls[0].ref == "fake:some-model"


@pytest.mark.django_db
def test_an_unregistered_model_of_the_new_provider_gets_its_environment_default(
    staff: Any, fake_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    router, _ = gateway.router_for(staff.id)
    assert _answer(router, "fake:other") == "hello from other: ping"
    monkeypatch.setenv("AXWEB_FAKE_GREETING", "yo")
    router, _ = gateway.router_for(staff.id)
    assert _answer(router, "fake:other") == "yo from other: ping"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("provider", "config", "field"),
    [
        ("fake", {"greeting": 5}, "greeting"),
        ("fake", {"greting": "hey"}, "greting"),
        ("fake", {"rpm": 0}, "rpm"),
        ("ollama", {"host": ["http://x"]}, "host"),
    ],
)
def test_a_config_that_does_not_fit_the_provider_gets_400_naming_the_field(
    staff_api: Any, fake_provider: Provider, provider: str, config: dict[str, Any], field: str
) -> None:
    response = staff_api.post(
        "/api/models/", {"provider": provider, "name": "m", "config": config}, format="json"
    )
    assert response.status_code == 400, response.content
    messages = response.json()["error"]["fields"]["config"]
    assert any(m.startswith(f"{field}: ") for m in messages), messages


@pytest.mark.django_db
def test_a_model_of_a_provider_not_in_the_table_is_refused(staff_api: Any) -> None:
    response = staff_api.post("/api/models/", {"provider": "fake", "name": "m"}, format="json")
    assert response.status_code == 400
    assert "provider" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_adding_a_provider_needs_no_migration(fake_provider: Provider) -> None:
    call_command("makemigrations", "agents", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_an_ollama_model_without_a_host_takes_the_setting_else_the_tables_default(
    staff: Any, settings: Any
) -> None:
    def host() -> str:
        info = gateway.DatabaseCatalog.load(staff.id).get("ollama:llama3")
        return dict(info.options)["host"] if info else ""

    settings.OLLAMA_HOST = ""
    assert host() == "http://127.0.0.1:11434"
    settings.OLLAMA_HOST = "http://127.0.0.1:9"
    assert host() == "http://127.0.0.1:9"
