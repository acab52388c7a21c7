"""Stored credentials for user tools, read through a store the agents app registers.

The tools app may not import the agents app's credentials (the import contracts in
.importlinter): `AgentsConfig.ready()` registers the store that can decrypt them. A tool row keeps
only a credential's id; the secret is read when a request is about to be sent, lives in that
request's headers, and is never stored in the tool, returned, logged or put in an event.
"""

from __future__ import annotations

from typing import Protocol


class CredentialStore(Protocol):
    """The owner's stored credentials, by id."""

    def owns(self, owner_id: int, credential_id: int) -> bool:
        """Whether `owner_id` has a stored credential `credential_id`."""
        ...

    def secret(self, owner_id: int, credential_id: int) -> str:
        """The decrypted secret. LookupError when the owner has no such credential (another
        user's counts as none); ValueError, saying why, when it cannot be decrypted."""
        ...


_store: CredentialStore | None = None


def credential_store_register(store: CredentialStore) -> None:
    global _store
    _store = store


def credential_store() -> CredentialStore:
    if _store is None:  # the agents app is not installed: no credential can be named
        raise LookupError("no credential store is registered")
    return _store


def credential_owned(owner_id: int | None, credential_id: int) -> bool:
    if owner_id is None:
        return False
    try:
        return credential_store().owns(owner_id, credential_id)
    except LookupError:
        return False
