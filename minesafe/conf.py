"""Typed helpers that turn the environment into settings.

Pure functions, tested without Django: the settings module only calls them. One place to read
``DATABASE_URL`` and friends keeps SQLite (the embedded default) and PostgreSQL (production, CI)
behind the same switch.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """An environment variable holds a value the platform cannot use."""


def env_bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r}: expected one of {sorted(_TRUE | _FALSE)}")


def env_list(env: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    raw = env.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def _meta_key(name: str, header: str) -> str:
    """``X-Real-IP`` as Django's ``request.META`` spells it: ``HTTP_X_REAL_IP``."""
    if not re.fullmatch(r"[A-Za-z0-9-]+", header):
        raise ConfigError(f"{name}={header!r}: expected an HTTP header name such as X-Real-IP")
    return "HTTP_" + header.upper().replace("-", "_")


def client_ip_meta_keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Where the sign-in throttle reads the client's address, in order of preference.

    Behind a reverse proxy every connection comes from the proxy, so throttling by
    ``REMOTE_ADDR`` would lock every user out together: the proxy names the client in a header
    it overwrites (nginx ``proxy_set_header X-Real-IP $remote_addr``), given here. Without a
    proxy the header must stay unset, since a client could send it itself.
    """
    header = env.get(name, "").strip()
    return (_meta_key(name, header), "REMOTE_ADDR") if header else ("REMOTE_ADDR",)


def proxy_ssl_header(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """Django's ``SECURE_PROXY_SSL_HEADER`` from a header name (``X-Forwarded-Proto``).

    Behind a proxy that terminates TLS, requests reach Django over plain HTTP: the header the
    proxy sets tells Django the client used HTTPS (so the HTTPS redirect does not loop).
    """
    header = env.get(name, "").strip()
    return (_meta_key(name, header), "https") if header else None


def parse_database_url(url: str, base_dir: Path) -> dict[str, Any]:
    """Translate ``sqlite:///path`` or ``postgres://user:pw@host:port/name`` to a DATABASES entry.

    SQLite gets WAL and immediate transactions so the threaded server and the engine's writers
    do not trip over ``database is locked``.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    options = dict(parse_qsl(parsed.query))
    if scheme == "sqlite":
        # sqlite:///var/db.sqlite3 is relative to base_dir; sqlite:////srv/db.sqlite3 is absolute.
        raw_path = unquote(parsed.netloc + parsed.path)
        raw_path = raw_path[1:] if raw_path.startswith("/") else raw_path
        name = raw_path or ":memory:"
        if name != ":memory:" and not Path(name).is_absolute():
            name = str(base_dir / name)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        conn_max_age = int(options.pop("conn_max_age", "0"))
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ConfigError("DATABASE_URL: a PostgreSQL URL needs a database name")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": conn_max_age,
        }
    raise ConfigError(f"DATABASE_URL: unsupported scheme {scheme!r} (use sqlite or postgres)")


def load_or_create_secret(path: Path) -> str:
    """Read the local secret key, generating it once; production sets ``SECRET_KEY`` instead."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key
