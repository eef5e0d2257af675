"""Varde's settings, read from the environment.

Safe defaults: DEBUG is off, secrets are generated locally on first run and kept
in the data directory (never in git), and cookies become Secure when Varde is
served over HTTPS (VARDE_HTTPS=1).
"""

from __future__ import annotations

import os
from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from varde.lib.env import (
    database_from_url,
    envbool,
    envint,
    envlist,
    envsecret,
    envstr,
    syslog_address,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Varde's files hold personal data. Whatever umask the shell or service manager starts it
# with, what this process and its children (pg_dump) create is its own user's alone: the
# database and its -wal and -shm, backups, the cache, archive packages, uploads, secrets.
# The data directory is made 0700 here and checked at start (varde.web's AppConfig).
os.umask(0o077)
DATA_DIR = Path(envstr("VARDE_DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = envsecret("SECRET_KEY", fallback_file=DATA_DIR / "secret_key")
# Free-text notes are encrypted with keys kept outside the database.
VARDE_KEYS_FILE = Path(envstr("VARDE_KEYS_FILE", str(DATA_DIR / "keys.json")))
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "varde.people",
    "varde.audit",
    "varde.plan",
    "varde.cases",
    "varde.incidents",
    "varde.insights",
    "varde.reminders",
    "varde.yearplan",
    "varde.questions",
    "varde.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "varde.web.middleware.BokmalFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "varde.people.middleware.SessionTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "varde.people.middleware.RequireMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "varde.web.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "varde.urls"
WSGI_APPLICATION = "varde.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "varde" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "varde.web.context.frame",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

if envstr("DATABASE_URL"):
    DATABASES = {"default": database_from_url(envstr("DATABASE_URL"))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "varde.sqlite3",
            # Each worker keeps its connection for a minute, and with it SQLite's parsed schema
            # and prepared statements, instead of opening the file on every request.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": envstr("VARDE_TEST_SQLITE", "") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login: local accounts created by an administrator, e-mail as the login name.
ACCOUNT_ADAPTER = "varde.people.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "varde.people.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Failed logins: at most 5 per account and 20 per address in 15 minutes. The
# account is locked only for that window, so a stranger cannot lock a colleague
# out for long.
ACCOUNT_RATE_LIMITS = {
    "login_failed": envstr("VARDE_LOGIN_FAILED_LIMIT", "20/15m/ip,5/15m/key"),
    "login": "60/m/ip",
    "reset_password": "5/m/ip,3/15m/key",
}
LOGIN_REDIRECT_URL = "web:start"
LOGIN_URL = "account_login"
ACCOUNT_LOGOUT_REDIRECT_URL = "web:home"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Accounts are created by administrators, not by sign-up, so an address needs no
# verification step before two-factor login can be set up.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = envstr("VARDE_MFA_ISSUER", "Varde")
# TOTP secrets and recovery-code seeds are sealed with the keyring, like the notes.
MFA_ADAPTER = "varde.people.adapters.MFAAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False


def _oidc_app(provider_id: str, name: str, prefix: str) -> dict[str, object] | None:
    """An OpenID Connect login (Feide, ID-porten) turned on by its environment variables."""
    client_id = envstr(f"{prefix}_CLIENT_ID")
    if not client_id:
        return None
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": client_id,
        "secret": envsecret(f"{prefix}_CLIENT_SECRET"),
        "settings": {
            "server_url": envstr(f"{prefix}_SERVER_URL"),
            "token_auth_method": envstr(f"{prefix}_TOKEN_AUTH_METHOD", "client_secret_basic"),
            "scope": envlist(f"{prefix}_SCOPE", "openid,email,profile"),
            # The lowest level of assurance accepted, e.g. idporten-loa-high.
            "min_acr": envstr(f"{prefix}_MIN_ACR"),
        },
    }


_OIDC_APPS = [
    app
    for app in (
        _oidc_app("feide", "Feide", "FEIDE"),
        _oidc_app("idporten", "ID-porten", "IDPORTEN"),
    )
    if app
]
SOCIALACCOUNT_PROVIDERS: dict[str, object] = {
    "openid_connect": {"APPS": _OIDC_APPS, "OAUTH_PKCE_ENABLED": True}
}
# OIDC logins are matched to existing accounts by verified e-mail; nobody signs up.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
VARDE_SESSION_IDLE_SECONDS = envint("VARDE_SESSION_IDLE_MINUTES", 30) * 60
VARDE_SESSION_ABSOLUTE_SECONDS = envint("VARDE_SESSION_MAX_HOURS", 10) * 3600
SESSION_COOKIE_AGE = VARDE_SESSION_ABSOLUTE_SECONDS
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "varde.web.views.csrf_failure"

VARDE_HTTPS = envbool("VARDE_HTTPS", False)
SESSION_COOKIE_SECURE = VARDE_HTTPS
CSRF_COOKIE_SECURE = VARDE_HTTPS
SECURE_SSL_REDIRECT = VARDE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if VARDE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = VARDE_HTTPS
SECURE_HSTS_PRELOAD = VARDE_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if envbool("VARDE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "varde" / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "varde" / "static"]
STATIC_ROOT = Path(envstr("VARDE_STATIC_ROOT", str(DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
# Django's default for stored uploads is 0644, which the umask does not narrow.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Varde <varde@localhost>")

TASKS = {
    "default": {
        "BACKEND": envstr("VARDE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

VARDE_DEFAULT_MUNICIPALITY = envstr("VARDE_DEFAULT_MUNICIPALITY", "lunner")

# The audit log's anchor outside the database (varde/audit/anchor.py): a file the worker appends
# each chain's head to every minute, and optionally syslog as well: a socket ("/dev/log") or a
# collector on another machine ("logs.example.no:514", UDP).
VARDE_AUDIT_ANCHOR_FILE = Path(
    envstr("VARDE_AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchor.log"))
)
VARDE_AUDIT_ANCHOR_SYSLOG = syslog_address(envstr("VARDE_AUDIT_ANCHOR_SYSLOG"))

# The accessibility statement (/tilgjengelighet/): where feedback goes, and within how many days
# it is answered.
VARDE_ACCESSIBILITY_EMAIL = envstr("VARDE_ACCESSIBILITY_EMAIL")
VARDE_ACCESSIBILITY_ANSWER_DAYS = envint("VARDE_ACCESSIBILITY_ANSWER_DAYS", 14)

# The municipality's archive (docs/archive.md): how closed cases reach it, and how they are filed.
VARDE_ARCHIVE = {
    # download: a person downloads the package and uploads it; folder: the archive system's
    # import folder; fiks_io: KS's Fiks IO with the Fiks Arkiv protocol.
    "TRANSPORT": envstr("VARDE_ARCHIVE_TRANSPORT", "download"),
    # saksmappe: one case folder per case; elevmappe: the case's journal entries go into the
    # pupil's folder (found or made by its key in Varde).
    "FOLDER": envstr("VARDE_ARCHIVE_FOLDER", "saksmappe"),
    "ARKIVDEL": envstr("VARDE_ARCHIVE_ARKIVDEL"),
    "CLASS_SYSTEM": envstr("VARDE_ARCHIVE_CLASS_SYSTEM", "K-KODER"),
    "CLASS_ID": envstr("VARDE_ARCHIVE_CLASS_ID", "B"),
    "CLASS_TITLE": envstr("VARDE_ARCHIVE_CLASS_TITLE", "Opplærings- og elevforhold"),
    "DROP_DIR": envstr("VARDE_ARCHIVE_DROP_DIR", str(DATA_DIR / "archive-drop")),
    # Hours to wait for a receipt before a package is sent again.
    "RECEIPT_HOURS": envint("VARDE_ARCHIVE_RECEIPT_HOURS", 24),
    "FIKS_IO": {
        "API_URL": envstr("FIKS_IO_API_URL", "https://api.fiks.ks.no"),
        "AMQP_URL": envstr("FIKS_IO_AMQP_URL", "amqps://io.fiks.ks.no:5671"),
        "ACCOUNT_ID": envstr("FIKS_IO_ACCOUNT_ID"),
        "ACCOUNT_CERT_FILE": envstr("FIKS_IO_ACCOUNT_CERT_FILE"),
        "ACCOUNT_KEY_FILE": envstr("FIKS_IO_ACCOUNT_KEY_FILE"),
        "RECEIVER_ACCOUNT_ID": envstr("FIKS_IO_ARCHIVE_ACCOUNT_ID"),
        "RECEIVER_CERT_FILE": envstr("FIKS_IO_ARCHIVE_CERT_FILE"),
        "INTEGRATION_ID": envstr("FIKS_IO_INTEGRATION_ID"),
        "INTEGRATION_PASSWORD": envsecret("FIKS_IO_INTEGRATION_PASSWORD"),
        "MASKINPORTEN_TOKEN_URL": envstr("MASKINPORTEN_TOKEN_URL", "https://maskinporten.no/token"),
        "MASKINPORTEN_AUDIENCE": envstr("MASKINPORTEN_AUDIENCE", "https://maskinporten.no/"),
        "MASKINPORTEN_CLIENT_ID": envstr("MASKINPORTEN_CLIENT_ID"),
        "MASKINPORTEN_CERT_FILE": envstr("MASKINPORTEN_CERT_FILE"),
        "MASKINPORTEN_KEY_FILE": envstr("MASKINPORTEN_KEY_FILE"),
    },
}

# Shared by all gunicorn workers on the machine, so login rate limits hold across them.
CACHES = {
    "default": {
        "BACKEND": envstr(
            "VARDE_CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"
        ),
        "LOCATION": envstr("VARDE_CACHE_LOCATION", str(DATA_DIR / "cache")),
    }
}
