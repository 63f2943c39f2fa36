"""Pinzhi settings. Every value can be set by an environment variable; defaults are safe
for a first look on loopback. Production: DJANGO_SETTINGS_MODULE=pinzhi.settings_production.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("PINZHI_VAR_DIR", str(PROJECT_DIR / "var")))

# Key of the timeline's hash chain; without it one is derived from SECRET_KEY, so
# rotating SECRET_KEY would make every event look altered. Keep it outside the database.
PINZHI_TIMELINE_KEY = env_str("PINZHI_TIMELINE_KEY", "") or None
SECRET_KEY = env_str("PINZHI_SECRET_KEY", "insecure-dev-key-change-me-for-any-real-use")
DEBUG = env_bool("PINZHI_DEBUG", False)
# The address people reach Pinzhi at: links in e-mails, webhooks and QR codes use it.
PINZHI_SITE_URL = env_str("PINZHI_SITE_URL", "http://127.0.0.1:8000")
ALLOWED_HOSTS = env_list("PINZHI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
# How many reverse proxies stand in front of the web app (0: none; X-Forwarded-For ignored).
PINZHI_TRUSTED_PROXIES = env_int("PINZHI_TRUSTED_PROXIES", 0)
CSRF_TRUSTED_ORIGINS = env_list("PINZHI_CSRF_TRUSTED_ORIGINS", [])

# Pinzhi's apps first: where two catalogues translate the same words, ours win.
INSTALLED_APPS = [
    "pinzhi.core",
    "pinzhi.orgs",
    "pinzhi.policy",
    "pinzhi.timeline",
    "pinzhi.deadlines",
    "pinzhi.notify",
    "pinzhi.complaints",
    "pinzhi.portal",
    "pinzhi.api",
    "pinzhi.bench",
    # After the older apps: where two catalogues translate one message id differently,
    # the app listed first wins, so existing pages keep their wording.
    "pinzhi.standards",
    "pinzhi.inspections",
    "pinzhi.rectification",
    "pinzhi.suppliers",
    "pinzhi.training",
    "pinzhi.assessment",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
]

MIDDLEWARE = [
    "pinzhi.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pinzhi.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "pinzhi.core.middleware.SessionIdleTimeoutMiddleware",
    "pinzhi.core.middleware.NoStoreForSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A service's refusal that escapes a view becomes a message on the page (core/errors.py).
    "pinzhi.core.errors.DomainErrorMiddleware",
]

ROOT_URLCONF = "pinzhi.urls"
WSGI_APPLICATION = "pinzhi.wsgi.application"

# Every form field renders with Bootstrap classes and one field template.
FORM_RENDERER = "pinzhi.core.forms_rendering.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pinzhi.core.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("PINZHI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'pinzhi.sqlite3'}"),
        # Issue 9 item 2: persistent connections (a new PostgreSQL connection per request
        # costs more than a whole registration), checked before reuse.
        conn_max_age=env_int("PINZHI_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web app, the worker and the clock share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # Issue 9 item 3: PostgreSQL's JIT compiles the plan of every large aggregate or list
    # query (0.4-4 s measured on the tiles and the export) for queries that run in
    # milliseconds through their indexes; Pinzhi's queries are short, so it is off.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.Person"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

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
# Sign-in lock-out: this many failures within the window lock the account for the window.
PINZHI_SIGNIN_MAX_FAILURES = env_int("PINZHI_SIGNIN_MAX_FAILURES", 5)
PINZHI_SIGNIN_LOCK_MINUTES = env_int("PINZHI_SIGNIN_LOCK_MINUTES", 15)
# This many failures from one address within the same window, whatever the usernames, lock
# that address out of signing in (one address trying one password on many accounts).
PINZHI_SIGNIN_ADDRESS_MAX_FAILURES = env_int("PINZHI_SIGNIN_ADDRESS_MAX_FAILURES", 20)
# Public pages (CMP-1, CMP-2) and the API: rate limits per address, tracking code or token,
# counted by the one mechanism in pinzhi/core/ratelimit.py (issue 7 item 6).
PINZHI_PUBLIC_SUBMITS_PER_HOUR = env_int("PINZHI_PUBLIC_SUBMITS_PER_HOUR", 5)
PINZHI_PUBLIC_SUBMITS_PER_DAY = env_int("PINZHI_PUBLIC_SUBMITS_PER_DAY", 20)
PINZHI_PUBLIC_TRACK_FAILURES_PER_HOUR = env_int("PINZHI_PUBLIC_TRACK_FAILURES_PER_HOUR", 10)
# Four digits of a phone are guessable: failures on one tracking code from any address.
PINZHI_PUBLIC_TRACK_CODE_FAILURES_PER_HOUR = env_int(
    "PINZHI_PUBLIC_TRACK_CODE_FAILURES_PER_HOUR", 5
)
# Issue 9 item 2: sized for a hotline's bursts (one token carries a whole call centre).
PINZHI_API_REQUESTS_PER_MINUTE = env_int("PINZHI_API_REQUESTS_PER_MINUTE", 3000)
# How long an API write's Idempotency-Key is remembered (a retry within it is answered again).
PINZHI_API_IDEMPOTENCY_HOURS = env_int("PINZHI_API_IDEMPOTENCY_HOURS", 24)
# How long a one-time sign-in code issued by an administrator stays valid.
PINZHI_SIGNIN_CODE_HOURS = env_int("PINZHI_SIGNIN_CODE_HOURS", 72)
# A session ends after this many hours without a request.
PINZHI_SESSION_IDLE_HOURS = env_int("PINZHI_SESSION_IDLE_HOURS", 8)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
    ("en", _("English")),
]

TIME_ZONE = env_str("PINZHI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Front-end assets from npm, copied here by `make assets` (git-ignored).
STATICFILES_DIRS = [BASE_DIR / "static"]

MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("PINZHI_MEDIA_ROOT", str(VAR_DIR / "media")))
# Without collectstatic (the demo), WhiteNoise serves files straight from the apps.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Attachments: size limit and the file types a quality record may carry.
PINZHI_ATTACHMENT_MAX_BYTES = env_int("PINZHI_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Reading uploaded spreadsheets (imports of calendars, complaints, the organisation; issue 6
# item 3): an .xlsx is a zip archive, checked before it is unpacked (parts, compression ratio
# of each part, total unpacked size), then read with bounds on filled cells, characters of
# text, a cell's length and the columns read. See pinzhi/core/spreadsheets.py.
PINZHI_IMPORT_MAX_PARTS = env_int("PINZHI_IMPORT_MAX_PARTS", 500)
PINZHI_IMPORT_MAX_RATIO = env_int("PINZHI_IMPORT_MAX_RATIO", 100)
PINZHI_IMPORT_MAX_UNPACKED_MB = env_int("PINZHI_IMPORT_MAX_UNPACKED_MB", 200)
PINZHI_IMPORT_MAX_CELLS = env_int("PINZHI_IMPORT_MAX_CELLS", 1_000_000)
PINZHI_IMPORT_MAX_CHARS = env_int("PINZHI_IMPORT_MAX_CHARS", 50_000_000)
PINZHI_IMPORT_MAX_CELL_CHARS = env_int("PINZHI_IMPORT_MAX_CELL_CHARS", 32_767)
PINZHI_IMPORT_MAX_COLUMNS = env_int("PINZHI_IMPORT_MAX_COLUMNS", 200)
# Import batches (issue 7 item 3, pinzhi/core/imports.py): a batch not applied within this
# many hours is purged with its upload; finished batches (and their error reports) are kept
# this many days.
PINZHI_IMPORT_PLAN_HOURS = env_int("PINZHI_IMPORT_PLAN_HOURS", 24)
PINZHI_IMPORT_KEEP_DAYS = env_int("PINZHI_IMPORT_KEEP_DAYS", 30)
# Checklist templates (INS-4): the largest workbook and the most items one import reads.
PINZHI_CHECKLIST_IMPORT_MAX_MB = env_int("PINZHI_CHECKLIST_IMPORT_MAX_MB", 2)
PINZHI_CHECKLIST_MAX_ITEMS = env_int("PINZHI_CHECKLIST_MAX_ITEMS", 500)
# Exports (issue 9 item 4): the most rows one Excel export holds; above SYNC_MAX_ROWS it is
# written by a worker and downloaded from its progress page for KEEP_HOURS.
PINZHI_EXPORT_MAX_ROWS = env_int("PINZHI_EXPORT_MAX_ROWS", 200_000)
PINZHI_EXPORT_SYNC_MAX_ROWS = env_int("PINZHI_EXPORT_SYNC_MAX_ROWS", 10_000)
PINZHI_EXPORT_KEEP_HOURS = env_int("PINZHI_EXPORT_KEEP_HOURS", 24)

# E-mail: SMTP when PINZHI_EMAIL_HOST is set, otherwise messages are printed to the console.
MAILERS: dict[str, dict[str, Any]]
if env_str("PINZHI_EMAIL_HOST", ""):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("PINZHI_EMAIL_HOST", ""),
                "port": env_int("PINZHI_EMAIL_PORT", 25),
                "username": env_str("PINZHI_EMAIL_USER", ""),
                "password": env_str("PINZHI_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("PINZHI_EMAIL_USE_TLS", False),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("PINZHI_EMAIL_FROM", "pinzhi@localhost")
# Webhooks go only to public internet addresses; these host names (as written in the
# endpoint's URL) may also resolve to internal ones (issue 6 item 5). Never metadata.
PINZHI_WEBHOOK_ALLOWED_HOSTS = env_list("PINZHI_WEBHOOK_ALLOWED_HOSTS", [])

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task still RUNNING this long after it started belonged to a worker that was killed: the
# clock's recovery job marks it failed.
PINZHI_TASK_RUNNING_TIMEOUT_MINUTES = env_int("PINZHI_TASK_RUNNING_TIMEOUT_MINUTES", 120)

SESSION_COOKIE_HTTPONLY = True
# The idle timeout is enforced by SessionIdleTimeoutMiddleware, which saves the session at most
# once a minute; the stored session lasts a little longer than the timeout.
SESSION_COOKIE_AGE = PINZHI_SESSION_IDLE_HOURS * 3600 + 300
CSRF_COOKIE_HTTPONLY = True
# A refused form in the shell and in Chinese, not Django's bare page (issue 8 item 6).
CSRF_FAILURE_VIEW = "pinzhi.core.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy: scripts and styles from Pinzhi itself, and inline ones only with
# the request's nonce ({{ csp_nonce }}); Bootstrap's CSS draws its icons from data: URLs.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_without_traceback": {"()": "pinzhi.lib.logs.ClientErrorsWithoutTraceback"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # A 403 or 404 is a warning without a traceback; only server errors carry one.
    "loggers": {"django.request": {"filters": ["client_errors_without_traceback"]}},
    "root": {"handlers": ["console"], "level": env_str("PINZHI_LOG_LEVEL", "INFO")},
}
