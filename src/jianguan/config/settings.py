"""Jianguan settings: one module, driven by the environment.

Every value that differs between a laptop, CI and production comes from an environment variable
(django-environ). Defaults give an embedded set-up: SQLite and Huey under ``var/``, the lake in
``var/lake``, DuckDB as the analytics engine. ``JIANGUAN_ENV=production`` switches on the
hardening that ``jianguan check --deploy`` asks for.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import django_stubs_ext
import environ

# Runtime support for the generic annotations the type checker uses (ModelAdmin[Model] …).
django_stubs_ext.monkeypatch()

env = environ.Env()

# src/jianguan/config/settings.py -> the checkout's root holds var/, node_modules/ and docs/.
PROJECT_ROOT = Path(env.str("JIANGUAN_ROOT", default=str(Path(__file__).resolve().parents[3])))
PACKAGE_DIR = Path(__file__).resolve().parents[1]
VAR_DIR = Path(env.str("JIANGUAN_VAR", default=str(PROJECT_ROOT / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

JIANGUAN_ENV = env.str("JIANGUAN_ENV", default="development")
PRODUCTION = JIANGUAN_ENV == "production"


def _secret_key() -> str:
    """The key from the environment, or one generated once into var/ (never committed)."""
    from_env = env.str("SECRET_KEY", default="")
    if from_env:
        return from_env
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
]
# Jianguan's modules in dependency order (DESIGN.md's layout). A module joins when its folder has an
# apps.py; its URLs, menu entries, role grants, ledger handlers and demo steps are found by convention.
JIANGUAN_APPS = [
    "core",
    "registry",
    "lifecycle",
    "licensing",
    "supervision",
    "attendance",
    "credit",
    "fees",
    "bidding",
    "lake",
    "concrete",
    "command",
    "portal",
]
INSTALLED_APPS += [f"jianguan.{name}" for name in JIANGUAN_APPS if (PACKAGE_DIR / name / "apps.py").exists()]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jianguan.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "jianguan.config.urls"
WSGI_APPLICATION = "jianguan.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jianguan.core.navigation.navigation_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a transaction takes the write lock when it begins, so the ledger's
    # read-the-head-then-append can never interleave with another writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# --- Authentication, passwords, sessions ----------------------------------------------------
AUTHENTICATION_BACKENDS = ["jianguan.core.auth.LockoutModelBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "core:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jianguan.core.auth.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]
# Lock an account after this many failed logins within the window, for the lockout period.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)

# Idle timeout: the session expires after 30 minutes without a request.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS: list[Path] = []

# --- Static files (front-end assets come from npm at set-up; served locally) ----------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = PROJECT_ROOT / "node_modules"
# (prefix, folder inside node_modules): what the templates may load. Nothing comes from a CDN.
VENDOR_ASSETS = [
    ("vendor/htmx", "htmx.org/dist"),
    ("vendor/echarts", "echarts/dist"),
    ("vendor/bpmn-js", "bpmn-js/dist"),
]
STATICFILES_DIRS = [(prefix, str(NODE_MODULES / folder)) for prefix, folder in VENDOR_ASSETS]
WHITENOISE_USE_FINDERS = not PRODUCTION
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
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "jianguan.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "jianguan.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "jianguan.core.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jianguan API",
    "DESCRIPTION": "建管一体化监管平台 REST API. Token auth for systems (`Authorization: Token …`), "
    "session auth for the web UI. Errors carry a stable `code` and messages in Chinese and English.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Enums stay inline in each component: named enum components collide across modules ("status").
    "POSTPROCESSING_HOOKS": [],
}

# --- Background jobs (Huey) ---------------------------------------------------------------
HUEY_REDIS_URL = env.str("HUEY_REDIS_URL", default="")
if HUEY_REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "jianguan",
        "url": HUEY_REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "jianguan",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "consumer": {"workers": 1, "worker_type": "thread"},
    }

# --- Data lake and analytics ----------------------------------------------------------------
LAKE_URI = env.str("LAKE_URI", default=str(VAR_DIR / "lake"))
ANALYTICS_ENGINE = env.str("ANALYTICS_ENGINE", default="duckdb")
SPARK_MASTER = env.str("SPARK_MASTER", default="local[*]")

# --- Devices ---------------------------------------------------------------------------
# Signed device requests (core.signing): how far a request's time may be from the server's.
DEVICE_SIGNATURE_SKEW_SECONDS = env.int("DEVICE_SIGNATURE_SKEW_SECONDS", default=300)
# Devices upload batches as raw request bodies (JSON lines, CSV, Parquet), read whole to be verified.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=32 * 1024 * 1024)
# The national construction-worker real-name platform's open API (attendance pushes); no URL, no pushes.
ATTENDANCE_REALNAME_URL = env.str("ATTENDANCE_REALNAME_URL", default="")
ATTENDANCE_REALNAME_APPID = env.str("ATTENDANCE_REALNAME_APPID", default="")
ATTENDANCE_REALNAME_SECRET = env.str("ATTENDANCE_REALNAME_SECRET", default="")
ATTENDANCE_REALNAME_VARIANT = env.str("ATTENDANCE_REALNAME_VARIANT", default="national")

# --- Ledger -------------------------------------------------------------------------------
# Where `jianguan ledger anchor` appends the chain's head, outside the database, so that a
# truncated tail cannot go unnoticed.
LEDGER_ANCHOR_FILE = Path(env.str("LEDGER_ANCHOR_FILE", default=str(VAR_DIR / "ledger-anchors.log")))
# Only a test run or a demo rebuild may flush a database that holds a ledger.
LEDGER_ALLOW_FLUSH = env.bool("LEDGER_ALLOW_FLUSH", default=False)

# --- Security (production) ------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "huey": {"level": "INFO"},
        "py4j": {"level": "WARNING"},
    },
}
