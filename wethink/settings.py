"""Settings for wethink, read from the environment with safe development defaults.

Every variable is listed in `.env.example`. With `DEBUG` off the settings refuse
to start without a real `SECRET_KEY` and `ALLOWED_HOSTS`.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "django-insecure-wethink-development-key-not-for-production"  # noqa: S105 - refused when DEBUG is off
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured("Set SECRET_KEY to a long random string when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated) when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "reversion",
    "axes",
    # The task queue in the database, for `manage.py db_worker` (WETHINK_TASKS=db).
    "django_tasks_db",
    "accounts",
    "chapters",
    "comments",
    "jobs",
    "notices",
    "pages",
]

MIDDLEWARE = [
    # Outermost, so the pages it stores carry every header the others add. Only a
    # miss reaches it: stored pages are answered by PageCacheApp (wethink/wsgi.py).
    "wethink.pagecache.PageCacheMiddleware",
    # BREACH-safe: each compressed body gets a random length of padding in its gzip
    # header (Django 4.2+), and the pages kept in the shared cache carry no secret.
    "django.middleware.gzip.GZipMiddleware",
    # So static files and error pages get its headers too.
    "wethink.headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wethink.headers.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user read from the shared cache (exactly: a
    # per-person version moves after every change of the user).
    "accounts.usercache.CachedAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside the page cache's, so stored chapter pages keep their Link header.
    "comments.middleware.AnnotationServiceLinkMiddleware",
    # After the session and the user, so its error pages show who is signed in.
    "wethink.middleware.BadInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after 5 failed attempts for one username from one address,
# that pair is locked out for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies stand in front of the site. With 0 the client is
# REMOTE_ADDR; with N it is the Nth address from the right of X-Forwarded-For
# (accounts/throttling.py). Set it only when every request passes the proxies.
WETHINK_TRUSTED_PROXIES = int(os.environ.get("WETHINK_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
# Usernames longer than an account can have are cut before axes stores them.
AXES_USERNAME_CALLABLE = "accounts.throttling.axes_username"
# Password-reset requests allowed per hour from one address, and for one email.
WETHINK_PASSWORD_RESETS_PER_HOUR = int(os.environ.get("WETHINK_PASSWORD_RESETS_PER_HOUR", "5"))

ROOT_URLCONF = "wethink.urls"
WSGI_APPLICATION = "wethink.wsgi.application"

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
                # {{ csp_nonce }}, and the nonce the admin's own inline style needs.
                "django.template.context_processors.csp",
                # {{ header }}: what the page header shows the signed-in person.
                "accounts.header.header",
                # {{ attention }}: open feedback and comments to moderate, for editors.
                "comments.attention.attention",
                # A slot for the CSRF token in pages kept per person (accounts.personcache).
                "accounts.personcache.csrf_slot",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache only speeds things up: the comment limit is counted in the database,
# so it holds across workers with or without Redis, and an unreachable Redis is
# treated as an empty cache (wethink/cache.py) rather than an error page.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "wethink.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "wethink",
            # A Redis that does not answer costs a request at most this long.
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache (one round trip) and written through to the
# database, so a Redis outage or eviction signs no one out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Anonymous reading pages kept whole in the shared cache (wethink/pagecache.py):
# how long a stored page may live at most (a write replaces it at once anyway),
# and how long a reverse proxy may keep one (`Cache-Control: s-maxage`).
WETHINK_PAGE_CACHE_SECONDS = int(os.environ.get("WETHINK_PAGE_CACHE_SECONDS", "600"))
WETHINK_PROXY_CACHE_SECONDS = int(os.environ.get("WETHINK_PROXY_CACHE_SECONDS", "0"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chapters:book_list"
LOGOUT_REDIRECT_URL = "chapters:book_list"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files the site makes or receives: the admin's book exports and import uploads
# (jobs/). Never served as they are: they are downloaded through the admin only.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        # A mail server that does not answer holds up the worker this long, then
        # counts as a failed send and is tried again later.
        "timeout": float(os.environ.get("EMAIL_TIMEOUT", "10")),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wethink <noreply@localhost>")

# Slow work runs through Django's tasks framework: every email, and the admin's
# exports and imports of whole books. "db" keeps tasks in the database
# (django-tasks-db) for the worker, `manage.py db_worker`, which `make serve`
# starts beside gunicorn; "immediate" runs a task inside the request that asked
# for it (`make run`, tests). Production uses the worker unless told otherwise.
WETHINK_TASKS = os.environ.get("WETHINK_TASKS", "immediate" if DEBUG else "db")
if WETHINK_TASKS not in {"db", "immediate"}:
    raise ImproperlyConfigured("WETHINK_TASKS must be 'db' or 'immediate'.")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if WETHINK_TASKS == "db"
            else "django.tasks.backends.immediate.ImmediateBackend"
        ),
    }
}
# A send the mail server refuses or cannot take is tried again after each of
# these delays in seconds (1 min, 5 min, 30 min, 2 h, 6 h), then logged as an
# error and kept as a failed task. Retries need the worker's queue (WETHINK_TASKS=db).
WETHINK_MAIL_RETRY_DELAYS = [
    int(delay) for delay in env_list("WETHINK_MAIL_RETRY_DELAYS", "60,300,1800,7200,21600")
]

# The HTML sanitiser behind wethink.sanitize.sanitize_html: "nh3" or "bleach".
WETHINK_SANITIZER = os.environ.get("WETHINK_SANITIZER", "nh3")
if WETHINK_SANITIZER not in {"nh3", "bleach"}:
    raise ImproperlyConfigured("WETHINK_SANITIZER must be 'nh3' or 'bleach'.")

# Annotations on one page of an annotation container or search.
WETHINK_ANNOTATIONS_PAGE_SIZE = int(os.environ.get("WETHINK_ANNOTATIONS_PAGE_SIZE", "100"))

# Comments: how many one account may post a minute, and the site's address for emails.
WETHINK_COMMENTS_PER_MINUTE = int(os.environ.get("WETHINK_COMMENTS_PER_MINUTE", "10"))
# Every link in an email is made from SITE_URL (scheme and host, no path).
WETHINK_SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
if not DEBUG and not WETHINK_SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "Set SITE_URL to the site's address, e.g. https://wethink.example.org, when DEBUG "
        "is off: links in emails are made from it."
    )

# Importing Markdown (chapters/importing.py): bytes as inflated, per file and in all,
# and the number of files. Without the worker (WETHINK_TASKS=immediate) the admin's
# import runs inside one web request, so its upload (and what it inflates to) has a
# smaller limit: about 1 s per MB of Markdown, under gunicorn's 30 s timeout. With
# the worker the admin imports up to WETHINK_IMPORT_MAX_BYTES.
WETHINK_IMPORT_MAX_BYTES = int(os.environ.get("WETHINK_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
WETHINK_IMPORT_MAX_FILE_BYTES = int(
    os.environ.get("WETHINK_IMPORT_MAX_FILE_BYTES", str(5 * 1024 * 1024))
)
WETHINK_IMPORT_MAX_FILES = int(os.environ.get("WETHINK_IMPORT_MAX_FILES", "1000"))
WETHINK_ADMIN_IMPORT_MAX_BYTES = int(
    os.environ.get("WETHINK_ADMIN_IMPORT_MAX_BYTES", str(10 * 1024 * 1024))
)

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: scripts and styles only from this site's own files. No
# page has inline script, style attributes or event handlers; the admin's one
# inline <style> carries the per-request nonce. Images may come from any https
# address, as chapters may show figures hosted elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "https:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Permissions-Policy: browser features the site never uses, denied to it and to
# anything it could embed. Only names Chromium knows: an unknown one is a console error.
WETHINK_PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; lockouts are logged at WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
