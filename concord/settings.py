"""Django settings for Concord, read from the environment (see .env.example).

Configuration fails closed. With no `CONCORD_ENV` Concord runs in **production** mode: every
protection of `manage.py check --deploy` is on, and it refuses to start without a secret key of
50+ random characters and the host names it serves (`CONCORD_SECRET_KEY`,
`CONCORD_ALLOWED_HOSTS`). Development mode (debug pages, a built-in key, local host names) must
be asked for, `CONCORD_ENV=development`: `make demo`, `make serve` and `make bench` set it, and so
must a developer's shell. Any other value is refused, so a mistyped setting cannot start a server
in development mode.

Two programs that are not Concord running but development tools reading its settings default to
development instead, when `CONCORD_ENV` is unset: the test run (pytest is loaded) and the
type checker (django-stubs loads the settings inside mypy). A server, a worker or a command
never loads either, so for them the default stays production.

Production start-up also reports, as system-check warnings shown by `concord check` and at every
server start, the protections that have been switched off (`CONCORD_HSTS_SECONDS=0`,
`CONCORD_SSL_REDIRECT=false`): core/checks.py. The proxy's HTTPS header is trusted only when
`CONCORD_PROXY_HTTPS_HEADER` names it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from concord.env import env_bool, env_header, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONCORD_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENTS = ("development", "production")
TESTING = "pytest" in sys.modules or env_bool("CONCORD_TESTING")
# Only the development tools default to development (see the docstring); nothing else does.
_DEVELOPMENT_TOOL = "pytest" in sys.modules or "mypy_django_plugin" in sys.modules
CONCORD_ENV = env_str("CONCORD_ENV", "development" if _DEVELOPMENT_TOOL else "production")
if CONCORD_ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"CONCORD_ENV must be one of {', '.join(ENVIRONMENTS)} (exactly, in lower case), "
        f"not {CONCORD_ENV!r}"
    )
PRODUCTION = CONCORD_ENV == "production"
DEBUG = env_bool("CONCORD_DEBUG", default=not PRODUCTION)

SECRET_KEY = env_str("CONCORD_SECRET_KEY")
# Earlier secret keys, still accepted to read what they signed or sealed (sessions, reset links,
# authenticators' seeds: identity/sealed.py) while the new key replaces them.
SECRET_KEY_FALLBACKS = env_list("CONCORD_SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("CONCORD_ALLOWED_HOSTS")
if PRODUCTION:
    # The rule of Django's own deploy check (security.W009), enforced rather than warned.
    weak_key = len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
    if weak_key or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "CONCORD_SECRET_KEY must be set to at least 50 random characters in production"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("CONCORD_ALLOWED_HOSTS must name this server in production")
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "CONCORD_ALLOWED_HOSTS must name this server in production, not allow every host (*)"
        )
    if DEBUG:
        raise ImproperlyConfigured("CONCORD_DEBUG must be off in production")
else:
    SECRET_KEY = SECRET_KEY or "concord-development-key-not-for-production-use-0123456789"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver", "[::1]"]

CSRF_TRUSTED_ORIGINS = env_list("CONCORD_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "core.views.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Concord: the tenancy kernel, the machinery on it, then the apps (docs/architecture.md).
    "core.tenancy",
    "core",
    "partners",
    "identity",
    "estate",
    "servicedesk",
    "assets",
    "licences",
    "contracts",
    "finance",
    "portfolio",
    "reporting",
]

MIDDLEWARE = [
    "core.middleware.HtmxRedirectMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.tenancy.middleware.AccessEndedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.ChangeContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "concord.urls"
WSGI_APPLICATION = "concord.wsgi.application"
ASGI_APPLICATION = "concord.asgi.application"

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
                "core.context_processors.concord",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'concord.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("CONCORD_DB_CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, keeping the query planner's statistics (core/sqlite3/base.py, decision
    # 0049).
    DATABASES["default"]["ENGINE"] = "core.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with the inserts no one reads back sent with the transaction's next
    # statement (core/postgresql/base.py, decision 0047).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    # No just-in-time compilation: it pays off for long analytical queries, while Concord's are
    # short, and a plan estimated dear (full-text search ranking its matches) spent more time
    # compiling than running (58 of 307 ms; docs/decisions/0018-full-text-search.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # Values bound on the server, and each statement prepared on its second use on a
    # connection: planning Concord's joined queries took longer than running them (decision
    # 0048). A pooler in transaction mode without prepared statements: CONCORD_DB_PREPARED=0.
    if env_bool("CONCORD_DB_PREPARED", True):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 2
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.tenancy.auth.ConcordBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Signing in through councils' identity providers (identity/, docs/identity.md): whether a
# provider's client secret may be kept in the database (otherwise only an environment variable
# it names holds it: the production default), and how long to wait for a provider's answer.
IDENTITY_SECRETS_IN_DATABASE = env_bool(
    "CONCORD_IDENTITY_SECRETS_IN_DATABASE", default=not PRODUCTION
)
IDENTITY_HTTP_TIMEOUT = env_int("CONCORD_IDENTITY_HTTP_TIMEOUT", 10)
# The shared service's own staff who sign in with a password give a code from an authenticator
# app too (TOTP, with recovery codes). On in production; off by default in development, so
# that the demo's people sign in with their password alone (docs/identity.md).
IDENTITY_STAFF_SECOND_FACTOR = env_bool("CONCORD_STAFF_SECOND_FACTOR", default=PRODUCTION)
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed sign-ins: after AXES_FAILURE_LIMIT failures for one username from one address
# the pair is locked out for AXES_COOLOFF_MINUTES. Records live in the database so that several
# web processes share them.
AXES_FAILURE_LIMIT = env_int("CONCORD_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("CONCORD_SIGNIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "core.tenancy.auth.lockout_username"
# The one reading of the client's address (TRUSTED_PROXIES below), as for the token throttle.
AXES_CLIENT_IP_CALLABLE = "core.tenancy.auth.client_address"
# A sign-in tried during a lock-out is refused without being counted: the lock-out ends when
# the sign-in page said it would, however often someone tries meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The lock-out page (and the API's answer) say when it ends (core.tenancy.lockouts).
AXES_LOCKOUT_CALLABLE = "core.views.signin.locked_out"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("CONCORD_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# collectstatic compresses neither source maps (read only by a browser's developer tools) nor
# files already compressed: it took 24 s (44 s of CPU) and 49 MB, most of it Brotli over the
# API browser's source maps. Unhashed copies stay: app.js imports its modules by those names.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
if not PRODUCTION:
    # Development serves static files from the finders; whitenoise still wants its folder.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions live in the database. With a shared cache (Redis) they are read through it, which
# saves every signed-in request a query; never through the per-process cache, where a session
# signed out in one web process would live on in the others.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if env_str("REDIS_URL") else "core.sessions"
)

# Background jobs: django-tasks, the backport of Django 6's django.tasks. The database backend
# needs nothing beyond the database; `concord worker` runs the jobs. With CONCORD_TASKS_REDIS
# (and REDIS_URL, and the `redis` extra installed) they are queued on Redis through
# django-tasks-rq instead, for installations with several workers; `concord worker` then runs
# an RQ worker. Tests run jobs at once.
TASKS_ON_REDIS = env_bool("CONCORD_TASKS_REDIS") and not TESTING
if TASKS_ON_REDIS:
    if not env_str("REDIS_URL"):
        raise ImproperlyConfigured("CONCORD_TASKS_REDIS needs REDIS_URL to name the Redis server")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL"), "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {
        "default": {
            "BACKEND": (
                "django_tasks.backends.immediate.ImmediateBackend"
                if TESTING or env_bool("CONCORD_TASKS_IMMEDIATE")
                else "core.queueing.DatabaseQueue"
            )
        }
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.tenancy.auth.ConcordTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's, refusing JSON nested too deep with a 400 rather than a 500 (core/api/parsers.py).
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Concord API",
    "DESCRIPTION": "The REST API of Concord, the shared IT service of several councils.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tag and name operations by resource (sites_list), not by the version prefix.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Choice sets whose field names (kind, impact) other resources use for other choices.
    "ENUM_NAME_OVERRIDES": {
        "ChangeKindEnum": "servicedesk.choices.ChangeKind",
        "ChangeLevelEnum": "servicedesk.choices.ChangeLevel",
        "ChangeStatusEnum": "servicedesk.choices.ChangeStatus",
        "KindEnum": "servicedesk.choices.TicketKind",
        "ImpactEnum": "servicedesk.choices.Impact",
        "AssetKindEnum": "assets.choices.AssetKind",
        "CIKindEnum": "assets.choices.CIKind",
        "RelationshipKindEnum": "assets.choices.RelationshipKind",
        "LifecycleStateEnum": "assets.choices.LifecycleState",
        "DisposalMethodEnum": "assets.choices.DisposalMethod",
        "LicenceKindEnum": "licences.choices.LicenceKind",
        "ContractStatusEnum": "contracts.choices.ContractStatus",
        "RagEnum": "contracts.choices.Rag",
        "MilestoneKindEnum": "contracts.choices.MilestoneKind",
        # A driver figure's source (measured, entered) beside a ticket's (portal, email...):
        # the ticket's keeps the name it had.
        "SourceEnum": "servicedesk.choices.Source",
        "FigureSourceEnum": "finance.choices.FigureSource",
        # A risk's or issue's status (open, closed) beside the other records' statuses.
        "EntryStatusEnum": "portfolio.choices.EntryStatus",
    },
    # No validator badge: it would fetch an image from validator.swagger.io (no network here).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "validatorUrl": None},
    # Error responses, ETag and If-Match on every operation (core/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_shared_responses",
    ],
}

# Content-Security-Policy: nothing from outside this server, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("CONCORD_SESSION_SECONDS", 8 * 60 * 60)

# Behind a proxy that ends TLS, Django sees plain HTTP unless it may believe the proxy's header
# saying the request came in over HTTPS. Believed only when named: a server that anyone but its
# proxy can reach would otherwise take the word of any client that sends the header.
PROXY_HTTPS_HEADER = env_header("CONCORD_PROXY_HTTPS_HEADER", "X-Forwarded-Proto")
if PROXY_HTTPS_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + PROXY_HTTPS_HEADER.upper().replace("-", "_"), "https")
# The client's address (sign-in lock-outs and the token endpoint's rate limit count per
# address): the connection's, or, when the connection comes from one of these proxies, the
# right-most address in X-Forwarded-For that is not one of them (core.tenancy.auth.
# client_address). Nobody else's X-Forwarded-For is believed: a client could name any address.
TRUSTED_PROXIES = env_networks("CONCORD_TRUSTED_PROXIES")
if "CONCORD_PROXY_CLIENT_IP_HEADER" in os.environ:
    # Replaced by CONCORD_TRUSTED_PROXIES. Ignored, a deployment still setting it would count
    # every sign-in behind its proxy as the proxy's own: it is refused instead.
    raise ImproperlyConfigured(
        "CONCORD_PROXY_CLIENT_IP_HEADER is no longer read: name the proxies whose "
        "X-Forwarded-For is believed in CONCORD_TRUSTED_PROXIES instead"
    )
# The health checks answer load balancers and monitors that talk plain HTTP to the server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CONCORD_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("CONCORD_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # On by default so that `check --deploy` is clean; the directive only matters once the
    # apex domain is submitted to the preload list (docs/decisions/0002-hsts-preload.md).
    SECURE_HSTS_PRELOAD = env_bool("CONCORD_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    # A protection switched off is reported at every start by Concord's own check, which names
    # the variable (core/checks.py); Django's deploy check saying the same is not repeated.
    SILENCED_SYSTEM_CHECKS = [
        *(["security.W004"] if SECURE_HSTS_SECONDS <= 0 else []),
        *(["security.W008"] if not SECURE_SSL_REDIRECT else []),
    ]

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("CONCORD_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("CONCORD_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CONCORD_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("CONCORD_FROM_EMAIL", "concord@localhost")
EMAIL_TIMEOUT = env_int("CONCORD_EMAIL_TIMEOUT", 30)
# The address people reach Concord at, for the links in emails (no trailing slash): by default
# the first allowed host over HTTPS in production, the development server otherwise.
CONCORD_BASE_URL = env_str(
    "CONCORD_BASE_URL",
    f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION and ALLOWED_HOSTS else "http://127.0.0.1:8000",
).rstrip("/")

# Email in (servicedesk.mail_in, docs/servicedesk.md "Email in"): the largest message taken
# (bigger ones are refused by the SMTP listener with 552, and kept as failed from the mailbox),
# how many mails one sender may send in an hour before the rest are ignored as a loop, and the
# desk address of each council that has its own (code=address, comma-separated).
CONCORD_MAIL_MAX_BYTES = env_int("CONCORD_MAIL_MAX_BYTES", 25 * 1024 * 1024)
CONCORD_MAIL_RATE_LIMIT = env_int("CONCORD_MAIL_RATE_LIMIT", 30)
CONCORD_MAIL_COUNCIL_ADDRESSES = env_list("CONCORD_MAIL_COUNCIL_ADDRESSES")
# A mail left "received" (its processing never finished: the process died) is worked on again
# by the desk's periodic job once it is this many minutes old, and given up on (failed, for the
# desk to retry by hand) once it is this many hours old.
CONCORD_MAIL_RETRY_AFTER_MINUTES = env_int("CONCORD_MAIL_RETRY_AFTER_MINUTES", 10)
CONCORD_MAIL_RETRY_GIVE_UP_HOURS = env_int("CONCORD_MAIL_RETRY_GIVE_UP_HOURS", 24)
# Where `concord mail-in` listens (its --host and --port override them).
CONCORD_MAIL_IN_HOST = env_str("CONCORD_MAIL_IN_HOST", "127.0.0.1")
CONCORD_MAIL_IN_PORT = env_int("CONCORD_MAIL_IN_PORT", 2525)
# The mailbox `concord mail-poll` reads (IMAP; over TLS unless CONCORD_MAIL_IMAP_SSL is off).
# A mail taken is marked seen, and moved to CONCORD_MAIL_IMAP_DONE_FOLDER when one is named.
CONCORD_MAIL_IMAP_HOST = env_str("CONCORD_MAIL_IMAP_HOST")
CONCORD_MAIL_IMAP_PORT = env_int("CONCORD_MAIL_IMAP_PORT", 993)
CONCORD_MAIL_IMAP_USER = env_str("CONCORD_MAIL_IMAP_USER")
CONCORD_MAIL_IMAP_PASSWORD = env_str("CONCORD_MAIL_IMAP_PASSWORD")
CONCORD_MAIL_IMAP_FOLDER = env_str("CONCORD_MAIL_IMAP_FOLDER", "INBOX")
CONCORD_MAIL_IMAP_DONE_FOLDER = env_str("CONCORD_MAIL_IMAP_DONE_FOLDER")
CONCORD_MAIL_IMAP_SSL = env_bool("CONCORD_MAIL_IMAP_SSL", True)

# How many rows a list page or API page shows, and the most a client may ask for.
CONCORD_PAGE_SIZE = env_int("CONCORD_PAGE_SIZE", 50)
CONCORD_MAX_PAGE_SIZE = 500
# Imports above this many rows run as a background job with a progress indicator.
CONCORD_IMPORT_INLINE_ROWS = env_int("CONCORD_IMPORT_INLINE_ROWS", 2000)
CONCORD_IMPORT_MAX_BYTES = env_int("CONCORD_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# The most rows of data an import file may hold, and the most a workbook may unzip to
# (core/importing/limits.py has the rest of the limits, a spreadsheet's own).
CONCORD_IMPORT_MAX_ROWS = env_int("CONCORD_IMPORT_MAX_ROWS", 100_000)
# How many days the link in an approval email works (a catalogue request's council lead
# approves or rejects from it without signing in).
CONCORD_APPROVAL_LINK_DAYS = env_int("CONCORD_APPROVAL_LINK_DAYS", 7)
# How much history `concord demo` makes, in per cent of its year (100: a few thousand tickets;
# the test suite, which loads the demo several times, asks for 1).
CONCORD_DEMO_HISTORY_PERCENT = env_int("CONCORD_DEMO_HISTORY_PERCENT", 100)
CONCORD_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int(
    "CONCORD_IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024
)
# The largest file that may be attached to a record (core.attachments).
CONCORD_ATTACHMENT_MAX_BYTES = env_int("CONCORD_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A file bigger than any Concord accepts stops being stored as it arrives (core/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "core.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CONCORD_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
