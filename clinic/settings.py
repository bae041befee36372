"""Settings for the clinic site: one file, driven by environment variables.

Every knob an operator may turn is read from the environment (a `.env` file in the
project root may supply it). Defaults are safe for production except DEBUG, which
is off unless DJANGO_DEBUG says otherwise.
"""

import importlib.util
import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.forms import Script
from django.utils.csp import CSP

from clinic.db_pool import check_connection
from clinic.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from `path` into os.environ without overriding real env vars."""
    if not path.is_file():
        return
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv(BASE_DIR / ".env")


def envbool(name: str, default: bool) -> bool:
    """Return the environment variable `name` read as a yes/no flag."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    """Return the environment variable `name` read as an integer."""
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    """Return the comma-separated environment variable `name` as a list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def prepare_threshold() -> int | None:
    """Return after how many runs on a connection psycopg prepares a statement (None: never)."""
    value = os.environ.get("DB_PREPARE_THRESHOLD", "").strip().lower()
    if value in {"off", "none"} or (not value and envbool("DB_BEHIND_POOLER", False)):
        return None
    return int(value) if value else 5


def database_from_url(url: str) -> dict:
    """Return a Django DATABASES entry for a postgres:// URL (host may be a socket dir)."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError("DATABASE_URL must be a postgres:// or postgresql:// URL")
    query = dict(parse_qsl(parts.query))
    host = unquote(parts.hostname or "") or query.pop("host", "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "clinic",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or query.pop("port", "")),
        # Django's built-in psycopg pool: each gunicorn worker keeps a few warm
        # connections; CONN_MAX_AGE must stay 0 with it.
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        # Behind PgBouncer in transaction mode a named cursor cannot outlive its transaction.
        "DISABLE_SERVER_SIDE_CURSORS": envbool("DB_BEHIND_POOLER", False),
        "OPTIONS": {
            "pool": {
                # Verify each connection as it leaves the pool, so a database restart
                # costs one failed check instead of a burst of 500s (a round trip only
                # when the server has closed or spoken on it: clinic/db_pool.py;
                # DB_POOL_CHECK=query sends psycopg_pool's empty query every time instead).
                "check": check_connection(os.environ.get("DB_POOL_CHECK", "poll")),
                "min_size": envint("DB_POOL_MIN", 1),
                "max_size": envint("DB_POOL_MAX", 8),
                # With threads <= pool size a request only waits to open a connection:
                # after 2 s the database is down, and /healthz says 503 instead of hanging.
                "timeout": envint("DB_POOL_TIMEOUT", 2),
                "reconnect_timeout": envint("DB_POOL_RECONNECT_TIMEOUT", 1),
            },
            # Parameters bound by the server, and a statement prepared on a connection
            # once it has run there `DB_PREPARE_THRESHOLD` times: PostgreSQL then parses
            # and plans it once per connection instead of on every request (a booking's
            # statements cost the server about 40% less). Off behind a pooler in
            # transaction mode, which may hand the next transaction another connection.
            "server_side_binding": True,
            "prepare_threshold": prepare_threshold(),
            **query,
        },
    }


DEBUG = envbool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local use).")
    SECRET_KEY = "insecure-local-development-key-only-for-debug-mode-0123456789"  # noqa: S105

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
# Links in emails: SITE_URL wins; in debug they follow the port `make run` serves on (PORT).
SITE_URL = (
    os.environ.get("SITE_URL") or f"http://127.0.0.1:{envint('PORT', 8000) if DEBUG else 8000}"
).rstrip("/")
# How many proxies in front of gunicorn append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "clinic",
    "services",
    "bookings",
    # The Django admin with clinic admins only (clinic/admin_site.py).
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "reversion",
    "django_prose_editor",
]

# The header-setting middleware sits above WhiteNoise, so static files get the same
# security headers as pages (WhiteNoise answers without calling what lies below it).
MIDDLEWARE = [
    "clinic.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached public pages are answered here, before sessions and authentication.
    "clinic.page_cache.PageCacheMiddleware",
    # So are the booking time pages whose availability and content have not changed.
    "bookings.public.kept.KeptAnswerMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.staff_auth.SecondFactorMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL", "postgresql:///clinic")),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:day"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Bootstrap's CSS and JS come from the bootstrap-wrapper package (never a CDN).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", importlib.util.find_spec("bootstrap").submodule_search_locations[0]),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded pictures: a local folder by default (one web machine), or any S3-compatible
# store when AWS_STORAGE_BUCKET_NAME is set, so every web machine sees every upload.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_ORIGIN = ""  # where pictures are served from when not this site (for the CSP)
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            # Pictures are public; unsigned URLs can be cached by browsers and CDNs.
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    _domain = os.environ.get("AWS_S3_CUSTOM_DOMAIN")
    MEDIA_ORIGIN = f"https://{_domain}" if _domain else os.environ.get("AWS_S3_ENDPOINT_URL", "")
    if not MEDIA_ORIGIN:
        MEDIA_ORIGIN = f"https://{os.environ['AWS_STORAGE_BUCKET_NAME']}.s3.amazonaws.com"

# The admin's rich-text editor, set up by our own module (static/js/prose_editor.js).
DJANGO_PROSE_EDITOR_PRESETS = {
    "clinic": [
        Script("django_prose_editor/editor.js", type="module"),
        Script("js/prose_editor.js", type="module"),
    ]
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Mail: SMTP when EMAIL_HOST is set; otherwise the worker prints messages to its log.
# The contract's EMAIL_* variables feed Django 6.1's MAILERS setting.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": envint("EMAIL_PORT", 25),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    # The contract: without EMAIL_HOST, mail is printed to the task worker's log, and
    # `check --deploy` stays quiet. Setting EMAIL_HOST brings this check back into force.
    SILENCED_SYSTEM_CHECKS = ["mail.E001"]
# First retry delay when the mail server is down; it doubles per attempt, up to 15 minutes.
MAIL_RETRY_SECONDS = envint("MAIL_RETRY_SECONDS", 30)
# Delivery attempts before a message the server keeps refusing is marked failed.
MAIL_MAX_ATTEMPTS = envint("MAIL_MAX_ATTEMPTS", 8)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Medical & Sports Massage <bookings@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. HTTPS-only settings switch on whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The nonce is for the one <style> element the admin's rich-text editor adds.
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if MEDIA_ORIGIN:
    SECURE_CSP["img-src"].append(MEDIA_ORIGIN)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 0 if DEBUG else envint("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Only staff sign in; their sessions end after 30 minutes without a request.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ENGINE = "clinic.session_store"  # database sessions, each save one statement
STAFF_REQUIRE_2FA = envbool("STAFF_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Medical & Sports Massage"
# Admins reset a lost authenticator by deleting it; nobody needs to read its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    # __Host- cookies must be Secure, for "/" and without a Domain: no subdomain or
    # plain-HTTP page can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# One configuration for Django and gunicorn (gunicorn.conf.py): every handler redacts
# the keys that manage, "find my bookings" and feed links carry in their paths.
LOGGING = logging_config(level=os.environ.get("LOG_LEVEL", "INFO"))
