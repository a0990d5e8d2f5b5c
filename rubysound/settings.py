"""RubySound settings: one module, driven by environment variables.

With no environment at all the platform runs on embedded defaults (SQLite, local-memory
cache, in-memory channel layer, files under ``var/``). ``DATABASE_URL`` and ``REDIS_URL``
switch to PostgreSQL and Redis; ``RUBYSOUND_PROFILE=production`` turns on the production
security settings and refuses to start without the values production needs.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from rubysound.core.email_url import email_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


PROFILE = env_str("RUBYSOUND_PROFILE", "embedded")
if PROFILE not in {"embedded", "production"}:
    raise ImproperlyConfigured("RUBYSOUND_PROFILE must be 'embedded' or 'production'")
PRODUCTION = PROFILE == "production"

# Absolute: a relative RUBYSOUND_VAR_DIR is taken from the working directory, once.
VAR_DIR = Path(env_str("RUBYSOUND_VAR_DIR", str(BASE_DIR / "var"))).resolve()


def _embedded_secret_key() -> str:
    """A random key kept in var/ so sessions survive restarts of an embedded install."""
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Written whole under a private name, then linked into place: a process starting at the
    # same moment either loses the link race and reads the winner's key, or finds no file;
    # it never sees a half-written one.
    scratch = VAR_DIR / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    try:
        os.link(scratch, key_file)
    except FileExistsError:
        pass
    finally:
        scratch.unlink()
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
if PRODUCTION and not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is required when RUBYSOUND_PROFILE=production")
if not SECRET_KEY:
    SECRET_KEY = _embedded_secret_key()

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on when RUBYSOUND_PROFILE=production")

if PRODUCTION and not env_str("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when RUBYSOUND_PROFILE=production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# How many reverse proxies in front of us append to X-Forwarded-For. 0 means the peer
# address is the client; the raw header is never trusted beyond this count.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT cannot be negative")

INSTALLED_APPS = [
    # rubysound.core first: its admin/base_site.html (our name, colours and icon) is found
    # before django.contrib.admin's own.
    "rubysound.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "django_countries",
    "axes",
    "rubysound.accounts",
    "rubysound.catalog",
    "rubysound.ops",
    "rubysound.providers",
    "rubysound.social",
    "rubysound.compat",
    "rubysound.demo",
    "rubysound.web",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "rubysound.core.middleware.ClientIPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "rubysound.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "rubysound.urls"
ASGI_APPLICATION = "rubysound.asgi.application"

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
                "rubysound.web.context_processors.notifications",
                "rubysound.web.context_processors.favorites",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "rubysound.sqlite3")}

if _db["ENGINE"] == "django.db.backends.postgresql":
    _db["ENGINE"] = "django_prometheus.db.backends.postgresql"
    # A connection is checked before use, pooled (psycopg's ConnectionPool.check_connection,
    # which Django passes as the pool's ``check``) or not: after a database restart or a
    # terminated backend the dead connection is replaced instead of failing a request.
    _db["CONN_HEALTH_CHECKS"] = True
    # A process-wide psycopg pool serves every thread of the ASGI server; persistent
    # per-thread connections (CONN_MAX_AGE) and a pool are mutually exclusive in Django.
    if env_bool("DB_POOL", True):
        _db["CONN_MAX_AGE"] = 0
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("DB_POOL_MAX_SIZE", 10),
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
    else:
        _db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # django-prometheus's instrumented backend, plus a pool of open connections (a new
    # SQLite connection per request costs more CPU than most queries; see its module).
    _db["ENGINE"] = "rubysound.core.db.sqlite3"
    _db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0)
    _db["OPTIONS"] = {
        # WAL lets readers run while a writer commits; IMMEDIATE avoids lock upgrades
        # failing mid-transaction under concurrent writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
        "pool_size": env_int("DB_POOL_MAX_SIZE", 10) if env_bool("DB_POOL", True) else 0,
    }
else:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...)")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "rubysound")
# Redis is a cache, not a dependency of correctness (see rubysound.core.redis_outage): a
# call that fails or takes longer than these is passed over, and Redis is left alone for
# REDIS_RETRY_AFTER_MS after a connection error or a timeout.
REDIS_CONNECT_TIMEOUT_MS = env_int("REDIS_CONNECT_TIMEOUT_MS", 500)
REDIS_SOCKET_TIMEOUT_MS = env_int("REDIS_SOCKET_TIMEOUT_MS", 1000)
REDIS_RETRY_AFTER_MS = env_int("REDIS_RETRY_AFTER_MS", 1000)
if min(REDIS_CONNECT_TIMEOUT_MS, REDIS_SOCKET_TIMEOUT_MS) < 1 or REDIS_RETRY_AFTER_MS < 0:
    raise ImproperlyConfigured(
        "REDIS_CONNECT_TIMEOUT_MS and REDIS_SOCKET_TIMEOUT_MS must be at least 1, "
        "REDIS_RETRY_AFTER_MS cannot be negative"
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "rubysound.core.cache.InstrumentedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 300,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_MS / 1000,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_MS / 1000,
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "rubysound.core.channel_layer.RedisChannelLayer",
            "CONFIG": {
                # Each process waits for its sockets' messages with a blocking read that
                # Redis ends after 5 s; redis-py 8 gives up reading after 5 s by default,
                # and losing that race kills a socket (1011) every 5 s of quiet. Wait
                # longer than the blocking read, but not forever on a dead connection.
                # redis-py 8 also caps a pool at 100 connections and fails (rather than
                # waits) beyond: hundreds of sockets closing at once (a deploy, a popular
                # page emptying) each need one for their group_discard.
                # That timeout bounds the blocking read; group calls (a socket's handshake,
                # a request's fan-out) are bounded by the much shorter command_timeout.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_MS / 1000,
                        "max_connections": 1000,
                    }
                ],
                "command_timeout": REDIS_SOCKET_TIMEOUT_MS / 1000,
                "prefix": f"{CACHE_KEY_PREFIX}:asgi",
                "capacity": 1000,
                "expiry": 60,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "rubysound",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Presence (who is online; see rubysound.accounts.presence) -------------------------
# Every open authenticated socket refreshes its entry each heartbeat; an entry not refreshed
# within the TTL (a crashed server) expires, so nobody stays online forever.
PRESENCE_HEARTBEAT_SECONDS = env_int("PRESENCE_HEARTBEAT_SECONDS", 20)
PRESENCE_TTL_SECONDS = env_int("PRESENCE_TTL_SECONDS", 3 * PRESENCE_HEARTBEAT_SECONDS)
PRESENCE_MAX_WATCHES = env_int("PRESENCE_MAX_WATCHES", 50)
if PRESENCE_HEARTBEAT_SECONDS < 1 or PRESENCE_TTL_SECONDS <= PRESENCE_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "PRESENCE_HEARTBEAT_SECONDS must be >= 1 and PRESENCE_TTL_SECONDS longer than it"
    )
if PRESENCE_MAX_WATCHES < 1:
    raise ImproperlyConfigured("PRESENCE_MAX_WATCHES must be at least 1")

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
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
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
# In the database alone: a cached copy would outlive a sign-out made while Redis was down
# (the cache's delete skipped), and sign the user in again once Redis is back.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Password reset links live this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60 * 24) * 60

# --- Email ----------------------------------------------------------------------------
# One URL says where mail goes (rubysound.core.email_url): smtp://user:pass@host:587?tls,
# console://, or the embedded default, a file per message under var/mail/.
# Not kept as a setting of its own: it holds the SMTP password, and error pages list settings.
globals().update(email_settings(env_str("EMAIL_URL", (VAR_DIR / "mail").as_uri())))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "RubySound <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Brute-force protection (see rubysound.accounts.lockout): failures are counted per account
# and address pair, so one person's typos never lock out someone else at the same address,
# plus a generous ceiling per address so one address cannot spray guesses over many accounts.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_HANDLER = "rubysound.accounts.lockout.AccountAddressLockoutHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 100)
if LOGIN_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("LOGIN_ADDRESS_FAILURE_LIMIT cannot be below LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "rubysound.core.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "rubysound.accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "rubysound.accounts.lockout.attempted_username"
AXES_VERBOSE = False
# Masked in the GET/POST data axes stores with a failed attempt: the sign-in form's fields,
# and the Subsonic API's credentials (rubysound.compat.subsonic.auth).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "p", "t", "s", "apiKey"]

# --- Files ----------------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "servestatic.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", PRODUCTION)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Front-end libraries come from the npm registry (package.json, installed by make into
# node_modules/) and are served from our own origin under /static/vendor/.
NODE_MODULES_DIR = Path(env_str("NODE_MODULES_DIR", str(BASE_DIR / "node_modules")))
STATICFILES_DIRS = [("vendor/htmx", NODE_MODULES_DIR / "htmx.org" / "dist")]
# ServeStatic (the async-native WhiteNoise fork): a sync-only middleware would push every
# request of the ASGI server through a thread hop.
SERVESTATIC_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# The operator's music: folders scanned into the catalog (comma-separated).
LIBRARY_DIRS = [
    Path(p).expanduser().resolve()
    for p in env_list("RUBYSOUND_LIBRARY_DIRS", [str(VAR_DIR / "library")])
]
# Processed cover images, resized on demand.
COVER_CACHE_DIR = MEDIA_ROOT / "covers" / "resized"
# With nginx in front: stream files through X-Accel-Redirect under this internal location
# (e.g. "/protected-library/"), one per library folder in the same order. Empty: we stream.
STREAM_ACCEL_REDIRECT_PREFIX = env_str("STREAM_ACCEL_REDIRECT_PREFIX")
# Transcoding (the Subsonic ``stream`` with a format or a bitrate cap): ffmpeg from PATH unless
# named; without one only the original files are streamed. Each running transcode holds one
# ffmpeg process (a CPU core at most): more than the cap per server process are refused
# with 429. Finished transcodes are kept on disk under a size cap, least recently used out.
FFMPEG_BINARY = env_str("FFMPEG_BINARY")
TRANSCODE_MAX_CONCURRENT = env_int("TRANSCODE_MAX_CONCURRENT", 2)
TRANSCODE_CACHE_DIR = Path(env_str("TRANSCODE_CACHE_DIR", str(VAR_DIR / "cache" / "transcodes")))
TRANSCODE_CACHE_MAX_BYTES = env_int("TRANSCODE_CACHE_MAX_BYTES", 512 * 1024 * 1024)

# The whole request body, enforced in front of Django (see rubysound.core.asgi), and the
# caps on what a profile picture may be.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 12 * 1024 * 1024)
# Staff upload audio through the admin: one file may be this large, a batch a few times that.
AUDIO_UPLOAD_MAX_BYTES = env_int("AUDIO_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
# Routes allowed a larger body than MAX_REQUEST_BODY_BYTES (exact path -> bytes), for a
# signed-in staff session whose request carries a valid X-CSRFToken header (the admin's
# upload page sends one); everyone else keeps MAX_REQUEST_BODY_BYTES there too.
STAFF_REQUEST_BODY_LIMITS = {"/admin/catalog/track/upload/": 5 * AUDIO_UPLOAD_MAX_BYTES}
# A ListenBrainz export uploaded on /history/ (JSON, JSONL or their zip): below the body cap,
# so a file too large is told so by the page rather than cut off by the server.
LISTEN_IMPORT_MAX_BYTES = env_int("LISTEN_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMAGE_UPLOAD_MAX_BYTES = env_int("IMAGE_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
IMAGE_UPLOAD_MAX_PIXELS = env_int("IMAGE_UPLOAD_MAX_PIXELS", 25_000_000)
# Images decoded at once per process (uploads, covers); more wait (rubysound.core.images).
IMAGE_DECODE_CONCURRENCY = env_int("IMAGE_DECODE_CONCURRENCY", 2)
if IMAGE_DECODE_CONCURRENCY < 1:
    raise ImproperlyConfigured("IMAGE_DECODE_CONCURRENCY must be at least 1")

# Public responses (Cache-Control: public, max-age) for anonymous requests are answered by
# an in-process cache in front of Django; see rubysound.core.edge_cache.
EDGE_CACHE_ENABLED = env_bool("EDGE_CACHE_ENABLED", True)
EDGE_CACHE_MAX_TTL = env_int("EDGE_CACHE_MAX_TTL", 300)
EDGE_CACHE_MAX_ENTRIES = env_int("EDGE_CACHE_MAX_ENTRIES", 4096)
EDGE_CACHE_MAX_BYTES = env_int("EDGE_CACHE_MAX_BYTES", 64 * 1024 * 1024)
EDGE_CACHE_MAX_BODY_BYTES = env_int("EDGE_CACHE_MAX_BODY_BYTES", 2 * 1024 * 1024)

# --- API ------------------------------------------------------------------------------
THROTTLE_ENABLED = env_bool("THROTTLE_ENABLED", True)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rubysound.accounts.authentication.CachedUserJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rubysound.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rubysound.core.pagination.BoundedPageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "rubysound.core.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": (
        [
            "rubysound.core.throttling.AnonRateThrottle",
            "rubysound.core.throttling.UserRateThrottle",
        ]
        if THROTTLE_ENABLED
        else []
    ),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON_RATE", "600/min"),
        "user": env_str("THROTTLE_USER_RATE", "1200/min"),
        "auth": env_str("THROTTLE_AUTH_RATE", "20/min"),
        "comments": env_str("THROTTLE_COMMENT_RATE", "10/min"),
        # Password reset emails, per client address and per email address.
        "password_reset": env_str("THROTTLE_PASSWORD_RESET_RATE", "10/hour"),
        "password_reset_email": env_str("THROTTLE_PASSWORD_RESET_EMAIL_RATE", "3/hour"),
        # Attempts to link a scrobbling service, per user: each one asks a server outside.
        "scrobble_link": env_str("THROTTLE_SCROBBLE_LINK_RATE", "20/hour"),
    },
    # ClientIPMiddleware has already resolved REMOTE_ADDR through the trusted proxies;
    # 0 keeps DRF from reading the raw X-Forwarded-For again.
    "NUM_PROXIES": 0,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Seconds a JWT's user row is kept in the cache (rubysound.accounts.authentication); every
# change to the row drops it. Needs a cache every process shares (Redis): with the
# in-process cache, a change made by another process (a second worker, a management
# command) would not reach it, so it is off there unless asked for.
JWT_USER_CACHE_SECONDS = env_int("JWT_USER_CACHE_SECONDS", 30 if REDIS_URL else 0)
# Seconds GET /api/playlists/me/ is kept rendered in the cache (rubysound.social.versions);
# every write to the user's playlists or to the catalog outdates it at once. Off without
# Redis for the same reason as the line above.
FAVORITES_CACHE_SECONDS = env_int("FAVORITES_CACHE_SECONDS", 60 if REDIS_URL else 0)
# Seconds a process remembers a user's app passwords and API keys (the Subsonic and Last.fm
# apps sign every request; rubysound.accounts.credential_cache); every change drops them,
# through the shared cache: off without Redis, as above.
APP_CREDENTIALS_CACHE_SECONDS = env_int("APP_CREDENTIALS_CACHE_SECONDS", 10 if REDIS_URL else 0)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "RubySound API",
    "DESCRIPTION": (
        "The RubySound.fm API. Browsers use session login; API clients send "
        "`Authorization: Bearer <access>` with a token from `/api/auth/token/`. "
        "Every error has the shape `{detail, code, fields?}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/(api|music_api|health)",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rubysound.ops.api.schema.add_health_paths",
    ],
}

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "rubysound.core.views.csrf_failure"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Kubernetes probes and Prometheus scrape pods over plain HTTP inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^health$", r"^metrics$"]
    if TRUSTED_PROXY_COUNT > 0:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

METRICS_TOKEN = env_str("METRICS_TOKEN")
PROMETHEUS_EXPORT_MIGRATIONS = False

# --- I18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "rubysound" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Providers (external music services; see rubysound.providers) ---------------------
# Keys switch services on. With no key at all the platform makes no outside request and
# runs on its own library; PROVIDERS_ENABLED=true turns on the keyless services too
# (iTunes, Deezer, MusicBrainz, Wikipedia, Apple's charts). <SERVICE>_ENABLED=false turns
# one service off; <SERVICE>_BASE_URL points it elsewhere (a mirror, a recording proxy).
LASTFM_API_KEY = env_str("LASTFM_API_KEY")
THEAUDIODB_API_KEY = env_str("THEAUDIODB_API_KEY")
PROVIDERS_ENABLED = env_bool("PROVIDERS_ENABLED", bool(LASTFM_API_KEY or THEAUDIODB_API_KEY))
# Said in our User-Agent, as MusicBrainz and Wikimedia ask: how to reach the operator.
PROVIDERS_CONTACT = env_str("PROVIDERS_CONTACT", "https://rubysound.fm/contact")
# How long one of our requests may wait on providers in all; what is later is left out.
PROVIDERS_BUDGET_SECONDS = env_int("PROVIDERS_BUDGET_MS", 3000) / 1000
PROVIDERS_CONNECT_TIMEOUT_SECONDS = env_int("PROVIDERS_CONNECT_TIMEOUT_MS", 2000) / 1000
PROVIDERS_READ_TIMEOUT_SECONDS = env_int("PROVIDERS_READ_TIMEOUT_MS", 2500) / 1000
_PROVIDER_DEFAULTS = {
    # name: (API key or None when the service needs none, default base URL)
    "lastfm": (LASTFM_API_KEY, "https://ws.audioscrobbler.com/2.0/"),
    "itunes": (None, "https://itunes.apple.com"),
    "deezer": (None, "https://api.deezer.com"),
    "theaudiodb": (THEAUDIODB_API_KEY, "https://www.theaudiodb.com/api/v1/json"),
    "musicbrainz": (None, "https://musicbrainz.org/ws/2"),
    "wikipedia": (None, "https://{lang}.wikipedia.org"),
    "apple": (None, "https://rss.marketingtools.apple.com/api/v2"),
}
PROVIDERS = {
    name: {
        "enabled": PROVIDERS_ENABLED
        and env_bool(f"{name.upper()}_ENABLED", True)
        and (key is None or bool(key)),
        "api_key": key or "",
        "base_url": env_str(f"{name.upper()}_BASE_URL", base_url).rstrip("/"),
    }
    for name, (key, base_url) in _PROVIDER_DEFAULTS.items()
}
# Requests in flight per service and worker, so one slow service cannot hold every connection.
PROVIDERS_MAX_CONCURRENCY = env_int("PROVIDERS_MAX_CONCURRENCY", 8)
# Least time between two requests to a service, across the workers sharing the cache:
# MusicBrainz allows one request a second per client.
PROVIDERS_MIN_INTERVAL_SECONDS = {
    "musicbrainz": env_int("MUSICBRAINZ_MIN_INTERVAL_MS", 1000) / 1000,
}
# Tries in all for a transient failure (timeout, dropped connection, 502/503/504, 429), the
# waits between them growing from PROVIDERS_RETRY_BACKOFF_MS (with jitter); a Retry-After
# longer than PROVIDERS_RETRY_AFTER_MAX_MS is not waited for. Never beyond the budget.
PROVIDERS_RETRY_ATTEMPTS = env_int("PROVIDERS_RETRY_ATTEMPTS", 2)
PROVIDERS_RETRY_BACKOFF_SECONDS = env_int("PROVIDERS_RETRY_BACKOFF_MS", 100) / 1000
PROVIDERS_RETRY_AFTER_MAX_SECONDS = env_int("PROVIDERS_RETRY_AFTER_MAX_MS", 1000) / 1000
# Circuit breaker per service and worker: open after this many transient failures in a row,
# one probe let through after the cool-down.
PROVIDERS_BREAKER_FAILURES = env_int("PROVIDERS_BREAKER_FAILURES", 5)
PROVIDERS_BREAKER_RESET_SECONDS = env_int("PROVIDERS_BREAKER_RESET_MS", 30_000) / 1000
# Provider answers in the cache: found, not found (empty), failed (so a service that is down
# is asked again only after this), and charts, served stale for up to CHART_STALE while one
# refresh runs in the background.
PROVIDERS_CACHE_HIT_SECONDS = env_int("PROVIDERS_CACHE_HIT_SECONDS", 6 * 3600)
PROVIDERS_CACHE_MISS_SECONDS = env_int("PROVIDERS_CACHE_MISS_SECONDS", 3600)
PROVIDERS_CACHE_ERROR_SECONDS = env_int("PROVIDERS_CACHE_ERROR_SECONDS", 30)
PROVIDERS_CACHE_CHART_SECONDS = env_int("PROVIDERS_CACHE_CHART_SECONDS", 900)
PROVIDERS_CACHE_CHART_STALE_SECONDS = env_int("PROVIDERS_CACHE_CHART_STALE_SECONDS", 86400)
if min(PROVIDERS_MAX_CONCURRENCY, PROVIDERS_RETRY_ATTEMPTS, PROVIDERS_BREAKER_FAILURES) < 1:
    raise ImproperlyConfigured(
        "PROVIDERS_MAX_CONCURRENCY, PROVIDERS_RETRY_ATTEMPTS and PROVIDERS_BREAKER_FAILURES"
        " must be at least 1"
    )

# --- Scrobbling out (catalog.listening.scrobble_outbox; manage.py scrobble_worker) ---------
# Last.fm signs every write (track.scrobble, updateNowPlaying) with the application's secret;
# without key and secret, Last.fm links wait in the outbox and nothing is sent to Last.fm.
LASTFM_API_SECRET = env_str("LASTFM_API_SECRET")
# Linking signs Last.fm's web authentication (auth.getToken, auth.getSession) with it too.
PROVIDERS["lastfm"]["api_secret"] = LASTFM_API_SECRET
LASTFM_SCROBBLE_URL = env_str("LASTFM_SCROBBLE_URL", "https://ws.audioscrobbler.com/2.0/")
# The page at last.fm where a user approves RubySound (overridable like LASTFM_BASE_URL).
LASTFM_AUTH_URL = env_str("LASTFM_AUTH_URL", "https://www.last.fm/api/auth/")
# A ListenBrainz link without a base URL of its own (a self-hosted server, Maloja) sends here.
LISTENBRAINZ_BASE_URL = env_str("LISTENBRAINZ_BASE_URL", "https://api.listenbrainz.org").rstrip("/")
# A server a user names may resolve to a private or loopback address only when the operator
# allows it (a home install next to its Maloja): otherwise the check of a user's URL would
# let anyone probe the server's own network.
SCROBBLING_PRIVATE_ADDRESSES = env_bool("SCROBBLING_PRIVATE_ADDRESSES", False)
# How long linking may wait on the service (checking a token, asking Last.fm for a session).
SCROBBLING_LINK_TIMEOUT_SECONDS = env_int("SCROBBLING_LINK_TIMEOUT_MS", 10_000) / 1000
SCROBBLE_SEND_TIMEOUT_SECONDS = env_int("SCROBBLE_SEND_TIMEOUT_MS", 10000) / 1000
# Now playing is sent from the web process, best effort: a slow service must not hold it.
SCROBBLE_NOW_PLAYING_TIMEOUT_SECONDS = env_int("SCROBBLE_NOW_PLAYING_TIMEOUT_MS", 3000) / 1000
# A failed send is tried again after 5 s, doubling up to 4 min (plus jitter).
SCROBBLE_BACKOFF_FIRST_SECONDS = env_int("SCROBBLE_BACKOFF_FIRST_MS", 5000) / 1000
SCROBBLE_BACKOFF_MAX_SECONDS = env_int("SCROBBLE_BACKOFF_MAX_MS", 240_000) / 1000
# The worker touches this file on every round; the k8s liveness probe reads its age.
SCROBBLE_WORKER_HEARTBEAT_FILE = env_str(
    "SCROBBLE_WORKER_HEARTBEAT_FILE", str(VAR_DIR / "scrobble-worker.heartbeat")
)

# --- Graceful shutdown (python -m rubysound.core.server; see rubysound.core.shutdown) ---
# From SIGTERM to exit, all of it: keep it under the orchestrator's grace period (Kubernetes:
# terminationGracePeriodSeconds 30, minus the preStop pause).
SHUTDOWN_TIMEOUT_SECONDS = env_int("SHUTDOWN_TIMEOUT_SECONDS", 25)
# Keep serving this long after SIGTERM with readiness at 503, for load balancers that route
# by readiness; 0 under Kubernetes, whose preStop pause does the same job.
SHUTDOWN_DRAIN_SECONDS = env_int("SHUTDOWN_DRAIN_SECONDS", 0)
if SHUTDOWN_TIMEOUT_SECONDS < 2 or not 0 <= SHUTDOWN_DRAIN_SECONDS < SHUTDOWN_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        "SHUTDOWN_TIMEOUT_SECONDS must be >= 2 and SHUTDOWN_DRAIN_SECONDS between 0 and it"
    )
ACCESS_LOG = env_bool("ACCESS_LOG", True)

# --- Preview proxy (GET /music_api/preview/; see rubysound.compat.previews.proxy) ------------
# Providers' 30-second previews streamed through our origin. On only while iTunes or Deezer
# is (so an offline install never reaches out); PREVIEW_PROXY_ENABLED=false turns it off.
PREVIEW_PROXY_ENABLED = env_bool("PREVIEW_PROXY_ENABLED", True)
# Where previews (and every redirect on the way) may lead; "*" is one DNS label or part.
PREVIEW_ALLOWED_HOSTS = env_list(
    "PREVIEW_ALLOWED_HOSTS",
    [
        "audio-ssl.itunes.apple.com",  # iTunes Search and Apple Music previews
        "*.mzstatic.com",  # Apple's asset CDN
        "cdnt-preview.dzcdn.net",  # Deezer's signed preview links
        "cdns-preview-*.dzcdn.net",  # Deezer's older preview links
    ],
)
PREVIEW_MAX_BYTES = env_int("PREVIEW_MAX_BYTES", 5 * 1024 * 1024)
PREVIEW_MAX_REDIRECTS = env_int("PREVIEW_MAX_REDIRECTS", 3)
PREVIEW_CONNECT_TIMEOUT_SECONDS = env_int("PREVIEW_CONNECT_TIMEOUT_MS", 2000) / 1000
PREVIEW_READ_TIMEOUT_SECONDS = env_int("PREVIEW_READ_TIMEOUT_MS", 4000) / 1000
# The whole transfer, however slowly an upstream trickles its bytes.
PREVIEW_TOTAL_TIMEOUT_SECONDS = env_int("PREVIEW_TOTAL_TIMEOUT_MS", 20000) / 1000
# Whole previews kept on disk; the oldest go first past the size bound.
PREVIEW_CACHE_DIR = Path(env_str("PREVIEW_CACHE_DIR", str(VAR_DIR / "cache" / "previews")))
PREVIEW_CACHE_MAX_BYTES = env_int("PREVIEW_CACHE_MAX_BYTES", 256 * 1024 * 1024)

# --- Backups (rubysound.ops.backup; manage.py backup, /admin/backup/) --------------------
# Dumps, manifests and media tars; in Kubernetes a volume shared by the CronJob and the web
# pods (the admin and /metrics read it).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 7)
BACKUP_KEEP_COUNT = env_int("BACKUP_KEEP_COUNT", 10)
# How long create/restore/prune wait for another one to finish before failing (exit 6).
BACKUP_LOCK_WAIT_SECONDS = env_int("BACKUP_LOCK_WAIT_SECONDS", 120)
# How long a restore waits for the app's open transactions to release the tables.
BACKUP_RESTORE_LOCK_TIMEOUT_SECONDS = env_int("BACKUP_RESTORE_LOCK_TIMEOUT_SECONDS", 60)
# /health/ready reports the newest backup as stale beyond this age (informational).
BACKUP_MAX_AGE_HOURS = env_int("BACKUP_MAX_AGE_HOURS", 26)
# Folder of pg_dump, pg_restore and psql; empty: found on PATH.
BACKUP_PG_BIN_DIR = env_str("BACKUP_PG_BIN_DIR")
if min(BACKUP_KEEP_DAYS, BACKUP_KEEP_COUNT, BACKUP_LOCK_WAIT_SECONDS) < 0:
    raise ImproperlyConfigured("BACKUP_KEEP_*/BACKUP_LOCK_WAIT_SECONDS cannot be negative")

# --- Request handling (rubysound.core.handler; measured in bench/README.md) -------------
# Threads per worker process that run requests for synchronous views (middleware and view
# in one hop). More threads than this queue on the event loop without holding the GIL, so
# edge-cache hits are not starved; a view waiting on providers holds its thread meanwhile.
REQUEST_THREADS = env_int("REQUEST_THREADS", 8)
if REQUEST_THREADS < 1:
    raise ImproperlyConfigured("REQUEST_THREADS must be at least 1")

# --- Server ---------------------------------------------------------------------------
HOST = env_str("HOST", "127.0.0.1")
PORT = env_int("PORT", 8000)
# Deadlines for clients (see rubysound.core.connections): a request's headers complete
# within HTTP_HEADERS_TIMEOUT_SECONDS of connecting (or of the previous response), no
# pause longer than HTTP_BODY_TIMEOUT_SECONDS inside a body, and an idle kept-alive
# connection closed after HTTP_KEEP_ALIVE_SECONDS.
HTTP_HEADERS_TIMEOUT_SECONDS = env_int("HTTP_HEADERS_TIMEOUT_SECONDS", 10)
HTTP_BODY_TIMEOUT_SECONDS = env_int("HTTP_BODY_TIMEOUT_SECONDS", 30)
HTTP_KEEP_ALIVE_SECONDS = env_int("HTTP_KEEP_ALIVE_SECONDS", 5)
if min(HTTP_HEADERS_TIMEOUT_SECONDS, HTTP_BODY_TIMEOUT_SECONDS, HTTP_KEEP_ALIVE_SECONDS) < 1:
    raise ImproperlyConfigured(
        "HTTP_HEADERS_TIMEOUT_SECONDS, HTTP_BODY_TIMEOUT_SECONDS and HTTP_KEEP_ALIVE_SECONDS"
        " must be at least 1"
    )

# --- Logging: one line per event, key=value ---------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"keyvalue": {"()": "rubysound.core.logging.KeyValueFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "keyvalue"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
