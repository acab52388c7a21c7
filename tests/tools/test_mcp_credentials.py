"""An `mcp` tool that sends one of its owner's stored credentials: against a local MCP server that
answers 401 without the token, discovery and calls work with the credential and fail clearly
without it; a credential of another user or a missing one is refused by name; a credential
deleted after saving fails the call with a reason; the secret is never shown."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from rest_framework.test import APIClient

from agents.credentials import credential_create
from tests.tools.mcp_servers import serving
from tools.base import ToolContext, ToolError
from tools.models import Tool as ToolRow
from tools.services import tool_resolve, tools_catalog

pytestmark = pytest.mark.django_db
LOCAL = frozenset({"127.0.0.1"})
TOKEN = "tok-4f9a8b7c6d5e"


@pytest.fixture(scope="module")
def bearer_url() -> Iterator[str]:
    with serving(require=("Authorization", f"Bearer {TOKEN}")) as url:
        yield url


@pytest.fixture(autouse=True)
def allow_loopback(settings: Any) -> None:
    settings.AXWEB_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def api(owner: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


def store_token(api: APIClient, secret: str = TOKEN) -> int:
    created = api.post(
        "/api/credentials/",
        {"provider": "token", "label": "local mcp", "secret": secret},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert secret not in created.content.decode()
    return int(created.json()["id"])


def create_server(api: APIClient, url: str, **config: Any) -> Any:
    return api.post(
        "/api/tools/",
        {
            "name": "local",
            "kind": "mcp",
            "description": "A local MCP server that wants a token.",
            "config": {"url": url, **config},
            "timeout_s": 5,
        },
        format="json",
    )


def call(owner: Any, name: str, args: dict[str, Any]) -> Any:
    """Like a worker: the secret is read through sync_to_async, here on this test's connection."""
    tool = tool_resolve(owner.id, name)
    return async_to_sync(tool.invoke)(ToolContext(allowed_hosts=LOCAL), args)


def test_a_token_credential_is_stored_and_listed_as_a_credential_kind(api):
    credential = store_token(api)
    listed = api.get("/api/credentials/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["id"], r["provider"], r["last4"]) for r in rows] == [(credential, "token", "6d5e")]
    kinds = [k["name"] for k in api.get("/api/models/providers/").json()["credential_kinds"]]
    assert "token" in kinds and "anthropic" in kinds and "builtin" not in kinds


def test_discovery_and_a_call_succeed_with_the_stored_credential(api, owner, bearer_url):
    created = create_server(api, bearer_url, credential=store_token(api))
    assert created.status_code == 201, created.content
    refreshed = api.post(f"/api/tools/{created.json()['id']}/refresh/")
    assert refreshed.status_code == 200, refreshed.content
    assert "add" in {t["name"] for t in refreshed.json()["config"]["tools"]}
    assert call(owner, "local__add", {"a": 2, "b": 40}) == {"result": 42}


def test_without_the_credential_discovery_fails_with_the_servers_refusal(api, bearer_url):
    created = create_server(api, bearer_url)
    response = api.post(f"/api/tools/{created.json()['id']}/refresh/")
    assert response.status_code == 400
    assert "HTTP 401" in response.json()["error"]["fields"]["config"][0]


def test_a_named_header_sends_the_bare_secret():
    with serving(require=("X-Api-Key", TOKEN)) as url:
        client = APIClient()
        user = ToolRow._meta.get_field("owner").related_model.objects.create_user("keyed")
        client.force_authenticate(user)
        credential = store_token(client)
        created = create_server(
            client, url, credential=credential, credential_header="X-Api-Key", credential_scheme=""
        )
        assert client.post(f"/api/tools/{created.json()['id']}/refresh/").status_code == 200
        assert call(user, "local__add", {"a": 1, "b": 1}) == {"result": 2}


def test_the_credential_header_is_what_the_server_receives(api, owner):
    with serving() as url:
        created = create_server(api, url, credential=store_token(api))
        api.post(f"/api/tools/{created.json()['id']}/refresh/")
        assert call(owner, "local__authorization", {}) == {"result": f"Bearer {TOKEN}"}


def test_another_users_credential_is_refused_naming_the_field(api, other, bearer_url):
    theirs = credential_create(owner=other, provider="token", secret="their-secret-123")
    response = create_server(api, bearer_url, credential=theirs.pk)
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["config"][0]
    assert message.startswith("'config.credential'") and f"#{theirs.pk}" in message


def test_a_missing_credential_is_refused_naming_the_field(api, bearer_url):
    response = create_server(api, bearer_url, credential=999999)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["config"][0].startswith("'config.credential'")


def test_a_credential_header_also_given_literally_is_refused(api, bearer_url):
    response = create_server(
        api, bearer_url, credential=store_token(api), headers={"authorization": "Bearer x"}
    )
    assert response.status_code == 400
    assert "remove it from headers" in response.json()["error"]["fields"]["config"][0]


def test_a_credential_deleted_after_saving_fails_the_call_with_a_reason(api, owner, bearer_url):
    credential = store_token(api)
    created = create_server(api, bearer_url, credential=credential)
    api.post(f"/api/tools/{created.json()['id']}/refresh/")
    assert api.delete(f"/api/credentials/{credential}/").status_code == 204
    with pytest.raises(ToolError) as raised:
        call(owner, "local__add", {"a": 1, "b": 2})
    assert raised.value.code == "forbidden"
    assert f"credential #{credential}" in raised.value.reason
    assert "no longer exists" in raised.value.reason


def test_the_secret_appears_in_no_response_repr_catalog_or_log(api, owner, bearer_url, caplog):
    caplog.set_level(logging.DEBUG)
    created = create_server(api, bearer_url, credential=store_token(api))
    tool_id = created.json()["id"]
    shown = [
        created.content.decode(),
        api.post(f"/api/tools/{tool_id}/refresh/").content.decode(),
        api.get(f"/api/tools/{tool_id}/").content.decode(),
        api.get("/api/tools/catalog/").content.decode(),
        api.get("/api/credentials/").content.decode(),
        repr(tools_catalog(owner.id)),
    ]
    tool = tool_resolve(owner.id, "local__add")
    shown += [repr(tool), repr(vars(tool)), repr(tool.describe())]
    assert call(owner, "local__add", {"a": 1, "b": 2}) == {"result": 3}
    shown.append(caplog.text)
    assert all(TOKEN not in text for text in shown)


@pytest.mark.parametrize("credential", ["abc", 0, 2**70])
def test_a_credential_that_is_no_id_is_refused_naming_the_field(api, bearer_url, credential):
    response = create_server(api, bearer_url, credential=credential)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["config"][0].startswith("'config.credential'")
