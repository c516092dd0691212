"""Settings parsing is a pure function (STYLE 11)."""

from pathlib import Path

import pytest

from minesafe.conf import (
    ConfigError,
    client_ip_meta_keys,
    env_bool,
    env_int,
    env_list,
    parse_database_url,
    proxy_ssl_header,
)

BASE = Path("/srv/minesafe/var")


def test_sqlite_relative_path_lives_under_var() -> None:
    db = parse_database_url("sqlite:///db.sqlite3", BASE)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(BASE / "db.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_sqlite_absolute_path() -> None:
    assert parse_database_url("sqlite:////tmp/x.db", BASE)["NAME"] == "/tmp/x.db"


def test_postgres_url() -> None:
    url = "postgres://app:s%40cret@db.local:6432/minesafe?sslmode=require&conn_max_age=60"
    db = parse_database_url(url, BASE)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "minesafe",
        "app",
        "s@cret",
        "db.local",
        "6432",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}
    assert db["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/"])
def test_unusable_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        parse_database_url(url, BASE)


def test_env_helpers() -> None:
    assert env_bool({"DEBUG": "yes"}, "DEBUG") is True
    assert env_bool({}, "DEBUG") is False
    with pytest.raises(ConfigError):
        env_bool({"DEBUG": "maybe"}, "DEBUG")
    assert env_list({"H": "a, b,"}, "H", []) == ["a", "b"]


def test_env_int() -> None:
    assert env_int({"N": " 30 "}, "N", 5) == 30
    assert env_int({"N": ""}, "N", 5) == 5
    assert env_int({}, "N", 5) == 5
    with pytest.raises(ConfigError):
        env_int({"N": "ten"}, "N", 5)
    with pytest.raises(ConfigError):
        env_int({"N": "0"}, "N", 5, minimum=1)


def test_client_address_is_read_from_the_proxy_header_only_when_one_is_named() -> None:
    assert client_ip_meta_keys({}, "CLIENT_IP_HEADER") == ("REMOTE_ADDR",)
    assert client_ip_meta_keys({"CLIENT_IP_HEADER": "X-Real-IP"}, "CLIENT_IP_HEADER") == (
        "HTTP_X_REAL_IP",
        "REMOTE_ADDR",
    )
    with pytest.raises(ConfigError):
        client_ip_meta_keys({"CLIENT_IP_HEADER": "X Real IP"}, "CLIENT_IP_HEADER")


def test_proxy_ssl_header() -> None:
    assert proxy_ssl_header({}, "H") is None
    assert proxy_ssl_header({"H": "X-Forwarded-Proto"}, "H") == ("HTTP_X_FORWARDED_PROTO", "https")
