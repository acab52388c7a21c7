"""Webhook secrets: made once, stored as a hash (bearer) and sealed (HMAC), checked here.

HMAC scheme: `X-AXWeb-Timestamp: <unix seconds>` and
`X-AXWeb-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>`. A timestamp
further than the tolerance from the server's clock is refused, and so is a signature seen
before (gate.py keeps them in Redis for twice the tolerance), so a captured request cannot be
replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from django.conf import settings

from agents.credentials import secret_decrypt, secret_encrypt

TIMESTAMP_HEADER = "x-axweb-timestamp"
SIGNATURE_HEADER = "x-axweb-signature"
PREFIX = "whsec_"


class Unauthorized(Exception):
    """The request is not from someone who holds the webhook's secret (HTTP 401)."""


def secret_new() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_seal(secret: str) -> bytes:
    return secret_encrypt(secret)


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def bearer_check(headers: Mapping[str, str], stored_hash: str) -> None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the webhook's secret as 'Authorization: Bearer <secret>'.")
    if not hmac.compare_digest(secret_hash(token.strip()), stored_hash):
        raise Unauthorized("The bearer secret is wrong.")


def _timestamp_check(raw: str) -> None:
    tolerance = settings.AXWEB_WEBHOOK_TOLERANCE_S
    try:
        stamp = int(raw)
    except ValueError:
        raise Unauthorized(
            f"{TIMESTAMP_HEADER} must be the signing time in Unix seconds; got {raw[:40]!r}."
        ) from None
    skew = abs(time.time() - stamp)
    if skew > tolerance:
        raise Unauthorized(
            f"The timestamp is {int(skew)} s away from the server's clock; signatures are "
            f"accepted for {tolerance} s (a replay, or a clock that is off)."
        )


def hmac_check(headers: Mapping[str, str], body: bytes, sealed: bytes) -> str:
    """The verified signature (the caller refuses it if it was seen before: gate.py)."""
    timestamp, signature = headers.get(TIMESTAMP_HEADER, ""), headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        raise Unauthorized(
            f"Sign the request: {TIMESTAMP_HEADER} (Unix seconds) and {SIGNATURE_HEADER} "
            "(sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'>)."
        )
    _timestamp_check(timestamp)
    try:
        secret = secret_decrypt(sealed)
    except ValueError as exc:
        raise Unauthorized(f"{exc} Rotate the webhook's secret.") from None
    if not hmac.compare_digest(signature_of(secret, timestamp, body), signature.strip()):
        raise Unauthorized("The signature does not match the body and timestamp.")
    return signature.strip()
