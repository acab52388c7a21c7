from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from workflows.demo import demo_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="root-pass-123")
    demo_seed(owner=user)
    client.force_login(user)
    return client


def test_every_admin_list_search_and_change_page_loads(superuser_client):
    for model in admin.site._registry:
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        changelist = superuser_client.get(reverse(f"{base}_changelist") + "?q=a")
        assert changelist.status_code == 200, base
        obj = model.objects.first()
        if obj is not None:
            assert (
                superuser_client.get(reverse(f"{base}_change", args=[obj.pk])).status_code == 200
            ), base
        add = superuser_client.get(reverse(f"{base}_add"))
        assert add.status_code in (200, 403), base


def test_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_home_page_lists_the_users_workflows_or_serves_the_app(superuser_client):
    response = superuser_client.get("/")
    assert response.status_code == 200


def test_api_docs_and_schema_are_served(superuser_client):
    assert superuser_client.get("/api/docs/").status_code == 200
    schema = superuser_client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/workflows/" in schema.json()["paths"]


def test_bootstrap_prints_the_admin_password_once_and_seeds_the_demo(capsys, monkeypatch):
    monkeypatch.setenv("PORT", "9000")
    call_command("bootstrap")
    first = capsys.readouterr().out
    assert "password:" in first and "Research team" in first
    assert "Sign in at http://127.0.0.1:9000/" in first  # PORT=9000 make run serves there
    call_command("bootstrap")
    assert "password:" not in capsys.readouterr().out


def test_session_login_sets_a_session_and_wrong_password_names_the_field(client, owner):
    client.get("/api/auth/csrf/")
    bad = client.post(
        "/api/auth/login/",
        {"username": "owner", "password": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "password" in bad.json()["error"]["fields"]
    good = client.post(
        "/api/auth/login/",
        {"username": "owner", "password": "owner-pass-123"},
        content_type="application/json",
    )
    assert good.status_code == 200
    assert client.get("/api/auth/me/").json()["username"] == "owner"


def test_token_authentication_works_for_api_clients(client, owner):
    from accounts.tokens import api_token_create

    _token, secret = api_token_create(user=owner, name="script")
    for scheme in ("Bearer", "Token"):
        response = client.get("/api/workflows/", HTTP_AUTHORIZATION=f"{scheme} {secret}")
        assert response.status_code == 200


def test_api_docs_load_swagger_ui_from_this_server_not_a_cdn(superuser_client):
    html = superuser_client.get("/api/docs/").content.decode()
    scripts = re.findall(r'src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts), scripts
    for href in re.findall(r'href="([^"]+\.css)"', html):
        assert href.startswith("/static/"), href


def test_an_unknown_page_is_a_404_with_the_apps_own_page_and_the_api_keeps_its_error_shape(
    superuser_client, settings
):
    settings.DEBUG = False
    page = superuser_client.get("/no/such/page")
    assert page.status_code == 404
    assert b"<main" in page.content or b'id="root"' in page.content
    api = superuser_client.get("/api/no-such-endpoint/")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
