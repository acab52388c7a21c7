"""Typed readers for the environment: the only place settings come from."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """An environment variable holds a value AXWeb cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not an integer.") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a number.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """A header name the proxy sets to `https` (e.g. X-Forwarded-Proto) as Django's
    SECURE_PROXY_SSL_HEADER; None (the default) trusts no header."""
    header = env_str(name).strip()
    if not header:
        return None
    if not all(ch.isalnum() or ch == "-" for ch in header):
        raise ConfigError(f"{name}={header!r} is not a header name; use e.g. X-Forwarded-Proto.")
    return ("HTTP_" + header.upper().replace("-", "_"), "https")


def data_dir(base_dir: Path) -> Path:
    """The folder for the SQLite database, the generated secret key and uploads."""
    path = Path(env_str("AXWEB_DATA_DIR", str(base_dir / "data"))).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def require_shared_secret(name: str, *, embedded: bool) -> str:
    """`name` from the environment; required unless the database is the embedded SQLite.

    Workers on several hosts share one database: a key generated per host would differ
    (sessions signed by one host fail on another; credentials encrypted by one host cannot
    be decrypted by another), so a shared database needs the key from the environment."""
    value = env_str(name)
    if not value and not embedded:
        raise ConfigError(
            f"{name} is not set. DATABASE_URL points to a shared database, so every web "
            f"and worker process must use the same {name}: set it in the environment "
            "(see the README's production example)."
        )
    return value


def fernet_key(name: str, *, embedded: bool) -> str:
    """A Fernet key (32 url-safe base64 bytes) from `name`; required like a shared secret."""
    value = require_shared_secret(name, embedded=embedded)
    if value:
        try:
            valid = len(base64.urlsafe_b64decode(value.encode())) == 32
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise ConfigError(
                f'{name} is not a Fernet key; make one with: python -c "from cryptography.fernet '
                'import Fernet; print(Fernet.generate_key().decode())"'
            )
    return value


def secret_key(folder: Path, *, embedded: bool = True) -> str:
    """SECRET_KEY from the environment, else (embedded SQLite only) one generated once and
    kept in the data dir."""
    from_env = require_shared_secret("SECRET_KEY", embedded=embedded)
    if from_env:
        return from_env
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
