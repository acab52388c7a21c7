"""AXWeb settings: every value comes from the environment (see axweb/env.py)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from axweb.env import (
    data_dir,
    env_bool,
    env_float,
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
    "django_filters",
    "drf_spectacular",
    "channels",
    "axweb.apps.AxwebConfig",
    "accounts",
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
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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
        # Tokens first: their WWW-Authenticate header makes anonymous requests 401, not 403.
        "accounts.authentication.ApiTokenAuthentication",
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

# Model providers and tools. A provider's option defaults live in its row of the provider
# table (agents/llm/providers/table.py); a setting here only overrides the environment.
OLLAMA_HOST = env_str("OLLAMA_HOST")  # empty: the table's default, http://127.0.0.1:11434
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

# Durability (issue 13): run leases, fencing, the resume cap and the reaper.
# A worker renews its run's lease every lease/4 from a thread of its own; a run whose lease
# expired is taken over by another worker (resume after a crash takes about one lease).
AXWEB_RUN_LEASE_S = env_float("AXWEB_RUN_LEASE_S", 3.0)
# A run whose worker died this many times while the same node was in flight fails (worker.lost).
AXWEB_RESUME_CAP = env_int("AXWEB_RESUME_CAP", 3)
# One reaper (a Redis lock) looks for orphaned runs and lost messages this often.
AXWEB_REAP_EVERY_S = env_float("AXWEB_REAP_EVERY_S", 1.0)
# A queued run (lab job, knowledge import) this old is re-enqueued: its message may be lost.
AXWEB_QUEUED_GRACE_S = env_float("AXWEB_QUEUED_GRACE_S", 30.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A writer waits for the lock at most half a lease: a heartbeat stuck behind a lock
    # must fail (and retry) before its lease runs out, not silently lose it.
    DATABASES["default"]["OPTIONS"]["timeout"] = min(20.0, AXWEB_RUN_LEASE_S / 2)
# Ceilings (issue 13, item 4): limits on everything a user controls that runs in a worker or
# in this process. Each is answered with a clear error (HTTP 413/400, a validation problem, or
# a failed node); see docs/engine.md "Ceilings" and the README's configuration table.
AXWEB_MAX_JSON_BYTES = env_int("AXWEB_MAX_JSON_BYTES", 5 * 1024 * 1024)
AXWEB_MAX_UPLOAD_BYTES = env_int("AXWEB_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
AXWEB_JSON_MAX_DEPTH = env_int("AXWEB_JSON_MAX_DEPTH", 100)
AXWEB_RUN_INPUTS_MAX_BYTES = env_int("AXWEB_RUN_INPUTS_MAX_BYTES", 1024 * 1024)
AXWEB_GRAPH_MAX_NODES = env_int("AXWEB_GRAPH_MAX_NODES", 5000)
AXWEB_GRAPH_MAX_EDGES = env_int("AXWEB_GRAPH_MAX_EDGES", 10000)
AXWEB_MAP_MAX_ITEMS = env_int("AXWEB_MAP_MAX_ITEMS", 1000)
AXWEB_SUBFLOW_MAX_DEPTH = env_int("AXWEB_SUBFLOW_MAX_DEPTH", 8)
AXWEB_EXPR_MAX_CHARS = env_int("AXWEB_EXPR_MAX_CHARS", 10_000)
AXWEB_EXPR_MAX_STEPS = env_int("AXWEB_EXPR_MAX_STEPS", 10_000)
AXWEB_EXPR_MAX_STRING = env_int("AXWEB_EXPR_MAX_STRING", 1_000_000)
AXWEB_EXPR_MAX_ITEMS = env_int("AXWEB_EXPR_MAX_ITEMS", 100_000)
AXWEB_EXPR_MAX_INT_BITS = env_int("AXWEB_EXPR_MAX_INT_BITS", 4096)
AXWEB_TEMPLATE_MAX_CHARS = env_int("AXWEB_TEMPLATE_MAX_CHARS", 2_000_000)
# Run limits used when a run sets none, and the most a run may ask for. Cost has no default:
# prices depend on the provider. 0 turns a ceiling off.
AXWEB_RUN_MAX_STEPS = env_int("AXWEB_RUN_MAX_STEPS", 10_000)
AXWEB_RUN_MAX_TOKENS = env_int("AXWEB_RUN_MAX_TOKENS", 1_000_000)
AXWEB_RUN_MAX_WALL_S = env_int("AXWEB_RUN_MAX_WALL_S", 3600)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "axweb.parsers.LimitedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# DRF reads JSON bodies through request.body, which Django caps at this size first.
DATA_UPLOAD_MAX_MEMORY_SIZE = AXWEB_MAX_JSON_BYTES
# Retention (issue 13, edges): finished runs older than this many days lose their events, node runs
# and tool-call records (hourly in the worker, or `manage.py prune_runs`). 0 keeps everything
# forever.
AXWEB_RETENTION_DAYS = env_int("AXWEB_RETENTION_DAYS", 0)
if AXWEB_RETENTION_DAYS < 0:
    from axweb.env import ConfigError

    raise ConfigError(
        f"AXWEB_RETENTION_DAYS={AXWEB_RETENTION_DAYS} must be 0 (keep forever) or a number of days."
    )
# Authentication (issue 13, item 8): login throttling, personal API tokens, websocket tickets.
# The cache holds the failed-login counters and the tickets, shared by every web process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("AXWEB_CACHE_URL", REDIS_URL),
        "KEY_PREFIX": "axweb",
    }
}
AXWEB_LOGIN_FAILURES_PER_USERNAME = env_int("AXWEB_LOGIN_FAILURES_PER_USERNAME", 10)
AXWEB_LOGIN_FAILURES_PER_IP = env_int("AXWEB_LOGIN_FAILURES_PER_IP", 30)
AXWEB_LOGIN_WINDOW_S = env_int("AXWEB_LOGIN_WINDOW_S", 300)
AXWEB_TRUSTED_PROXIES = env_int(
    "AXWEB_TRUSTED_PROXIES", 0
)  # proxies whose X-Forwarded-For is believed
AXWEB_WS_TICKET_TTL_S = env_int("AXWEB_WS_TICKET_TTL_S", 30)
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
# stream (issue 13, load): the ASGI web process takes PostgreSQL connections from a pool of at
# most this many (axweb/dbpool.py); 0 opens one per request as Django does by default.
AXWEB_DB_POOL_SIZE = env_int("AXWEB_DB_POOL_SIZE", 16)
# -- triggers (issue 16): webhooks and schedules that start runs (docs/triggers.md) -------------
INSTALLED_APPS += ["workflows.triggers"]
# The largest webhook body accepted (HTTP 413 above it).
AXWEB_WEBHOOK_MAX_BYTES = env_int("AXWEB_WEBHOOK_MAX_BYTES", 1024 * 1024)
# An HMAC-signed webhook call is accepted this many seconds around its timestamp, once.
AXWEB_WEBHOOK_TOLERANCE_S = env_int("AXWEB_WEBHOOK_TOLERANCE_S", 300)
# A schedule tick later than this (no scheduler was running) follows the catch-up policy.
AXWEB_SCHEDULE_MISFIRE_S = env_int("AXWEB_SCHEDULE_MISFIRE_S", 60)
# -- chatapi (issue 15): chat sessions as their own app under workflows (docs/chat.md) ------------
INSTALLED_APPS += ["workflows.chat"]

# uxa11y: Swagger UI and Redoc are served from drf-spectacular-sidecar's static files (through
# whitenoise's finders), so /api/docs/ works offline; no CDN.
INSTALLED_APPS += ["drf_spectacular_sidecar"]
SPECTACULAR_SETTINGS |= {
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# -- runpool (issues 15 and 18): one worker process executes several runs at once ---------------
# Runs spend their time waiting on models and tools, so a worker process serves them from Celery's
# threads pool: AXWEB_RUNS_PER_WORKER runs at once per process (each with its own event loop,
# database connection and lease heartbeat; builtin-model calls share one batched decode). Any
# `celery -A axweb worker` gets this pool and size unless its command line says otherwise.
# 20, not 10: `make run` starts ONE worker process, and 20 chat sessions answered at once on 10
# slots left half of them queued for a whole turn (docs/performance.md, "Chat time to first
# token"); an idle slot costs a thread, no connection.
AXWEB_RUNS_PER_WORKER = env_int("AXWEB_RUNS_PER_WORKER", 20)
if AXWEB_RUNS_PER_WORKER < 1:
    from axweb.env import ConfigError

    raise ConfigError(
        f"AXWEB_RUNS_PER_WORKER={AXWEB_RUNS_PER_WORKER} must be at least 1 (runs at once per "
        "worker process)."
    )
CELERY_WORKER_POOL = "threads"
CELERY_WORKER_CONCURRENCY = AXWEB_RUNS_PER_WORKER
# -- knowledge (issue 18): approximate search for large collections (docs/tools.md) --------------
# A collection with at least this many chunks is searched through an HNSW graph (usearch),
# smaller ones exactly.
AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS = env_int("AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS", 50_000)
# HNSW search breadth ("ef"): higher finds more of the true top-k, slower.
AXWEB_KNOWLEDGE_ANN_EF = env_int("AXWEB_KNOWLEDGE_ANN_EF", 256)
# Where HNSW graphs are saved, so a restarted worker loads them instead of rebuilding.
AXWEB_KNOWLEDGE_INDEX_DIR = env_str("AXWEB_KNOWLEDGE_INDEX_DIR", str(DATA_DIR / "knowledge-index"))
# -- http (issue 13, load): each web server process runs its requests on a pool of this many
# long-lived threads (axweb/handler.py) instead of a new thread per request.
AXWEB_WEB_THREADS = env_int("AXWEB_WEB_THREADS", 32)
