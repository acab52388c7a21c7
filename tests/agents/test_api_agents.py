from __future__ import annotations

import pytest

from tools.models import Tool

pytestmark = pytest.mark.django_db


def test_owner_creates_an_agent_with_role_prompt_model_and_tools(owner_api, owner):
    tool = Tool.objects.create(owner=owner, name="t", kind="python", config={"code": "result = 1"})
    response = owner_api.post(
        "/api/agents/",
        {
            "name": "Planner",
            "role": "plans",
            "system_prompt": "You plan.",
            "model": "ollama:llama3.2",
            "parameters": {"temperature": 0.2},
            "tools": [tool.id],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["tools"] == [tool.id]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "A", "model": "gpt"}, "model"),
        ({"name": "A", "model": "openai:gpt-4"}, "model"),
        ({"name": "A", "parameters": {"temperature": 9}}, "parameters"),
        ({"name": "A", "fallback_models": ["nope"]}, "fallback_models.0"),
    ],
)
def test_an_invalid_agent_gets_400_naming_the_field(owner_api, payload, field):
    response = owner_api.post("/api/agents/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"temprature": 0.2}, "Unknown parameter 'temprature'. Known: cache, delegates, max_steps"),
        ({"temperature": True}, "temperature must be a number from 0 to 2."),
        ({"temperature": "hot"}, "temperature must be a number from 0 to 2."),
        ({"max_tokens": 1.5}, "max_tokens must be a whole number from 1 to 32768."),
        ({"max_steps": 0}, "max_steps must be a whole number from 1 to 50."),
        ({"seed": -1}, "seed must be a whole number from 0 to 2147483647."),
        ({"stop": "###"}, "stop must be a list of non-empty strings."),
        ({"cache": "yes"}, "cache must be true or false."),
        ({"delegates": ["Ghost"]}, "delegates: you have no agent named 'Ghost'."),
        ({"delegates": ["A"]}, "'A' cannot delegate to itself."),
    ],
)
def test_agent_parameters_are_checked_key_by_key(owner_api, parameters, message):
    response = owner_api.post(
        "/api/agents/", {"name": "A", "parameters": parameters}, format="json"
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["error"]["fields"]["parameters"]), response.json()


def test_every_known_parameter_is_accepted_and_kept(owner_api):
    owner_api.post("/api/agents/", {"name": "Helper"}, format="json")
    parameters = {
        "temperature": 0,
        "top_p": 0.9,
        "max_tokens": 256,
        "seed": 7,
        "stop": ["###"],
        "max_steps": 4,
        "delegates": ["Helper"],
        "cache": True,
    }
    response = owner_api.post(
        "/api/agents/", {"name": "Lead", "parameters": parameters}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["parameters"] == parameters


def test_the_parameters_catalog_describes_every_key_for_the_form(owner_api):
    catalog = owner_api.get("/api/agents/parameters/").json()
    by_name = {p["name"]: p for p in catalog}
    assert set(by_name) == {
        "temperature",
        "top_p",
        "max_tokens",
        "seed",
        "stop",
        "max_steps",
        "delegates",
        "cache",
    }
    assert by_name["temperature"] | {"help": ""} == {
        "name": "temperature",
        "label": "Temperature",
        "kind": "number",
        "help": "",
        "minimum": 0,
        "maximum": 2,
        "default": None,
    }
    assert by_name["max_steps"]["default"] == 6


def test_an_agent_cannot_use_another_users_tool(owner_api, other):
    foreign = Tool.objects.create(
        owner=other, name="secret", kind="python", config={"code": "result = 1"}
    )
    response = owner_api.post("/api/agents/", {"name": "A", "tools": [foreign.id]}, format="json")
    assert response.status_code == 400
    assert "tools" in response.json()["error"]["fields"]


def test_agent_names_are_unique_per_owner(owner_api):
    owner_api.post("/api/agents/", {"name": "A"}, format="json")
    response = owner_api.post("/api/agents/", {"name": "A"}, format="json")
    assert response.status_code == 400
    assert "already have an agent" in response.json()["error"]["fields"]["name"][0]


def test_agents_are_private_to_their_owner(owner_api, other_api, staff_api):
    agent_id = owner_api.post("/api/agents/", {"name": "A"}, format="json").json()["id"]
    assert other_api.get(f"/api/agents/{agent_id}/").status_code == 404
    assert (
        other_api.put(f"/api/agents/{agent_id}/", {"name": "B"}, format="json").status_code == 404
    )
    assert staff_api.get(f"/api/agents/{agent_id}/").status_code == 200


def test_models_registry_is_readable_by_users_and_writable_by_staff(owner_api, staff_api):
    payload = {"provider": "ollama", "name": "llama3.2", "tier": "local"}
    assert owner_api.post("/api/models/", payload, format="json").status_code == 403
    created = staff_api.post("/api/models/", payload, format="json")
    assert created.status_code == 201
    assert created.json()["ref"] == "ollama:llama3.2"
    assert owner_api.get("/api/models/").json()["count"] >= 1
