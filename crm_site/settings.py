"""Settings, all read from the environment (12-factor) with safe local defaults for `make run`.

Production needs at least: SECRET_KEY, DEBUG=false, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL,
EMAIL_URL, and SECURE_COOKIES/SECURE_SSL_REDIRECT (default on when DEBUG is off).
"""

from pathlib import Path

import environ
from celery.schedules import crontab  # noqa: F401  (handy for schedules below)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The repository's key is public: it signs nothing outside `make run` (DEBUG on). With DEBUG off a
# missing key stops every process (web, worker, beat, manage.py) with one clear line, instead of
# signing quote links, lead-form tokens and password resets with a key anyone can read.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdefghijkl"
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY is not set: with DEBUG off the CRM needs a secret key of its own "
        "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Real datasets beside the project (../shared/data): demo data, imports, benchmarks.
SHARED_DATA_DIR = Path(env("SHARED_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # libraries
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "taggit",
    "axes",
    # ours
    "core",
    "users",
    "accounts",
    "sales",
    "catalog",
    "billing",
    "marketing",
    "service",
    "analytics",
    "imports",
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
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm_site.urls"
WSGI_APPLICATION = "crm_site.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:54329/crm"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "crm",
        # A Redis that hangs fails like one that is down (rate limits fail open), within seconds.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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

# Throttled failed logins (django-axes): 5 failures per user name and address, 15 min lock.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IP_HEADERS", default=["REMOTE_ADDR"]
)  # behind a load balancer: ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Sessions and cookies
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="Europe/Rome")
USE_I18N = True
USE_TZ = True
# One date/time format per language (crm_site/formats/<lang>/formats.py, then Django's); money
# goes through catalog.money.display. No USE_THOUSAND_SEPARATOR: it would also group ids and
# form values ("1,234" in a URL); amounts are grouped by the money helpers instead.
FORMAT_MODULE_PATH = "crm_site.formats"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`; `make run`/`make test` skip that step.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = STORAGES["staticfiles"]["BACKEND"].startswith("django.")
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# E-mail: EMAIL_URL such as smtp://user:pass@host:587 or smtp+tls://…
vars().update(env.email_url("EMAIL_URL", default="smtp://127.0.0.1:8025"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CRM <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10
# Only `make run` sets this: the folder the local SMTP sink writes to, shown at /dev/mail/.
DEV_MAILDIR = env("DEV_MAILDIR", default="")

MESSAGE_TAGS = {40: "danger"}  # Bootstrap's name for errors

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
FILTERS_EMPTY_CHOICE_LABEL = "Any"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.HasRole"],
    "DEFAULT_FILTER_BACKENDS": ["core.api.filters.FilterBackend"],
    # JSON only, errors included (no browsable API: /api/docs/ is the interactive face).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",  # documents the error statuses too
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    # Per client, counted in Redis (the cache) so every web node shares the counts; with Redis
    # down they let requests through and log a warning (core.api.throttling).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_RATE_ANON", default="60/min"),
        "user": env("API_RATE_USER", default="3000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "Accounts, contacts, sales, marketing and service. Same row-level access "
    "as the web pages. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Request bodies are documented as JSON (form encodings are still parsed, not described).
    "PARSER_WHITELIST": ["core.api.parsers.JSONParser"],
    "SWAGGER_UI_DIST": "SIDECAR",  # no CDN: assets ship with drf-spectacular-sidecar
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" or "kind": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "sales.models.leads.Lead.Status",
        "OpportunityStatusEnum": "sales.models.pipeline.Stage.Kind",
        "QuoteStatusEnum": "sales.models.quotes.Quote.Status",
        "OrderStatusEnum": "billing.models.Order.Status",
        "InvoiceStatusEnum": "billing.models.Invoice.Status",
        "LedgerEntryKindEnum": "billing.models.LedgerEntry.Kind",
        "PriceBookKindEnum": "catalog.models.PriceBook.Kind",
        "TicketStatusEnum": "service.models.Ticket.Status",
        "AccountKindEnum": "accounts.models.Account.Kind",
        "ActivityKindEnum": "accounts.models.Activity.Kind",
    },
}

# Celery: Redis broker; a task is acknowledged only after it ran, and goes back to the queue
# when its worker dies, so a killed worker loses nothing (tasks are idempotent).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {
        "task": "core.tasks.relay_pending_events",
        "schedule": env.float("OUTBOX_RELAY_SECONDS", default=15.0),
    },
    "expire-quotes": {  # sent/approved quotes past their validity become expired
        "task": "sales.quotes.tasks.expire_quotes",
        "schedule": 3600.0,
    },
    "train-lead-scoring": {  # learn from converted vs disqualified leads, rescore open ones
        "task": "sales.leads.tasks.train_lead_scoring",
        "schedule": crontab(hour=2, minute=30),
    },
}
# Sales: amounts are converted to this currency for the pipeline, forecast and quotas.
CRM_BASE_CURRENCY = env("CRM_BASE_CURRENCY", default="USD")

# Broker outages must not break a web request: the outbox sweeper delivers later.
OUTBOX_PUBLISH_TIMEOUT = 2

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
CSRF_FAILURE_VIEW = "core.views.pages.csrf_failure"
