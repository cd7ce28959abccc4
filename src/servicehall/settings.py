"""Django settings. Everything that differs between a hall PC and a province is an environment
variable (docs/ARCHITECTURE.md): SERVICEHALL_DATA_DIR, DATABASE_URL, REDIS_URL, SECRET_KEY."""

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SERVICEHALL_DATA_DIR", Path.home() / ".servicehall")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("SERVICEHALL_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("SERVICEHALL_ALLOWED_HOSTS", "*").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("SERVICEHALL_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    # django-ninja as an app: /api/docs loads Swagger UI from the package's own static files,
    # not from a CDN, so the docs work in a hall with no internet
    "ninja",
    "servicehall.core",
    "servicehall.org",
    "servicehall.customers",
    "servicehall.catalog",
    "servicehall.knowledge",
    "servicehall.queueing",
    "servicehall.cases",
    "servicehall.surveys",
    "servicehall.complaints",
    "servicehall.incidents",
    "servicehall.records",
    "servicehall.retention",
    "servicehall.reports",
    "servicehall.web",
]

MIDDLEWARE = [
    "servicehall.api.middleware.ApiErrorShapeMiddleware",  # first: sees every /api/ answer
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "servicehall.web.middleware.LanguageMiddleware",
    # sizes and NUL characters, before CSRF or a view reads the body (web/middleware.py)
    "servicehall.web.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "servicehall.web.signin.SessionExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "servicehall.web.middleware.ServiceErrorMiddleware",
]

ROOT_URLCONF = "servicehall.urls"
ASGI_APPLICATION = "servicehall.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "servicehall.web.context.hall_device",
            ],
        },
    },
]


def _database(url: str | None) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "servicehall.sqlite3",
            # Each request thread keeps its connection (the threads are a fixed pool, asgi.py):
            # opening a SQLite connection and closing it again, which checkpoints the WAL when
            # it is the last one, cost more than a typical request's queries.
            "CONN_MAX_AGE": None,
            # Every write transaction takes the write lock at BEGIN: writes are serialized,
            # which is how SQLite keeps two counters from calling one ticket (docs/ARCHITECTURE.md).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                # journal_mode=WAL is set once per process (core.apps): it is stored in the
                # file, and asking for it on every new connection takes a lock.
                "init_command": "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
            },
            "TEST": {"NAME": str(DATA_DIR / "test_servicehall.sqlite3")},
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        # A pool per process, not persistent connections: under ASGI each request runs in its
        # own thread, and per-thread persistent connections pile up until PostgreSQL refuses
        # more ("too many clients"). The pool returns each connection at the request's end.
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            "pool": {
                "min_size": 1,
                "max_size": int(os.environ.get("SERVICEHALL_DB_POOL_MAX", "16")),
                # A request waits this long for a connection (a database restarting, a short
                # outage: it then goes on), then answers 503 (web.views.server_error).
                "timeout": 30,
            }
        },
        # The pool checks each connection as it hands it out (one round trip): after the
        # database restarted, its old connections are dropped, not given to a request that
        # would fail on them.
        "CONN_HEALTH_CHECKS": True,
    }


DATABASES = {"default": _database(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL") or None
# Where customers reach the public pages (survey links in text messages).
PUBLIC_URL = os.environ.get("SERVICEHALL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# The chat page's hand-overs (K2, C8): opened in the name of this channel account, queued for
# this desk. The demo creates both ("online", "front").
CHAT_CHANNEL_USER = os.environ.get("SERVICEHALL_CHAT_USER", "online")
CHAT_DESK = os.environ.get("SERVICEHALL_CHAT_DESK", "front")
# "我要投诉" in a chat opens a complaint at this desk (the chat desk where it does not exist).
COMPLAINT_DESK = os.environ.get("SERVICEHALL_COMPLAINT_DESK", "complaint")
# R2: a first-level retention that fails goes to this desk (客户关怀专席); a customer spending
# at least this many yuan a month (or with a diamond or supreme card) to their account manager.
RETENTION_CARE_DESK = os.environ.get("SERVICEHALL_RETENTION_CARE_DESK", "care")
RETENTION_HIGH_VALUE_YUAN = int(os.environ.get("SERVICEHALL_RETENTION_HIGH_VALUE_YUAN", "300"))
# P6: a compensation offer above this many yuan waits for the hall manager's approval.
COMPENSATION_APPROVAL_ABOVE = os.environ.get("SERVICEHALL_COMPENSATION_APPROVAL_ABOVE", "100")
# One-time codes (the chat's number check, V2) are blanked in the SMS outbox that staff read,
# or whoever reads it could verify as any customer. Where no gateway sends the texts (the
# demo: `servicehall demo` turns this on) the outbox is the only "phone", so it shows them.
SMS_OUTBOX_SHOWS_CODES = os.environ.get("SERVICEHALL_SMS_OUTBOX_CODES", "") == "1"

# Imports (V4, M1, L3): the largest file and the most rows of each kind, checked before a file
# is read and while its rows are read (core/tables.py). "kb": the knowledge graph's triples.txt
# (`servicehall import-kb`). A request body is refused from its Content-Length above the largest
# upload (web.middleware.RequestGuardMiddleware), before anything reads it; other bodies (forms,
# JSON) above DATA_UPLOAD_MAX_MEMORY_SIZE likewise. Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE are
# spooled to a temporary file, not held in memory.
IMPORT_LIMITS = {
    "bills": {"bytes": 20 * 1024 * 1024, "rows": 200_000},
    "catalogue": {"bytes": 5 * 1024 * 1024, "rows": 20_000},
    "kb": {"bytes": 50 * 1024 * 1024, "rows": 1_000_000},
    "articles": {"bytes": 5 * 1024 * 1024, "rows": 5_000},  # import-articles: entries
    # customers from the CRM on the imports page; `servicehall import-customers` has no limit
    "customers": {"bytes": 20 * 1024 * 1024, "rows": 200_000},
}
UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # the largest upload kind (a form's envelope is allowed on top)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, said here: JSON and form bodies
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

HUEY = {
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "name": "servicehall",
    "immediate": False,
    # an idle consumer looks for work at least every second: the early warning watches each
    # new contact "within seconds" (P5; Redis blocks and answers at once anyway)
    "consumer": {"max_delay": 1.0},
    **({"url": REDIS_URL} if REDIS_URL else {"filename": str(DATA_DIR / "huey.sqlite3")}),
}

# Staff passwords (L5): at least 10 characters, not like the username or name, not a common
# password, not all digits. Checked wherever a password is chosen (admin, `createsuperuser`,
# `changepassword`); the demo's printed password is set directly, deliberately (README).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff sessions end 12 hours after signing in (the cookie too) and after 30 idle minutes
# (web.signin.SessionExpiryMiddleware); hall devices' last a year (org/signin.py).
SESSION_COOKIE_AGE = 12 * 3600
# A form without its security token gets the house's page with a way back, not Django's.
CSRF_FAILURE_VIEW = "servicehall.web.views.csrf_failure"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)


def attachment_storage(environ, data_dir: Path) -> dict:
    """Where case attachments are kept (cases.CaseAttachment): the data dir's attachments/ —
    outside static files and anything whitenoise serves; every download goes through the
    audited view — or an S3-compatible store when SERVICEHALL_S3_BUCKET is set (the optional
    extra `s3`: django-storages and boto3; keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    or the machine's role, as boto3 finds them)."""
    bucket = environ.get("SERVICEHALL_S3_BUCKET", "")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(data_dir / "attachments"),
                "base_url": None,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    options = {
        "bucket_name": bucket,
        "location": environ.get("SERVICEHALL_S3_PREFIX", "attachments"),
        "file_overwrite": False,  # names are random; never replace a file
    }
    for env, key in (
        ("SERVICEHALL_S3_ENDPOINT_URL", "endpoint_url"),
        ("SERVICEHALL_S3_REGION", "region_name"),
    ):
        if environ.get(env):
            options[key] = environ[env]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "attachments": attachment_storage(os.environ, DATA_DIR),
}
# Case attachments (P1): the largest file (within the request guard's UPLOAD_MAX_BYTES) and the
# most files on one case.
ATTACHMENT_MAX_BYTES = min(
    int(os.environ.get("SERVICEHALL_ATTACHMENT_MAX_MB", "20")) * 1024 * 1024, UPLOAD_MAX_BYTES
)
ATTACHMENTS_PER_CASE = 50
# The CJK font embedded in the PDF reports (reports/pdf.py): a file, "#N" for the Nth font of
# a collection; empty: the first of pdf.FONT_CANDIDATES found (Debian's fonts-noto-cjk)
REPORT_FONT = os.environ.get("SERVICEHALL_REPORT_FONT", "")
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "servicehall": {
            "handlers": ["console"],
            "level": os.environ.get("SERVICEHALL_LOG", "INFO"),
        },
        # Server errors must reach the console (Django sends them only to mail_admins by default).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Subscription disputes (P4, L4): the user's confirmation counts only within this many hours of
# the platform's confirmation request (the verifier's window); the evidence file's limits.
SP_CONFIRM_WINDOW_HOURS = int(os.environ.get("SERVICEHALL_SP_CONFIRM_HOURS") or 24)
IMPORT_LIMITS["evidence"] = {"bytes": 20 * 1024 * 1024, "rows": 200_000}
