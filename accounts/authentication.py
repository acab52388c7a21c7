"""DRF authentication with personal API tokens: `Authorization: Bearer <token>` (or `Token
<token>`)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.tokens import api_token_user

KEYWORDS = {b"bearer", b"token"}


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: send `Authorization: Bearer <token>`."
            )
        found = api_token_user(secret=parts[1].decode("latin-1"))
        if found is None:
            raise exceptions.AuthenticationFailed(
                "This API token is unknown, expired or revoked. "
                "Create a new one on the Settings page."
            )
        return found

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer anonymous requests with 401 (not 403), naming the scheme to use.
        return 'Bearer realm="api"'
