from __future__ import annotations

import pytest

from agents.credentials import provider_secret
from agents.models import Credential

pytestmark = pytest.mark.django_db
SECRET = "sk-ant-test-0123456789abcd"


def create(api):
    return api.post("/api/credentials/", {"provider": "anthropic", "secret": SECRET}, format="json")


def test_a_stored_key_is_encrypted_at_rest_and_never_returned(owner_api, owner):
    response = owner_api.post(
        "/api/credentials/",
        {"provider": "anthropic", "label": "work", "secret": SECRET},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_set"] is True and body["last4"] == "abcd"
    assert "secret" not in body and SECRET not in response.content.decode()
    listed = owner_api.get("/api/credentials/").content.decode()
    assert SECRET not in listed
    stored = bytes(Credential.objects.get().secret_encrypted)
    assert SECRET.encode() not in stored
    assert provider_secret(owner.id, "anthropic") == SECRET


def test_a_key_can_be_replaced_and_deleted(owner_api, owner):
    cred_id = create(owner_api).json()["id"]
    patched = owner_api.patch(
        f"/api/credentials/{cred_id}/", {"secret": "another-secret-9999"}, format="json"
    )
    assert patched.json()["last4"] == "9999"
    assert provider_secret(owner.id, "anthropic") == "another-secret-9999"
    assert owner_api.delete(f"/api/credentials/{cred_id}/").status_code == 204
    assert provider_secret(owner.id, "anthropic") is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"provider": "openai", "secret": SECRET}, "provider"),
        ({"provider": "anthropic", "secret": "short"}, "secret"),
        ({"provider": "anthropic"}, "secret"),
    ],
)
def test_invalid_credentials_get_400_naming_the_field(owner_api, payload, field):
    response = owner_api.post("/api/credentials/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_credentials_are_private(owner_api, other_api):
    cred_id = create(owner_api).json()["id"]
    assert other_api.get(f"/api/credentials/{cred_id}/").status_code == 404
    assert other_api.get("/api/credentials/").json()["count"] == 0
