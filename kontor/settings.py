"""Kontor's settings. Every value that differs between installations is read
from the environment here, and only here."""

import base64
import copy
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kontor.api.rates import parse_rate
from kontor.core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("KONTOR_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use KONTOR_SECRET_KEY, else a key generated once and kept under var/."""
    if key := os.environ.get("KONTOR_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("KONTOR_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("KONTOR_ALLOWED_HOSTS", "*").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("KONTOR_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# Region used to read phone numbers typed without a country code.
KONTOR_DEFAULT_REGION = os.environ.get("KONTOR_DEFAULT_REGION", "DE").upper()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "kontor.core",
    "kontor.accounts",
    "kontor.access",
    "kontor.customfields",
    "kontor.sources",
    "kontor.audit",
    "kontor.tasks",
    "kontor.exports",
    "kontor.contacts",
    "kontor.activities",
    "kontor.files",
    "kontor.notifications",
    "kontor.sla",
    "kontor.events",
    "kontor.telephony",
    "kontor.mail",
    "kontor.sales",
    "kontor.service",
    "kontor.consent",
    "kontor.integration",
    "kontor.workflow",
    "kontor.warehouse",
    "kontor.privacy",
    "kontor.dedupe",
    "kontor.quality",
    "kontor.analytics",
    "kontor.imports",
    "kontor.demo",
    "kontor.perf",
    "kontor.server",
]

MIDDLEWARE = [
    "kontor.core.middleware.RequestLogMiddleware",
    "kontor.api.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kontor.core.db_router.ReadYourWritesMiddleware",
    "kontor.access.middleware.SharedAccessMiddleware",
    "kontor.audit.middleware.AuditMiddleware",
    "kontor.access.middleware.PermissionDeniedMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kontor.accounts.middleware.TwoFactorMiddleware",
    "kontor.accounts.middleware.ResolvedUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kontor.urls"
WSGI_APPLICATION = "kontor.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: SQLite under var/ by default, anything dj-database-url reads otherwise.
# A connection serves its thread's requests for up to a minute: a new one costs
# a round of authentication on PostgreSQL, and on SQLite the reading of the
# whole schema (1.7 ms, more than a caller lookup).
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kontor.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            # synchronous=FULL: a commit is on disk before the client hears of
            # it, so acknowledged writes survive a power cut, not only a crash.
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Kontor answers many small requests at once: a parallel plan would take
    # the cores of the other requests (and, planned on a wrong estimate, walk
    # a whole table in three processes instead of one). Reports that gain from
    # parallel plans run elsewhere (read replicas, the warehouse export).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options",
        "-c max_parallel_workers_per_gather=" + os.environ.get("KONTOR_DB_PARALLEL_WORKERS", "0"),
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# PostgreSQL: the caller lookups are sent as prepared statements, planned once
# per connection (kontor.core.prepared); off behind a connection pooler that
# cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
KONTOR_DB_PREPARED_STATEMENTS = _env_bool("KONTOR_DB_PREPARED_STATEMENTS", True)

# Read replicas (kontor.core.db_router, docs/performance.md): comma-separated
# URLs of PostgreSQL streaming replicas of DATABASE_URL. Searches, lists,
# dashboards and the warehouse export read from them; a user who wrote reads
# from the primary for KONTOR_DATABASE_REPLICA_STICKY_SECONDS afterwards.
_replica_urls = [
    u.strip() for u in os.environ.get("KONTOR_DATABASE_REPLICA_URLS", "").split(",") if u.strip()
]
KONTOR_DATABASE_REPLICAS = [f"replica_{n}" for n in range(1, len(_replica_urls) + 1)]
KONTOR_DATABASE_REPLICA_STICKY_SECONDS = int(
    os.environ.get("KONTOR_DATABASE_REPLICA_STICKY_SECONDS", "10")
)
if _replica_urls and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("KONTOR_DATABASE_REPLICA_URLS needs PostgreSQL as DATABASE_URL.")
for _alias, _url in zip(KONTOR_DATABASE_REPLICAS, _replica_urls, strict=True):
    _replica = dj_database_url.parse(_url)
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"KONTOR_DATABASE_REPLICA_URLS: {_url!r} is no PostgreSQL URL.")
    DATABASES[_alias] = {
        **copy.deepcopy(DATABASES["default"]),
        **{key: _replica[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "TEST": {"MIRROR": "default"},
    }
    # A replica that does not answer is left out for the page (kontor.core.db_router):
    # without a limit, connecting to a host that is gone waits for TCP to give up.
    DATABASES[_alias]["OPTIONS"].setdefault("connect_timeout", 5)
if KONTOR_DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["kontor.core.db_router.ReplicaRouter"]

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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, kontor/accounts/lockout.py): after this many
# failures an account, or (with the higher limit) a client address, is locked
# for the cool-off time. Wrong API tokens have a limit of their own.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
KONTOR_LOGIN_FAILURE_LIMIT = int(os.environ.get("KONTOR_LOGIN_FAILURE_LIMIT", "5"))
KONTOR_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("KONTOR_LOGIN_ADDRESS_FAILURE_LIMIT", "25"))
KONTOR_API_TOKEN_FAILURE_LIMIT = int(os.environ.get("KONTOR_API_TOKEN_FAILURE_LIMIT", "25"))
AXES_FAILURE_LIMIT = KONTOR_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("KONTOR_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "kontor.accounts.lockout.LoginFailureHandler"
AXES_LOCKOUT_CALLABLE = "kontor.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "kontor.core.client_address.client_ip"
AXES_VERBOSE = False

# Two-factor authentication (TOTP, django-otp): optional for everybody,
# required for members of these groups (comma-separated names).
KONTOR_2FA_REQUIRED_GROUPS = [
    g.strip() for g in os.environ.get("KONTOR_2FA_REQUIRED_GROUPS", "").split(",") if g.strip()
]
OTP_TOTP_ISSUER = os.environ.get("KONTOR_2FA_ISSUER", "Kontor")

# Requests per API token, e.g. "6000/minute"; "off" for no limit.
KONTOR_API_RATE_LIMIT = parse_rate(os.environ.get("KONTOR_API_RATE_LIMIT", "6000/minute"))

# The cache is shared by all server processes (the copies of tokens and
# access, markers; the API's rate limits when it is Redis): a database table
# by default (Django's: kontor.core.cache), or KONTOR_CACHE_URL=redis://host:6379/0.
# With the cache in the database the rate limits count in a table of their
# own (kontor.core.counters).
KONTOR_CACHE_URL = os.environ.get("KONTOR_CACHE_URL", "").strip()
if not KONTOR_CACHE_URL or KONTOR_CACHE_URL == "db://":
    CACHES = {
        "default": {
            "BACKEND": "kontor.core.cache.DatabaseCache",
            "LOCATION": "kontor_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
elif KONTOR_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": KONTOR_CACHE_URL,
        }
    }
elif KONTOR_CACHE_URL == "locmem://":  # one process only: tests, experiments
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured("KONTOR_CACHE_URL must be db://, locmem:// or redis://…")
# Installations that share one Redis keep apart by a prefix of their own.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("KONTOR_CACHE_KEY_PREFIX", "").strip()

# Values Kontor encrypts at rest (financial and special custom fields, IMAP
# passwords, phone systems' shared secrets; kontor.core.encryption) use
# KONTOR_ENCRYPTION_KEY, else a key generated once into var/encryption_key.
# Comma-separated keys rotate: the first encrypts, all decrypt; `kontor
# rotatekey` re-encrypts everything under the first (or, for the key file, a
# new) key.
KONTOR_ENCRYPTION_KEY_FILE = VAR_DIR / "encryption_key"


def _encryption_key() -> str:
    if key := os.environ.get("KONTOR_ENCRYPTION_KEY", "").strip():
        return key
    try:
        descriptor = os.open(
            KONTOR_ENCRYPTION_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
        )
    except FileExistsError:
        return KONTOR_ENCRYPTION_KEY_FILE.read_text().strip()
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"))
    return KONTOR_ENCRYPTION_KEY_FILE.read_text().strip()


KONTOR_ENCRYPTION_KEY = _encryption_key()

# Works-council mode (on by default in Germany): no ranking or listing of
# individual employees' activity or performance, aggregates only over groups
# of at least KONTOR_WORKS_COUNCIL_MIN_GROUP people, the audit trail by
# employee only for the data protection officer. Shown in plain words at
# /settings/data-protection/.
KONTOR_WORKS_COUNCIL_MODE = _env_bool("KONTOR_WORKS_COUNCIL_MODE", KONTOR_DEFAULT_REGION == "DE")
KONTOR_WORKS_COUNCIL_MIN_GROUP = int(os.environ.get("KONTOR_WORKS_COUNCIL_MIN_GROUP", "5"))
# Dashboards may show figures per user (activities per person) when the
# administrator switches this on and works-council mode is off.
KONTOR_ANALYTICS_PER_USER = _env_bool("KONTOR_ANALYTICS_PER_USER", False)
# Lead scoring (kontor.analytics.scoring, docs/analytics.md): the worker
# trains a model on won and lost deals every night and scores the open ones;
# off, nothing is trained and no score is shown.
KONTOR_LEAD_SCORING = _env_bool("KONTOR_LEAD_SCORING", True)
# The warehouse export (kontor.warehouse, docs/analytics.md): with a folder
# set, the worker writes the star schema there every night. Contacts'
# personal data (names, email addresses, phone numbers) is left out
# ("omit") or replaced by a keyed pseudonym ("pseudonymize").
KONTOR_WAREHOUSE_DIR = os.environ.get("KONTOR_WAREHOUSE_DIR", "")
KONTOR_WAREHOUSE_PERSONAL_DATA = os.environ.get("KONTOR_WAREHOUSE_PERSONAL_DATA", "omit")
if KONTOR_WAREHOUSE_PERSONAL_DATA not in ("omit", "pseudonymize"):
    raise ImproperlyConfigured("KONTOR_WAREHOUSE_PERSONAL_DATA must be omit or pseudonymize")
# `kontor purgeaudit` deletes audit entries after this many days; reads of
# financial and special data are kept longer, as the law requires.
KONTOR_AUDIT_RETENTION_DAYS = int(os.environ.get("KONTOR_AUDIT_RETENTION_DAYS", "90"))
# GDPR erasure: keep an erased person's email addresses and phone numbers as
# keyed hashes, so that an inbound email does not make them a contact again
# (docs/privacy.md).
KONTOR_PRIVACY_SUPPRESSION = _env_bool("KONTOR_PRIVACY_SUPPRESSION", True)
KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS = int(
    os.environ.get("KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS", str(3 * 365))
)

# Background jobs (kontor.tasks, docs/background.md): a queue in the database
# (django-tasks with its database backend) that `kontor worker` runs; `kontor
# start` runs one beside the server. A worker's tasks are taken back when it
# has not been heard of for KONTOR_WORKER_LEASE_SECONDS.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
        "OPTIONS": {"id_function": "uuid6.uuid7"},
    }
}
KONTOR_WORKER_LEASE_SECONDS = int(os.environ.get("KONTOR_WORKER_LEASE_SECONDS", "60"))
KONTOR_WORKER_STOP_SECONDS = int(os.environ.get("KONTOR_WORKER_STOP_SECONDS", "30"))
KONTOR_JOB_RETENTION_DAYS = int(os.environ.get("KONTOR_JOB_RETENTION_DAYS", "30"))

# Live events in the browser (screen pops, kontor.events): streams end after
# this many seconds and the browser reconnects. KONTOR_EVENTS_URL: empty for
# PostgreSQL LISTEN/NOTIFY (or polling on SQLite), redis://… or poll://.
KONTOR_EVENT_STREAM_SECONDS = float(os.environ.get("KONTOR_EVENT_STREAM_SECONDS", "55"))
KONTOR_EVENTS_URL = os.environ.get("KONTOR_EVENTS_URL", "").strip()

# Where users reach Kontor (links in webhooks and emails sent by the worker,
# which answers no request to learn it from).
KONTOR_BASE_URL = os.environ.get("KONTOR_BASE_URL", "http://localhost:8000").strip().rstrip("/")
# How long a double opt-in link stays valid, in seconds (kontor.consent; default 7 days).
KONTOR_CONSENT_OPT_IN_MAX_AGE = int(os.environ.get("KONTOR_CONSENT_OPT_IN_MAX_AGE", "604800"))

# The outbox (kontor.events.outbox): dispatched events are deleted after
# this many days.
KONTOR_OUTBOX_RETENTION_DAYS = int(os.environ.get("KONTOR_OUTBOX_RETENTION_DAYS", "7"))

# Workflow rules (kontor.workflow, docs/workflow.md): a chain of rules, each
# triggered by the previous one's changes, stops at this depth; the log of
# their runs is kept this many days.
KONTOR_WORKFLOW_MAX_DEPTH = int(os.environ.get("KONTOR_WORKFLOW_MAX_DEPTH", "5"))
KONTOR_WORKFLOW_RUN_RETENTION_DAYS = int(os.environ.get("KONTOR_WORKFLOW_RUN_RETENTION_DAYS", "90"))

# Webhooks (kontor.integration, docs/integrations.md): target URLs on
# loopback, private, link-local or reserved addresses are refused unless
# KONTOR_WEBHOOKS_ALLOW_PRIVATE; a delivery waits this many seconds for an
# answer; failed deliveries are retried for KONTOR_WEBHOOK_RETRY_DAYS, and a
# subscription failing that long is switched off.
KONTOR_WEBHOOKS_ALLOW_PRIVATE = _env_bool("KONTOR_WEBHOOKS_ALLOW_PRIVATE", False)
KONTOR_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("KONTOR_WEBHOOK_TIMEOUT_SECONDS", "10"))
KONTOR_WEBHOOK_RETRY_DAYS = float(os.environ.get("KONTOR_WEBHOOK_RETRY_DAYS", "3"))
KONTOR_WEBHOOK_DELIVERY_RETENTION_DAYS = int(
    os.environ.get("KONTOR_WEBHOOK_DELIVERY_RETENTION_DAYS", "30")
)

# The ERP sync (kontor.integration.sync): the largest batch body accepted.
KONTOR_SYNC_MAX_BATCH_MB = int(os.environ.get("KONTOR_SYNC_MAX_BATCH_MB", "64"))

# Outgoing email (kontor.integration.email), sent by the worker through
# Django's SMTP backend: KONTOR_SMTP_URL is smtp://host:25,
# smtp+starttls://user:password@host:587 or smtps://user:password@host:465
# (user and password percent-encoded). Without it, emails are written as
# files to var/sent-mail/ and not sent (the jobs page and the log say so).
KONTOR_SMTP_URL = os.environ.get("KONTOR_SMTP_URL", "").strip()
_SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
if KONTOR_SMTP_URL:
    _smtp = urlsplit(KONTOR_SMTP_URL)
    if _smtp.scheme not in _SMTP_PORTS or not _smtp.hostname:
        raise ImproperlyConfigured(
            "KONTOR_SMTP_URL must be smtp://host, smtp+starttls://user:pw@host:587 or "
            "smtps://user:pw@host:465"
        )
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname
    EMAIL_PORT = _smtp.port or _SMTP_PORTS[_smtp.scheme]
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_TLS = _smtp.scheme == "smtp+starttls"
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "sent-mail"
EMAIL_TIMEOUT = int(os.environ.get("KONTOR_SMTP_TIMEOUT_SECONDS", "30"))
# The sender of emails Kontor sends, e.g. "ACME Sales <sales@acme.example>".
DEFAULT_FROM_EMAIL = os.environ.get("KONTOR_EMAIL_FROM", "Kontor <kontor@localhost>").strip()
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Email import (kontor.mail): mail from or to these domains is the company's
# own (comma-separated, e.g. "example.com,example.de"); the largest message
# accepted, in megabytes.
KONTOR_OWN_EMAIL_DOMAINS = [
    d.strip().lower().lstrip("@")
    for d in os.environ.get("KONTOR_OWN_EMAIL_DOMAINS", "").split(",")
    if d.strip()
]
KONTOR_MAIL_MAX_MESSAGE_MB = int(os.environ.get("KONTOR_MAIL_MAX_MESSAGE_MB", "64"))
# How often the worker fetches new mail from the IMAP mailboxes, in seconds.
KONTOR_MAIL_POLL_SECONDS = int(os.environ.get("KONTOR_MAIL_POLL_SECONDS", "120"))

# Sales (kontor.sales): the currency of new deals, quotes and products (ISO
# 4217); number patterns of quotes and orders ({year}, {number}); how long a
# new quote is valid; the company data printed on quotes (address lines
# separated by ";"), whose email address also sends them.
KONTOR_CURRENCY = os.environ.get("KONTOR_CURRENCY", "EUR").strip().upper()
KONTOR_QUOTE_NUMBER_PATTERN = os.environ.get("KONTOR_QUOTE_NUMBER_PATTERN", "Q-{year}-{number:05d}")
KONTOR_ORDER_NUMBER_PATTERN = os.environ.get("KONTOR_ORDER_NUMBER_PATTERN", "O-{year}-{number:05d}")
KONTOR_QUOTE_VALID_DAYS = int(os.environ.get("KONTOR_QUOTE_VALID_DAYS", "30"))
KONTOR_COMPANY_NAME = os.environ.get("KONTOR_COMPANY_NAME", "Kontor Demo GmbH")
KONTOR_COMPANY_ADDRESS = [
    line.strip()
    for line in os.environ.get("KONTOR_COMPANY_ADDRESS", "Musterstraße 1;10115 Berlin").split(";")
    if line.strip()
]
KONTOR_COMPANY_EMAIL = os.environ.get("KONTOR_COMPANY_EMAIL", "sales@kontor.example")
KONTOR_COMPANY_PHONE = os.environ.get("KONTOR_COMPANY_PHONE", "")
KONTOR_COMPANY_VAT_ID = os.environ.get("KONTOR_COMPANY_VAT_ID", "")
KONTOR_COMPANY_REGISTER = os.environ.get("KONTOR_COMPANY_REGISTER", "")
KONTOR_COMPANY_BANK = os.environ.get("KONTOR_COMPANY_BANK", "")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("KONTOR_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the UI's stylesheet, shared by all apps
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it before collectstatic ran
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("KONTOR_MEDIA_ROOT", VAR_DIR / "media")).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "kontor.server.storage.CompressedOnceStaticFilesStorage"},
}
# Attached files: in MEDIA_ROOT by default, or with KONTOR_FILE_STORAGE=s3 in
# S3-compatible object storage (django-storages; bucket and endpoint below).
KONTOR_FILE_STORAGE = os.environ.get("KONTOR_FILE_STORAGE", "local").strip().lower()
if KONTOR_FILE_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("KONTOR_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("KONTOR_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("KONTOR_S3_REGION") or None,
            "access_key": os.environ.get("KONTOR_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("KONTOR_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("KONTOR_S3_PREFIX", ""),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
elif KONTOR_FILE_STORAGE != "local":
    raise ImproperlyConfigured("KONTOR_FILE_STORAGE must be 'local' or 's3'.")
# Largest file a user may attach, in megabytes.
KONTOR_MAX_UPLOAD_MB = int(os.environ.get("KONTOR_MAX_UPLOAD_MB", "25"))
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): no inline scripts or styles, nothing
# from other sites, no framing. See docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Behind a TLS-terminating reverse proxy (docs/security.md): trust its
# X-Forwarded-Proto and X-Forwarded-For, secure cookies, HSTS, redirect to https.
KONTOR_BEHIND_TLS_PROXY = _env_bool("KONTOR_BEHIND_TLS_PROXY", False)
# How many proxies append to X-Forwarded-For; their entries give the client address.
KONTOR_TRUSTED_PROXIES = int(
    os.environ.get("KONTOR_TRUSTED_PROXIES", "1" if KONTOR_BEHIND_TLS_PROXY else "0")
)
if KONTOR_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("KONTOR_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("KONTOR_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("KONTOR_HSTS_INCLUDE_SUBDOMAINS", False)

# One line per request (kontor.core.middleware); "text" or "json"; email
# addresses, phone numbers and tokens masked unless KONTOR_LOG_MASKING=0.
LOGGING = logging_config(
    log_format=os.environ.get("KONTOR_LOG_FORMAT", "text").strip().lower(),
    level=os.environ.get("KONTOR_LOG_LEVEL", "INFO").upper(),
    masking=_env_bool("KONTOR_LOG_MASKING", True),
)
