"""Django settings, read from the environment through :mod:`minesafe.conf`.

``DATABASE_URL`` picks the database (default: SQLite under ``./var``), ``SECRET_KEY`` the key
(default: generated once into ``./var``), ``DEBUG`` is off unless asked.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from minesafe.conf import (
    client_ip_meta_keys,
    env_bool,
    env_int,
    env_list,
    load_or_create_secret,
    parse_database_url,
    proxy_ssl_header,
)
from minesafe.core.schema import enum_name_overrides
from minesafe.localtime import TIME_ZONE_NAME

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("MINESAFE_VAR_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool(os.environ, "DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or load_or_create_secret(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list(os.environ, "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list(os.environ, "CSRF_TRUSTED_ORIGINS", [])

_database_url = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")  # not a setting: a password
DATABASES = {"default": parse_database_url(_database_url, base_dir=VAR_DIR)}
# Persistent connections (docs/web-performance.md): a new connection per request cost 1.1 ms of
# CPU on SQLite (pragmas, functions) and 5 ms on a local PostgreSQL, against a budget of about
# 8 ms per request; ``?conn_max_age=0`` in DATABASE_URL turns them off. Health checks replace a
# connection the database dropped (PostgreSQL restart) instead of failing the next request.
if "conn_max_age=" not in _database_url:
    DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Reads through the OS page cache, shared by every thread's connection and both workers.
    DATABASES["default"]["OPTIONS"]["init_command"] += " PRAGMA mmap_size=268435456;"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "minesafe.core",
    "minesafe.accounts",
    "minesafe.registry",
    "minesafe.monitoring",
    "minesafe.response",
    "minesafe.hazards",
    "minesafe.selfinspection",
    "minesafe.violations",
    "minesafe.enforcement",
    "minesafe.positioning",
    "minesafe.emergency",
    "minesafe.video",
    "minesafe.notifications",
    "minesafe.home",  # each role's home page and the top menu; no models
    "minesafe.demo",  # the demo county (load_demo) and the living demo feed; no models
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "minesafe.core.middleware.RejectNullCharactersMiddleware",
    "minesafe.core.middleware.VaryOnHtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minesafe.core.middleware.AuditContextMiddleware",
    "minesafe.accounts.middleware.MustChangePasswordMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minesafe.urls"
WSGI_APPLICATION = "minesafe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
# Axes first: it refuses a locked-out account or client before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "minesafe.accounts.backends.ScopedUserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = TIME_ZONE_NAME
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it before collectstatic
WHITENOISE_USE_FINDERS = True  # serve app assets even before collectstatic (embedded default)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Sessions read from a cache, the database behind it (written through); the signed-in user is
# cached beside them (accounts/usercache.py). The cache is files under VAR_DIR, so every server
# process sees a logout, a new session key or a changed user at once (a per-process memory cache
# would keep a signed-out session alive in the other processes). Several web hosts need
# AUTH_CACHE_DIR on storage they all share (docs/deploy.md).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "auth": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("AUTH_CACHE_DIR") or str(VAR_DIR / "cache" / "auth"),
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "auth"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# HTTPS in production (docs/deploy.md): all off by default, for a laptop on plain HTTP.
SESSION_COOKIE_SECURE = env_bool(os.environ, "SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool(os.environ, "SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ, "SECURE_PROXY_SSL_HEADER")
SECURE_HSTS_SECONDS = env_int(os.environ, "SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(os.environ, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool(os.environ, "SECURE_HSTS_PRELOAD", False)

# Sign-in throttling (django-axes, docs/deploy.md): LOGIN_FAILURE_LIMIT wrong passwords for one
# account, or from one client address, within LOGIN_LOCKOUT_MINUTES lock that account or address
# out for as long, on the login page, the admin and the API token endpoint alike.
AXES_FAILURE_LIMIT = env_int(os.environ, "LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int(os.environ, "LOGIN_LOCKOUT_MINUTES", 15, 1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "minesafe.accounts.lockout.lockout_response"
AXES_IPWARE_META_PRECEDENCE_ORDER = client_ip_meta_keys(os.environ, "CLIENT_IP_HEADER")
AXES_VERBOSE = False  # no banner on every console command (minesafe verify --json is parsed)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "minesafe.core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "minesafe.core.api.exception_handler",
}
# API tokens (django-rest-knox): stored hashed, shown once, valid API_TOKEN_TTL_DAYS.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env_int(os.environ, "API_TOKEN_TTL_DAYS", 30, minimum=1)),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Minesafe API",
    "DESCRIPTION": "煤矿安全监管平台 REST API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": enum_name_overrides(
        [app for app in INSTALLED_APPS if app.startswith("minesafe.")]
    ),
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "minesafe.core.schema.change_reason_header",
    ],
}

# Content-Security-Policy (django-csp; docs/security.md): scripts only from the app's own
# files, never inline, so markup slipped into a name cannot run. Inline style attributes stay
# allowed (style-src 'unsafe-inline'): they cannot run script.
MIDDLEWARE.append("csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# The clocks ``minesafe manage scheduler`` runs (started by ``minesafe serve``): (tick, seconds).
# Where notifications leave the platform (docs/notifications.md): empty = that channel is off;
# in-app and e-mail (Django's EMAIL_* settings) are always on.
MINESAFE_NOTIFICATIONS = {
    "WEBHOOK_URL": os.environ.get("MINESAFE_WEBHOOK_URL", ""),
    "SMS_GATEWAY_URL": os.environ.get("MINESAFE_SMS_GATEWAY_URL", ""),
    "SMS_TOKEN": os.environ.get("MINESAFE_SMS_TOKEN", ""),
    "TIMEOUT": 5.0,
}

MINESAFE_CLOCKS = [
    ("minesafe.hazards.worker.tick", 300),
    ("minesafe.response.worker.tick", 5),
    ("minesafe.notifications.worker.tick", 5),  # delivery through e-mail, SMS, webhook
    ("minesafe.emergency.worker.tick", 60),
    ("minesafe.positioning.worker.tick", 3600),  # snapshot thinning and expiry
    ("minesafe.core.sealing.tick", 60),  # evidence into the hash chains
    ("minesafe.monitoring.worker.tick", 60),  # close alarms whose condition has ended
    ("minesafe.registry.services.tick", 3600),  # producing without valid licences (REG-3)
]

# Evidence sealed into the hash chains (docs/evidence.md): model → the time field every platform
# write moves. Rows changed through ``QuerySet.update()`` must set that field too.
MINESAFE_EVIDENCE = {
    "core.AuditEntry": "time",
    "monitoring.Alarm": "updated_at",
    "monitoring.ArchiveFile": "written_at",
    "response.CaseTransition": "created_at",
    "hazards.HazardTransition": "created_at",
    "enforcement.InspectionStep": "updated_at",
    "enforcement.Decision": "updated_at",
    "enforcement.Document": "updated_at",
    "emergency.TargetEvent": "created_at",
}
# The areas' own checks run by ``minesafe verify`` beside the chains.
MINESAFE_EVIDENCE_CHECKS = ["minesafe.monitoring.evidence.check_files"]
