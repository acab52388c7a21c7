"""AXWeb settings: every value comes from the environment (see axweb/env.py)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from axweb.env import (
    data_dir,
    env_bool,
    env_int,
    env_list,
    env_str,
    fernet_key,
    proxy_ssl_header,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir(BASE_DIR)

DEBUG = env_bool("DEBUG", False)
# Tests add Django's `testserver` themselves (django.test.utils.setup_test_environment).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "channels",
    "axweb.apps.AxwebConfig",
    "tools",
    "agents",
    "agents.knowledge",
    "agents.lab",
    "workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "axweb.urls"
ASGI_APPLICATION = "axweb.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'axweb.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; a busy timeout instead of
    # "database is locked" when both write at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so a Celery worker process in the tests sees the same database;
    # one per test process, so parallel test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-axweb-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A shared database means several hosts: the keys must be the same everywhere (axweb/env.py).
EMBEDDED_DATABASE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
SECRET_KEY = secret_key(DATA_DIR, embedded=EMBEDDED_DATABASE)

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "capacity": 5000, "expiry": 60},
    }
}
if env_str("AXWEB_CHANNEL_LAYER") == "memory":
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_DEFAULT_QUEUE = "runs"
CELERY_TASK_ROUTES = {
    "agents.lab.tasks.*": {"queue": "lab"},
    "agents.knowledge.tasks.*": {"queue": "lab"},
    "workflows.tasks.*": {"queue": "runs"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "collected-static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
FRONTEND_INDEX = BASE_DIR / "static" / "app" / "index.html"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/admin/login/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes anonymous requests 401, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "axweb.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "axweb.filters.OwnerBlindFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "axweb.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AXWeb API",
    "DESCRIPTION": "Design, run and watch teams of LLM agents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Its schema lint (type hints of path parameters, enum names) is not a deploy concern;
    # `manage.py spectacular --validate` runs it on demand.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# Model providers and tools.
OLLAMA_HOST = env_str("OLLAMA_HOST", "http://127.0.0.1:11434")
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY")
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL")
AXWEB_HTTP_ALLOWED_HOSTS = env_list("AXWEB_HTTP_ALLOWED_HOSTS", [])
AXWEB_TORCH_THREADS = env_int("AXWEB_TORCH_THREADS", 1)
# Traces: when set, every finished run is pushed to this OTLP/HTTP collector (e.g. Langfuse).
AXWEB_OTLP_ENDPOINT = env_str("AXWEB_OTLP_ENDPOINT", "")
AXWEB_OTLP_HEADERS = env_str("AXWEB_OTLP_HEADERS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}

# -- Deploy (issue 13, items 7, 9, 13): production settings, lab ceilings, shared keys -----------
# Defaults serve the embedded local default (http on 127.0.0.1); the README's production
# example turns every one on, and `manage.py check --deploy` passes with it.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The Fernet key of stored provider credentials (agents/credentials.py).
AXWEB_CREDENTIALS_KEY = fernet_key("AXWEB_CREDENTIALS_KEY", embedded=EMBEDDED_DATABASE)
# The server's ANTHROPIC_API_KEY serves staff; other users only when the operator opts in.
AXWEB_SHARE_SERVER_KEYS = env_bool("AXWEB_SHARE_SERVER_KEYS", False)
# Settings dumps (the debug page, error reports) hide these too: OTLP headers carry tokens.
DEFAULT_EXCEPTION_REPORTER_FILTER = "axweb.errors.SecretSettingsFilter"
# Lab ceilings: benchmark requests per job and unfinished benchmark jobs at once (the
# builtin provider bounds its compressed engines itself: AXWEB_LAB_MAX_CACHED_ENGINES).
AXWEB_LAB_MAX_BENCHMARK_REQUESTS = env_int("AXWEB_LAB_MAX_BENCHMARK_REQUESTS", 500)
AXWEB_LAB_MAX_ACTIVE_BENCHMARKS = env_int("AXWEB_LAB_MAX_ACTIVE_BENCHMARKS", 2)
