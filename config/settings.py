"""Byline settings, read from the environment (and an optional `.env` file).

Every variable is listed in `.env.example` and in the README.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG=0) refuses to start without "
            "a secret key: set DJANGO_SECRET_KEY to a long random string (see .env.example)."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env.str("BYLINE_SITE_NAME", default="Byline")
# Language of new pieces and of site-level pages (<html lang>, feeds): a code of blog/languages.py.
BYLINE_DEFAULT_LANGUAGE = env.str("BYLINE_DEFAULT_LANGUAGE", default="en")
# Responses mode for pieces that do not choose one: open, premoderated, locked or off.
BYLINE_RESPONSES_DEFAULT_MODE = env.str("BYLINE_RESPONSES_DEFAULT_MODE", default="open")


def _rate(name, default):
    """A rate limit written `COUNT/SECONDS` (e.g. 3/3600); a count of 0 turns it off."""
    count, _, seconds = env.str(name, default=default).partition("/")
    return int(count), int(seconds or 3600)


# Accounts: the sign-up confirmation link's lifetime, and how many sign-ups, confirmation and
# password-reset mails one email address, and one network (IPv4 /24, IPv6 /64), may ask for.
BYLINE_CONFIRMATION_MAX_AGE = env.int("BYLINE_CONFIRMATION_MAX_AGE", default=3 * 24 * 3600)
BYLINE_ACCOUNT_ADDRESS_RATE = _rate("BYLINE_ACCOUNT_ADDRESS_RATE", "3/3600")
BYLINE_ACCOUNT_NETWORK_RATE = _rate("BYLINE_ACCOUNT_NETWORK_RATE", "10/3600")
# Responses: how long a writer may edit or delete their response, the pause between two
# responses by one reader, and how many responses one address may post (COUNT/SECONDS).
BYLINE_RESPONSES_EDIT_SECONDS = env.int("BYLINE_RESPONSES_EDIT_SECONDS", default=15 * 60)
BYLINE_RESPONSES_FLOOD_SECONDS = env.int("BYLINE_RESPONSES_FLOOD_SECONDS", default=15)
BYLINE_RESPONSES_IP_RATE = _rate("BYLINE_RESPONSES_IP_RATE", "10/600")
# The site's public address (https://byline.example), for links in mail, feeds and imports made
# outside a request; empty: taken from each request, and relative in commands.
BYLINE_SITE_URL = env.str("BYLINE_SITE_URL", default="").rstrip("/")
# Largest image an importer downloads or copies (bytes).
BYLINE_IMPORT_IMAGE_MAX_BYTES = env.int("BYLINE_IMPORT_IMAGE_MAX_BYTES", default=20 * 1024 * 1024)
# Reports: weighted reports that send a published response back to the queue (docs/responses.md),
# and the age in days below which an account's report counts half.
BYLINE_RESPONSES_REPORT_THRESHOLD = env.float("BYLINE_RESPONSES_REPORT_THRESHOLD", default=3)
BYLINE_REPORT_TRUSTED_AGE_DAYS = env.int("BYLINE_REPORT_TRUSTED_AGE_DAYS", default=7)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "markdownx",
    "simple_history",
    "axes",
    # Background work (docs/background.md): Django's Tasks API (django-tasks, the backport of
    # django.tasks) on a queue in Byline's own database (django-tasks-db). `background` comes
    # first so its `db_worker` (the library's, plus recovery and pruning) is the one manage.py runs.
    "background",
    "django_tasks",
    "django_tasks_db",
    "outbox",
    "accounts",
    "blog",
    "comments",
    "pagecache",  # last: its receivers run after the apps' own (counts are current by then)
]

MIDDLEWARE = [
    # One JSON log line per request, cached or not (DJANGO_REQUEST_LOG=0 turns it off).
    "config.middleware.RequestLogMiddleware",
    # Behind a trusted proxy: the client's address from X-Forwarded-For (DJANGO_SECURE_PROXY).
    "config.middleware.ProxyClientAddressMiddleware",
    # Then: cached anonymous pages are answered before anything else runs (docs/performance.md).
    "pagecache.middleware.FrontCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    # WhiteNoise, choosing .br/.gz by Accept-Encoding q-values (config/staticfiles.py).
    "config.staticfiles.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL, else a SQLite file in the project (zero configuration).
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DJANGO_DB_CONNECT_TIMEOUT", default=3
    )

# Cache: REDIS_URL (shared by every process), else per-process memory.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that serves uncached, with a logged warning, when Redis is down.
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "byline",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "blog:home"
LOGOUT_REDIRECT_URL = "blog:home"

# Failed sign-ins: five failures lock the network address (any username from it), and separately
# the (account, address) pair, for 15 minutes. Never the account alone: a guesser elsewhere must
# not be able to lock the owner out (README, "What keeps it safe").
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.signin.client_network"  # an IPv6 /64 counts as one address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default="") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Media in an S3-compatible bucket (pip install ".[s3]"): set the bucket and its credentials.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000"},
        },
    }
# Serve uploaded media from Django itself (development, or a single server without nginx).
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=DEBUG)
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Email: console in development, SMTP (EMAIL_URL, e.g. smtp+tls://user:pass@host:587) in production.
EMAIL_CONFIG = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
vars().update(EMAIL_CONFIG)
# Mail is never sent inside a request: outbox.services.mail_enqueue stores it and a worker sends
# it, retrying a temporary failure (docs/background.md). So the backend raises, it never hides.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=5)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Byline <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: the queue lives in the database (`manage.py db_worker` runs it); `immediate`
# runs each task in the process that enqueued it (tests only: nothing waits, nothing retries).
TASKS_BACKEND = env.str("BYLINE_TASKS_BACKEND", default="database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND]
    }
}
# Finished tasks and sent mails are deleted after this many days (failed ones are kept as long).
TASKS_RETENTION_DAYS = env.int("BYLINE_TASKS_RETENTION_DAYS", default=14)
# Seconds between two runs of the maintenance task (recover lost work, prune old rows).
TASKS_MAINTENANCE_SECONDS = env.int("BYLINE_TASKS_MAINTENANCE_SECONDS", default=60)
# A mail: attempts before it is marked failed, and the backoff between them (exponential from
# the base, with jitter, capped). A worker holds a mail it sends for the lease, then another may.
MAIL_MAX_ATTEMPTS = env.int("BYLINE_MAIL_MAX_ATTEMPTS", default=8)
MAIL_RETRY_BASE_SECONDS = env.float("BYLINE_MAIL_RETRY_BASE_SECONDS", default=30.0)
MAIL_RETRY_MAX_SECONDS = env.float("BYLINE_MAIL_RETRY_MAX_SECONDS", default=3600.0)
MAIL_LEASE_SECONDS = env.int("BYLINE_MAIL_LEASE_SECONDS", default=120)

# Markdown editor (django-markdownx): Byline serves its own, locked-down endpoints.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "markup.render_markdown"
MARKDOWNX_URLS_PATH = "/write/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/write/markdownx/upload/"
MARKDOWNX_UPLOAD_MAX_SIZE = 10 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (2000, 0), "quality": 85}
MARKDOWNX_MEDIA_PATH = "uploads/"

# Security. HTTPS is assumed in production (DJANGO_HTTPS defaults to on when DEBUG is off):
# redirect to HTTPS, HSTS, secure cookies. DJANGO_SECURE_PROXY=1 trusts the TLS proxy's
# X-Forwarded-Proto and X-Forwarded-For headers (set it only behind a proxy that sets them).
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_PROXY = env.bool("DJANGO_SECURE_PROXY", default=False)
if SECURE_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Content-Security-Policy (django-csp): no inline script anywhere, nothing from other hosts
# except images in pieces (imported stories may keep their original https image addresses).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
REQUEST_LOG = env.bool("DJANGO_REQUEST_LOG", default=True)

# Optional error reporting: only with SENTRY_DSN, and without personal data.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

# Logs: one JSON object per line on stderr (DJANGO_LOG_FORMAT=text for people reading a terminal).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # One line per task run comes from byline.tasks; the library's own lines are repeats.
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        # runserver prints its own request lines in development.
        "byline.requests": {"level": "WARNING" if DEBUG else "INFO"},
    },
}

# The page cache (pagecache/): a layer that imports no app, configured here.
# Serve and store pages in Django's tiers. Off: pages still carry the HTTP caching headers.
PAGECACHE_ENABLED = True
# The shared tier: a cache alias (Redis when REDIS_URL is set).
PAGECACHE_CACHE_ALIAS = "default"
# Longest life of a page in Django's tiers (seconds); content changes end it sooner.
PAGECACHE_TIMEOUT = 600
# Cache-Control for anonymous readers: browsers (max-age), shared caches such as the nginx
# front cache (s-maxage), and how long a stale page may be served while refreshing.
PAGECACHE_MAX_AGE = 60
PAGECACHE_SHARED_MAX_AGE = 1
PAGECACHE_STALE_WHILE_REVALIDATE = 60
PAGECACHE_STALE_IF_ERROR = 86400
# The per-process tier in front of the shared one (bounded LRU).
PAGECACHE_LOCAL_MAX_ENTRIES = 300
PAGECACHE_LOCAL_MAX_BYTES = 32 * 1024 * 1024
# Fragments (pagecache.fragments): parts of pages and the data they are built from, kept
# under the same generation, for signed-in readers too. Independent of PAGECACHE_ENABLED.
PAGECACHE_FRAGMENTS_ENABLED = True
PAGECACHE_FRAGMENT_MAX_ENTRIES = 2000
PAGECACHE_FRAGMENT_MAX_BYTES = 32 * 1024 * 1024
# Which code renders pages (a commit hash, an image tag): stored entries are kept per
# release. Empty: a digest of the project's templates and code (pagecache/release.py).
PAGECACHE_RELEASE = ""
# Each process re-reads the shared generation at most this often (seconds).
PAGECACHE_GENERATION_CHECK_INTERVAL = 1.0
# Where processes on one machine share the generation when the cache is per-process.
PAGECACHE_GENERATION_FILE = ""
# Compress pages at least this long.
PAGECACHE_GZIP_MIN_LENGTH = 200
# The page cache learns the apps' models from here.
# Models whose changes make pages stale ("app_label.modelname"), with the fields whose change
# alone never shows on a page; and the function giving the next scheduled publish time.
PAGECACHE_WATCHED_MODELS = {
    "blog.article": (),
    "blog.tag": (),
    "blog.articleredirect": (),
    "accounts.authorprofile": (),
    "accounts.user": ("last_login", "password"),
    "comments.comment": ("report_count",),
}
PAGECACHE_NEXT_CHANGE = "blog.models.next_scheduled_publish"
