"""Minimal Django 5 settings for benchmarking against Portcullis.

Environment:
  BENCH_DJANGO_SECRET   SECRET_KEY (a fixed fallback is used when unset)
  BENCH_DJANGO_DB       SQLite file path (required unless BENCH_DJANGO_PG_URL is set)
  BENCH_DJANGO_PG_URL   postgres://user:pass@host:port/dbname -> PostgreSQL via psycopg 3
"""
import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get(
    "BENCH_DJANGO_SECRET",
    "bench-only-not-secret-3f6c1e0a9b7d4c2e8f5a1b0c9d8e7f6a5b4c3d2e1f0a",
)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "benchsite.urls"
WSGI_APPLICATION = "benchsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]


def _database():
    pg_url = os.environ.get("BENCH_DJANGO_PG_URL")
    if pg_url:
        u = urlparse(pg_url)
        if u.scheme not in ("postgres", "postgresql"):
            raise ImproperlyConfigured(f"BENCH_DJANGO_PG_URL: unsupported scheme {u.scheme!r}")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(u.path.lstrip("/")),
            "USER": unquote(u.username or ""),
            "PASSWORD": unquote(u.password or ""),
            "HOST": u.hostname or "",
            "PORT": str(u.port or ""),
            "OPTIONS": dict(parse_qsl(u.query)),
            # One persistent connection per gunicorn worker, like a pooled server.
            "CONN_MAX_AGE": None,
        }
    db = os.environ.get("BENCH_DJANGO_DB")
    if not db:
        raise ImproperlyConfigured("set BENCH_DJANGO_DB (SQLite file) or BENCH_DJANGO_PG_URL")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": db,
        # Same as Portcullis' SQLite setup: WAL, synchronous=NORMAL, 5 s busy timeout.
        "OPTIONS": {
            "timeout": 5,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SESSION_ENGINE: the default, django.contrib.sessions.backends.db.

PASSWORD_HASHERS = [
    "benchsite.hashers.BenchArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = []

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
