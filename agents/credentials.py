"""Provider keys, encrypted at rest with a key that lives outside the database.

The encryption key comes from AXWEB_CREDENTIALS_KEY (a Fernet key) or is generated once
into the data directory. The API never returns a secret: only whether one is set and its
last four characters.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from agents.models import Credential


@cache
def _fernet() -> Fernet:
    key = settings.AXWEB_CREDENTIALS_KEY
    if not key:
        path = settings.DATA_DIR / "credentials.key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        key = path.read_text().strip()
    return Fernet(key.encode() if isinstance(key, str) else key)


def credential_create(*, owner: Any, provider: str, secret: str, label: str = "") -> Credential:
    return Credential.objects.create(
        owner=owner,
        provider=provider,
        label=label,
        secret_encrypted=_fernet().encrypt(secret.encode()),
        last4=secret[-4:],
    )


def credential_update_secret(*, credential: Credential, secret: str) -> Credential:
    credential.secret_encrypted = _fernet().encrypt(secret.encode())
    credential.last4 = secret[-4:]
    credential.save(update_fields=["secret_encrypted", "last4"])
    return credential


def credential_secret(credential: Credential) -> str:
    try:
        return _fernet().decrypt(bytes(credential.secret_encrypted)).decode()
    except InvalidToken as exc:
        raise ValueError(
            f"The {credential.provider} key '{credential.label}' cannot be decrypted with this "
            "server's credentials key; enter it again on the credentials page."
        ) from exc


def provider_secret(owner_id: int, provider: str) -> str | None:
    """The owner's newest key for `provider`, if they stored one."""
    credential = (
        Credential.objects.filter(owner_id=owner_id, provider=provider)
        .order_by("-created_at")
        .first()
    )
    return credential_secret(credential) if credential else None


def secret_encrypt(secret: str) -> bytes:
    """Encrypt any secret the server must read back later (webhook HMAC keys) with the
    credentials key."""
    return _fernet().encrypt(secret.encode())


def secret_decrypt(token: bytes) -> str:
    """The secret `secret_encrypt` sealed; ValueError when this server's key cannot open it."""
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        message = "The secret cannot be decrypted with this server's credentials key."
        raise ValueError(message) from exc


class ToolCredentialStore:
    """The owner's credentials as the tools app reads them (registered in AgentsConfig.ready):
    a user tool names a credential by id, and only its owner's credentials are found."""

    def owns(self, owner_id: int, credential_id: int) -> bool:
        return Credential.objects.filter(owner_id=owner_id, pk=credential_id).exists()

    def secret(self, owner_id: int, credential_id: int) -> str:
        credential = Credential.objects.filter(owner_id=owner_id, pk=credential_id).first()
        if credential is None:
            raise LookupError(f"credential {credential_id} does not exist")
        return credential_secret(credential)
