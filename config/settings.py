"""Settings come from the environment, read here once (docs/architecture.md, "Configuration and backends");
every default is the embedded one-machine setup."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DATA_DIR = Path(os.environ.get("DMS_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DMS_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = os.environ.get("DMS_DEBUG", "0") == "1"  # off unless explicitly turned on: the debug page shows internals
ALLOWED_HOSTS = os.environ.get("DMS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

DMS_STORAGE_URL = os.environ.get("DMS_STORAGE_URL", f"file://{DATA_DIR / 'objects'}")
DMS_SEARCH_URL = os.environ.get("DMS_SEARCH_URL", f"tantivy://{DATA_DIR / 'index'}")
# Processes that split compounds during a large reindex (search/parts_pool.py); 1: none, the indexer alone.
DMS_INDEX_WORKERS = int(os.environ.get("DMS_INDEX_WORKERS", os.cpu_count() or 1))
DMS_BROKER_URL = os.environ.get("DMS_BROKER_URL", "")
DMS_OCR_LANG = os.environ.get("DMS_OCR_LANG", "deu")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "rest_framework",
    "rest_framework.authtoken",  # API tokens for Fachverfahren (dms.api.tokens)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here: no CDN, no network at run time
    "axes",
    "dms",
    "akten",
    "search",
    "scan_ingest",
    "demo",
    "web",  # the top layer: the three workspaces
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "config.urls"
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
                "web.context_processors.workspaces",
            ]
        },
    }
]
WSGI_APPLICATION = "config.wsgi.application"


def _database(url: str) -> dict:
    db = dj_database_url.parse(url, conn_max_age=0)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
        # concurrent writers queue instead of failing with "database is locked" mid-transaction.
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    return db


DATABASES = {"default": _database(os.environ.get("DMS_DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins before any password check
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user; deny by default

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:start"  # the workspace of the user's main role (web/workspaces.py)
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "de-de"
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the stylesheet and vendored htmx shared by the workspaces
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from here after `collectstatic`; the finders meanwhile
WHITENOISE_USE_FINDERS = True  # static files served from the apps without DEBUG or collectstatic (`make run`)

# Error pages: German templates in templates/; a 500 gets an error id that is logged with the traceback.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.errors.SettingsFilter"

# Login throttling (django-axes) on every authenticate(): web login, admin, the API's basic auth. Failures are
# counted per user name and address; the lockout ends after the cool-off. Failures and lockouts are audited.
AXES_FAILURE_LIMIT = int(os.environ.get("DMS_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DMS_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"

# TLS deployments: DMS_TLS=1 switches on HTTPS redirect, secure cookies and HSTS (behind a proxy that terminates
# TLS also set DMS_PROXY_SSL_HEADER=1 so X-Forwarded-Proto counts). `check --deploy` is clean with it.
DMS_TLS = os.environ.get("DMS_TLS", "0") == "1"
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = DMS_TLS
SECURE_HSTS_SECONDS = 31_536_000 if DMS_TLS else 0  # one year, as check --deploy asks
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = DMS_TLS
if os.environ.get("DMS_PROXY_SSL_HEADER") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every page: no scripts, frames or plugins from anywhere but here.
# Inline styles stay allowed (templates/base.html carries its stylesheet). Content downloads set their own
# stricter `sandbox` policy, which the middleware leaves alone.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        **({"upgrade-insecure-requests": True} if DMS_TLS else {}),
    }
}

REST_FRAMEWORK = {
    # Token first: an unauthenticated API call is a 401 naming the Token scheme. Session for the browser (the API
    # docs page), basic auth for scripts; both go through authenticate() and so through django-axes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dms.api.authentication.AuditedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "dms.api.schema.ApiAutoSchema",  # documents 400/401/404/429 where they occur
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dms.api.pagination.BoundedLimitOffsetPagination",  # every list is paged
}
SPECTACULAR_SETTINGS = {
    "TITLE": "eAkte API",
    "DESCRIPTION": "Schnittstelle der E-Akte für andere Fachverfahren: Akten, Dokumente und Suche, jeweils nur, "
    "was der angemeldete Benutzer sehen darf. Anmeldung mit API-Token: Kopfzeile "
    "`Authorization: Token <key>` (Token vom Administrator: `manage.py api_token create BENUTZER`).",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: only used when DMS_BROKER_URL is set; otherwise ingest uses a local process pool.
CELERY_BROKER_URL = DMS_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = DMS_BROKER_URL or None
CELERY_TASK_SERIALIZER = "json"

# Pillow's default decompression-bomb threshold is ~179 Mpx; ours is deliberate: an A0 sheet at 600 dpi
# is ~ 19,900 x 28,100 px = 559 Mpx, far beyond any office scan. 150 Mpx covers A2 at 600 dpi.
DMS_MAX_IMAGE_PIXELS = int(os.environ.get("DMS_MAX_IMAGE_PIXELS", 150_000_000))

# Ingest tuning (scan_ingest): where batches keep their work files, OCR quality gates, ZIP safety limits.
DMS_INGEST_DIR = Path(os.environ.get("DMS_INGEST_DIR", DATA_DIR / "ingest"))
DMS_INGEST_RENDER_DPI = int(os.environ.get("DMS_INGEST_RENDER_DPI", 300))
DMS_OCR_QA_THRESHOLD = float(os.environ.get("DMS_OCR_QA_THRESHOLD", 70))  # mean confidence below: needs review
DMS_OCR_OSD_BELOW = float(os.environ.get("DMS_OCR_OSD_BELOW", 60))  # page confidence below: run OSD
DMS_ZIP_MAX_MEMBERS = int(os.environ.get("DMS_ZIP_MAX_MEMBERS", 10_000))
DMS_ZIP_MAX_BYTES = int(os.environ.get("DMS_ZIP_MAX_BYTES", 20 * 1024**3))
DMS_ZIP_MAX_RATIO = int(os.environ.get("DMS_ZIP_MAX_RATIO", 200))  # uncompressed/compressed per member
DMS_INGEST_QUEUE = os.environ.get("DMS_INGEST_QUEUE", "celery")
DMS_INGEST_TASK_TIMEOUT = int(os.environ.get("DMS_INGEST_TASK_TIMEOUT", 3600))
# Background ingest (scan_ingest.submit): uploads are spooled here and run by the ingest worker, a process
# `batch_submit` starts when none runs (DMS_INGEST_AUTOSTART=0: only a worker started by hand or `make run`).
DMS_SPOOL_DIR = Path(os.environ.get("DMS_SPOOL_DIR", DATA_DIR / "spool"))
DATA_UPLOAD_MAX_NUMBER_FILES = 1000  # the Scanstelle uploads whole boxes of scans at once (Django's default: 100)
DMS_INGEST_AUTOSTART = os.environ.get("DMS_INGEST_AUTOSTART", "1") == "1"
# Consume folder (Eingangsordner): files a scanner drops here are ingested by `consume_watch` (empty: none).
DMS_CONSUME_DIR = os.environ.get("DMS_CONSUME_DIR", "")
DMS_CONSUME_SETTLE_SECONDS = float(os.environ.get("DMS_CONSUME_SETTLE_SECONDS", 5))  # unchanged this long: complete

# xdomea header names and schema (akten.aussonderung); the official schemas ship in akten/xdomea/.
DMS_XDOMEA_ABSENDER = os.environ.get("DMS_XDOMEA_ABSENDER", "Stadtverwaltung (eAkte)")
DMS_XDOMEA_ARCHIV = os.environ.get("DMS_XDOMEA_ARCHIV", "Archiv")
DMS_XDOMEA_XSD = os.environ.get("DMS_XDOMEA_XSD") or None
DMS_XDOMEA_MAX_BYTES = int(os.environ.get("DMS_XDOMEA_MAX_BYTES", 64 * 1024**2))  # a 0502 file or ZIP member
# Exchange folder with the archive (empty: none): inbox/ (0502/0504/0506/0507 dropped in), outbox/ (0501/0503/0505
# copied out), done/ and error/ (what `aussonderung exchange` read or refused, the latter with a .fehler.txt).
DMS_XDOMEA_EXCHANGE_DIR = os.environ.get("DMS_XDOMEA_EXCHANGE_DIR", "")
DMS_AUSSONDERUNG_BATCH = int(os.environ.get("DMS_AUSSONDERUNG_BATCH", 100))  # Akten per destruction batch

# Audit chain anchor (dms.audit_anchor): checkpoints of the chain head, HMAC-signed with a key kept outside the
# database (a file of at least 32 random bytes, e.g. on another volume); unset = no anchoring.
DMS_AUDIT_ANCHOR_KEY_FILE = os.environ.get("DMS_AUDIT_ANCHOR_KEY_FILE") or None
DMS_AUDIT_ANCHOR_FILE = Path(os.environ.get("DMS_AUDIT_ANCHOR_FILE", DATA_DIR / "audit-checkpoints.jsonl"))
# Optional RFC 3161 time-stamps on `audit_anchor` checkpoints: the TSA's URL and its root certificate(s) (PEM).
DMS_AUDIT_TSA_URL = os.environ.get("DMS_AUDIT_TSA_URL") or None
DMS_AUDIT_TSA_ROOTS = os.environ.get("DMS_AUDIT_TSA_ROOTS") or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DMS_LOG_LEVEL", "WARNING")},
}
