"""Authentication probes (issue 13, item 8): throttled logins, CSRF, password rules, API tokens,
websocket tickets instead of ?token=, sockets that close on logout."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from axweb.asgi import application
from tests.conftest import login_counters_clear
from tests.workflows.test_consumers import ORIGIN, make_run, refused
from tests.workflows.test_consumers import layer as layer  # noqa: PLC0414 - a fixture

LOGIN = "/api/auth/login/"


@pytest.fixture(autouse=True)
def fresh_counters(settings: Any) -> None:
    """Failed-login counters live in the shared cache: start without any (tests/conftest.py
    clears after). A fast hasher (set before the users are made): these tests sign in and fail
    hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    login_counters_clear()


_addresses = itertools.count(1)


def address() -> str:
    """A client address no other request of the test run has used."""
    n = next(_addresses)
    return f"198.18.{n // 250}.{n % 250 + 1}"


def wrong_login(client: APIClient, username: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": "not-it"}, format="json")


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"


@pytest.mark.django_db
def test_thirty_wrong_api_logins_from_one_address_are_answered_429_with_retry_after(owner):
    client = APIClient(REMOTE_ADDR=address())
    for i in range(30):  # a different username each time: the address limit, not the username one
        assert wrong_login(client, f"guess-{i}").status_code == 400
    assert_throttled(wrong_login(client, "guess-30"))
    # Even the right password waits: the address is blocked, whoever it signs in as.
    assert_throttled(
        client.post(LOGIN, {"username": "owner", "password": "owner-pass-123"}, format="json")
    )
    elsewhere = APIClient(REMOTE_ADDR=address())
    assert (
        elsewhere.post(
            LOGIN, {"username": "owner", "password": "owner-pass-123"}, format="json"
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_ten_wrong_logins_for_one_username_lock_that_username_from_every_address(owner):
    for _ in range(10):
        assert wrong_login(APIClient(REMOTE_ADDR=address()), "owner").status_code == 400
    right = {"username": "owner", "password": "owner-pass-123"}
    assert_throttled(APIClient(REMOTE_ADDR=address()).post(LOGIN, right, format="json"))


@pytest.mark.django_db
def test_thirty_wrong_admin_logins_are_answered_429_with_retry_after(staff):
    client, ip = Client(), address()
    for i in range(30):
        response = client.post(
            "/admin/login/", {"username": f"guess-{i}", "password": "x"}, REMOTE_ADDR=ip
        )
        assert response.status_code == 200  # the form again, with its error
    response = client.post(
        "/admin/login/", {"username": "staff", "password": "staff-pass-123"}, REMOTE_ADDR=ip
    )
    assert_throttled(response)


@pytest.mark.django_db
def test_a_successful_login_does_not_reset_the_address_counter_for_other_usernames(owner):
    client = APIClient(REMOTE_ADDR=address())
    for i in range(29):
        wrong_login(client, f"guess-{i}")
    assert (
        client.post(
            LOGIN, {"username": "owner", "password": "owner-pass-123"}, format="json"
        ).status_code
        == 200
    )
    assert wrong_login(client, "guess-29").status_code == 400
    assert_throttled(wrong_login(client, "guess-30"))


@pytest.mark.django_db
def test_login_without_a_csrf_token_is_refused(owner):
    client = APIClient(enforce_csrf_checks=True)
    right = {"username": "owner", "password": "owner-pass-123"}
    refused_login = client.post(LOGIN, right, format="json")
    assert refused_login.status_code == 403
    assert "error" in refused_login.json()
    client.get("/api/auth/csrf/")
    token = client.cookies["csrftoken"].value
    assert client.post(LOGIN, right, format="json", HTTP_X_CSRFTOKEN=token).status_code == 200


@pytest.mark.django_db
def test_a_weak_new_password_is_refused_by_the_validators(owner):
    client = APIClient()
    client.force_login(owner)
    for weak in ("owner2024", "4815162342", "password123", "short"):
        response = client.post(
            "/api/auth/password/",
            {"old_password": "owner-pass-123", "new_password": weak},
            format="json",
        )
        assert response.status_code == 400, weak
        assert response.json()["error"]["fields"]["new_password"]
    wrong_old = client.post(
        "/api/auth/password/",
        {"old_password": "nope", "new_password": "violet-harbor-lantern-92"},
        format="json",
    )
    assert "old_password" in wrong_old.json()["error"]["fields"]
    good = client.post(
        "/api/auth/password/",
        {"old_password": "owner-pass-123", "new_password": "violet-harbor-lantern-92"},
        format="json",
    )
    assert good.status_code == 204
    assert client.get("/api/auth/me/").status_code == 200  # this session survives its own change
    owner.refresh_from_db()
    assert owner.check_password("violet-harbor-lantern-92")


@pytest.mark.django_db
def test_the_admin_refuses_a_password_like_the_username(django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123-xyz")
    client = Client()
    client.force_login(admin)
    form = {
        "username": "margaret",
        "password1": "margaret1999",
        "password2": "margaret1999",
        "usable_password": "true",
    }
    client.post("/admin/auth/user/add/", form)
    assert not django_user_model.objects.filter(username="margaret").exists()


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.mark.django_db
def test_a_user_creates_lists_and_revokes_their_own_tokens(owner_api):
    created = owner_api.post("/api/auth/tokens/", {"name": "laptop script"}, format="json")
    assert created.status_code == 201
    secret = created.json()["token"]
    second = owner_api.post("/api/auth/tokens/", {"name": "ci"}, format="json").json()
    listed = owner_api.get("/api/auth/tokens/").json()["results"]
    assert {t["name"] for t in listed} == {"laptop script", "ci"}
    assert all("token" not in t and "digest" not in t for t in listed)
    row = ApiToken.objects.get(pk=created.json()["id"])
    assert secret not in (row.digest, row.prefix)  # stored hashed
    assert bearer(secret).get("/api/workflows/").status_code == 200
    assert bearer(second["token"]).get("/api/workflows/").status_code == 200
    assert owner_api.delete(f"/api/auth/tokens/{row.pk}/").status_code == 204
    assert bearer(secret).get("/api/workflows/").status_code == 401
    assert bearer(second["token"]).get("/api/workflows/").status_code == 200
    assert [t["name"] for t in owner_api.get("/api/auth/tokens/").json()["results"]] == ["ci"]


@pytest.mark.django_db
def test_an_expired_token_is_401_and_a_past_expiry_is_refused_at_creation(owner_api):
    soon = (timezone.now() + timedelta(days=1)).isoformat()
    created = owner_api.post(
        "/api/auth/tokens/", {"name": "short", "expires_at": soon}, format="json"
    ).json()
    assert bearer(created["token"]).get("/api/workflows/").status_code == 200
    ApiToken.objects.filter(pk=created["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = bearer(created["token"]).get("/api/workflows/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    past = (timezone.now() - timedelta(days=1)).isoformat()
    refused_create = owner_api.post(
        "/api/auth/tokens/", {"name": "late", "expires_at": past}, format="json"
    )
    assert refused_create.status_code == 400
    assert "expires_at" in refused_create.json()["error"]["fields"]


@pytest.mark.django_db
def test_another_users_token_cannot_be_revoked_or_seen(owner_api, other_api):
    mine = owner_api.post("/api/auth/tokens/", {"name": "mine"}, format="json").json()
    assert other_api.delete(f"/api/auth/tokens/{mine['id']}/").status_code == 404
    assert other_api.get("/api/auth/tokens/").json()["results"] == []
    assert bearer(mine["token"]).get("/api/workflows/").status_code == 200


def session_cookie(user: Any) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_websocket_with_a_token_in_the_query_string_is_refused(layer, owner):
    token = await sync_to_async(lambda: owner_token(owner))()
    assert (await refused(f"/ws/runs/?token={token}"))["code"] == 4401


def owner_token(user: Any) -> str:
    from accounts.tokens import api_token_create

    return api_token_create(user=user, name="ws")[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_websocket_ticket_works_once(layer, owner):
    token = await sync_to_async(owner_token)(owner)
    run = await sync_to_async(make_run)(owner)
    response = await sync_to_async(lambda: bearer(token).post("/api/auth/ws-ticket/"))()
    assert response.status_code == 200 and response.json()["expires_in"] == 30
    ticket = response.json()["ticket"]
    comm = WebsocketCommunicator(application, f"/ws/runs/{run.id}/?ticket={ticket}", headers=ORIGIN)
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "subscribe", "since": 0})
    assert await comm.receive_nothing(timeout=0.3)  # accepted and open: no close frame
    await comm.disconnect()
    assert (await refused(f"/ws/runs/{run.id}/?ticket={ticket}"))["code"] == 4401


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize("logout", ["/api/auth/logout/", "/admin/logout/"])
async def test_websockets_close_when_their_session_logs_out(layer, staff, logout):
    run = await sync_to_async(make_run)(staff)  # staff: the admin logs out only staff sessions
    client, cookie = await sync_to_async(session_cookie)(staff)
    headers = [*ORIGIN, (b"cookie", cookie)]
    trace = WebsocketCommunicator(application, f"/ws/runs/{run.id}/", headers=headers)
    runs = WebsocketCommunicator(application, "/ws/runs/", headers=headers)
    assert (await trace.connect())[0] and (await runs.connect())[0]
    await trace.send_json_to({"type": "subscribe", "since": 0})
    assert await trace.receive_nothing(timeout=0.3)
    response = await sync_to_async(client.post)(logout)
    assert response.status_code in (200, 204, 302)
    for comm in (trace, runs):
        closed = await comm.receive_output(timeout=5)
        assert closed["type"] == "websocket.close" and closed["code"] == 4401


@pytest.mark.django_db
def test_sign_in_still_works_while_the_cache_is_unreachable(owner, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }  # nothing listens there
    client = APIClient(REMOTE_ADDR=address())
    assert wrong_login(client, "owner").status_code == 400
    assert (
        client.post(
            LOGIN, {"username": "owner", "password": "owner-pass-123"}, format="json"
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_address_is_counted_on_its_own(owner, settings):
    settings.AXWEB_TRUSTED_PROXIES = 1
    proxy, attacker, bystander = address(), address(), address()
    client = APIClient(REMOTE_ADDR=proxy)
    for i in range(30):
        client.post(
            LOGIN,
            {"username": f"guess-{i}", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.9.9.9, {attacker}",
        )  # the first hop is the client's to forge
    assert_throttled(
        wrong_login(APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=attacker), "guess-30")
    )
    right = {"username": "owner", "password": "owner-pass-123"}
    bystanders = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=bystander)
    assert bystanders.post(LOGIN, right, format="json").status_code == 200
