"""Django settings for Yingji, read from environment variables.

See docs/configuration.md for every variable. Defaults give a working
development set-up on SQLite with no services at all.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from yingji.core.env import (
    ConfigurationError,
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_rates,
    env_str,
    secret_key,
    vapid_keys,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("YINGJI_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

MODE = env_str("YINGJI_MODE", "development")
if MODE not in {"development", "production"}:
    raise ConfigurationError(f"YINGJI_MODE must be development or production, got {MODE!r}")
PRODUCTION = MODE == "production"
TESTING = "pytest" in sys.modules or env_bool("YINGJI_TESTING", False)

SECRET_KEY = secret_key(DATA_DIR, production=PRODUCTION)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The capability apps, in dependency order. Their api.py routers and urls.py are
# discovered from this list (see yingji/urls.py and yingji/api.py).
YINGJI_APPS = [
    "yingji.core",
    "yingji.audit",
    "yingji.jurisdictions",
    "yingji.accounts",
    "yingji.messaging",
    "yingji.workflows",
    "yingji.resources",
    "yingji.hazards",
    "yingji.coverage",
    "yingji.supplies",
    "yingji.incidents",
    "yingji.iot",
    "yingji.warnings",
    "yingji.duty",
    "yingji.plans",
    "yingji.drills",
    "yingji.training",
    "yingji.publicity",
    "yingji.assessments",
    "yingji.dashboard",
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    *YINGJI_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yingji.core.csp.ContentSecurityPolicyMiddleware",
    "yingji.core.http.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A password an administrator set is changed before anything else (accounts/middleware.py).
    "yingji.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yingji.audit.middleware.AuditContextMiddleware",
    # Axes goes last so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yingji.urls"
WSGI_APPLICATION = "yingji.wsgi.application"
ASGI_APPLICATION = "yingji.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yingji" / "templates"],
        "OPTIONS": {
            # Script tags written in templates get the request's CSP nonce (core/csp.py).
            # (template_partials' own loader outermost, as it would set up by itself.)
            "loaders": [("template_partials.loader.Loader", [("django.template.loaders.cached.Loader", [
                "yingji.core.csp.FilesystemLoader", "yingji.core.csp.AppDirectoriesLoader"])])],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "yingji.core.context_processors.platform",
                "yingji.core.csp.nonce",
                "yingji.accounts.context_processors.user_place",
            ],
        },
    },
]

_DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'yingji.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        # A server database keeps its connections a minute (a new PostgreSQL connection costs
        # milliseconds, more than a whole intake query); checked before reuse after an outage.
        # (Not in tests: their server threads would keep connections to a test database being dropped.)
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if TESTING or _DATABASE_URL.startswith("sqlite") else 60),
        conn_health_checks=True,
    )
}
# Statements of the hot paths are prepared on the PostgreSQL server (core/prepared.py); set false
# behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
YINGJI_DB_PREPARED = env_bool("YINGJI_DB_PREPARED", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web process write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3") if env_bool("YINGJI_TEST_FILE_DB", False) else None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing cost is not what the tests are about; the production default stays.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env_int("YINGJI_LOGIN_FAILURE_LIMIT", 5)
YINGJI_LOGIN_COOLOFF_MINUTES = env_int("YINGJI_LOGIN_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = YINGJI_LOGIN_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yingji.accounts.views.locked_out"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
# HTTPS in production unless YINGJI_HTTPS=false (an intranet without certificates): secure
# cookies, a redirect from http (not for /healthz, which load balancers call over http), HSTS.
YINGJI_HTTPS = PRODUCTION and env_bool("YINGJI_HTTPS", True)
SESSION_COOKIE_SECURE = YINGJI_HTTPS
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("YINGJI_SSL_REDIRECT", YINGJI_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("YINGJI_HSTS_SECONDS", 31_536_000 if YINGJI_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("YINGJI_HSTS_SUBDOMAINS", YINGJI_HTTPS)
SECURE_HSTS_PRELOAD = False  # an intranet's names are not for a browser's public preload list
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # ... which is all that check asks for
# Behind the TLS-terminating reverse proxy the platform is deployed with, which says the scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("YINGJI_BEHIND_PROXY", YINGJI_HTTPS) else None
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "yingji" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from npm at set-up and are served by the app itself:
# the platform runs on intranets with no CDN.
STATICFILES_DIRS = [
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/leaflet-draw", NODE_MODULES / "leaflet-draw" / "dist"),
]
# Outside production, static files are served from the apps' folders by whitenoise even with
# DEBUG off (`make demo` runs without DEBUG, so errors show the friendly pages, not Django's).
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Uploaded files (photos) go through Django's storage API: the media folder by default, S3-compatible
# object storage (MinIO, OSS, COS, OBS…) when a bucket is named. Photos are served by the app after
# a scope check, never by a public bucket URL.
YINGJI_S3_BUCKET = env_str("YINGJI_S3_BUCKET", "")
if YINGJI_S3_BUCKET:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": YINGJI_S3_BUCKET,
        "endpoint_url": env_str("YINGJI_S3_ENDPOINT_URL", "") or None,
        "access_key": env_str("YINGJI_S3_ACCESS_KEY", "") or None,
        "secret_key": env_str("YINGJI_S3_SECRET_KEY", "") or None,
        "region_name": env_str("YINGJI_S3_REGION", "") or None,
        "location": env_str("YINGJI_S3_PREFIX", ""),
        "default_acl": None, "file_overwrite": False, "querystring_auth": True,
    }}
# Uploaded photos: bytes and pixels at most (core/uploads.py refuses more).
YINGJI_UPLOAD_MAX_BYTES = env_int("YINGJI_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
YINGJI_UPLOAD_MAX_PIXELS = env_int("YINGJI_UPLOAD_MAX_PIXELS", 40_000_000)

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Redis publish/subscribe: a broadcast is one PUBLISH per group, where the list-based layer
    # costs two round trips per group even when nobody listens (a third of an intake's CPU).
    # Live messages need no buffering: a console that reconnects reloads what it shows.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                  "CONFIG": {"hosts": [REDIS_URL]}}}
    # Degrades to "no cache" while Redis is down instead of failing the request (core/cache.py).
    CACHES = {"default": {"BACKEND": "yingji.core.cache.ForgivingRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else env_str("YINGJI_TASK_BACKEND", "django_tasks_db.DatabaseBackend")
    }
}

# Base map for every map page: "none" (offline, boundaries only), an XYZ tile URL
# template, or "tianditu" (needs YINGJI_TIANDITU_KEY). Chinese commercial tiles
# are in GCJ-02; say so with YINGJI_BASEMAP_CRS=gcj02 and points are shifted at
# the edge (the database keeps WGS-84).
YINGJI_BASEMAP = env_str("YINGJI_BASEMAP", "none")
YINGJI_BASEMAP_CRS = env_str("YINGJI_BASEMAP_CRS", "wgs84")
if YINGJI_BASEMAP_CRS not in {"wgs84", "gcj02"}:
    raise ConfigurationError(f"YINGJI_BASEMAP_CRS must be wgs84 or gcj02, got {YINGJI_BASEMAP_CRS!r}")
YINGJI_TIANDITU_KEY = env_str("YINGJI_TIANDITU_KEY", "")
YINGJI_BASEMAP_ATTRIBUTION = env_str("YINGJI_BASEMAP_ATTRIBUTION", "")

# Road network used by the travel-time engine (an .npz written by `yingji import-roads`).
YINGJI_ROAD_NETWORK = env_str("YINGJI_ROAD_NETWORK", str(DATA_DIR / "roads.npz"))
# The one snapping rule (yingji/routing/snap.py): a point joins its nearest road; the gap is
# crossed at the access speed; a point farther than the snap limit from every road is timed
# by the straight-line estimate, marked as such.
YINGJI_ROAD_ACCESS_KMH = env_int("YINGJI_ROAD_ACCESS_KMH", 10)
YINGJI_ROAD_SNAP_LIMIT_M = env_int("YINGJI_ROAD_SNAP_LIMIT_M", 500)
# An imported network is refused below this many junctions, or when it reaches less than
# this percentage of the district's area (the previous network stays in use).
YINGJI_ROADS_MIN_JUNCTIONS = env_int("YINGJI_ROADS_MIN_JUNCTIONS", 200)
YINGJI_ROADS_MIN_COVERAGE_PERCENT = env_int("YINGJI_ROADS_MIN_COVERAGE_PERCENT", 60)
if YINGJI_ROAD_ACCESS_KMH <= 0 or YINGJI_ROAD_SNAP_LIMIT_M < 0:
    raise ConfigurationError("YINGJI_ROAD_ACCESS_KMH must be positive and YINGJI_ROAD_SNAP_LIMIT_M not negative")

# Public (no-login) endpoints: requests per minute per client address.
YINGJI_PUBLIC_RATE_PER_MINUTE = env_int("YINGJI_PUBLIC_RATE_PER_MINUTE", 10)

# Seconds between two looks for due scheduled jobs (core/jobs.py: escalations, retries,
# deadlines), by `yingji tick` and by the runner that `yingji serve` starts in development and
# the demo; 0 keeps `serve` from running jobs.
YINGJI_TICK_SECONDS = env_int("YINGJI_TICK_SECONDS", 5)
if YINGJI_TICK_SECONDS < 0:
    raise ConfigurationError(f"YINGJI_TICK_SECONDS must be 0 or more, got {YINGJI_TICK_SECONDS}")
# Whether `yingji serve` also runs the task worker and the scheduled jobs in threads: yes in
# development and the demo (one process does everything); production runs `yingji worker` and
# `yingji tick` as their own processes (docs/deployment.md).
YINGJI_SERVE_BACKGROUND = env_bool("YINGJI_SERVE_BACKGROUND", not PRODUCTION)
# IoT alarms (docs/iot.md): the MQTT broker the listener (`yingji iot-listen`, and `yingji serve` in
# development when a broker answers) subscribes to, with a fixed client id for its persistent session.
YINGJI_MQTT_HOST = env_str("YINGJI_MQTT_HOST", "127.0.0.1")
YINGJI_MQTT_PORT = env_int("YINGJI_MQTT_PORT", 1883)
YINGJI_MQTT_USERNAME = env_str("YINGJI_MQTT_USERNAME", "")
YINGJI_MQTT_PASSWORD = env_str("YINGJI_MQTT_PASSWORD", "")
YINGJI_MQTT_CLIENT_ID = env_str("YINGJI_MQTT_CLIENT_ID", "yingji-iot-listener")
YINGJI_IOT_TOPIC_PREFIX = env_str("YINGJI_IOT_TOPIC_PREFIX", "yingji")
# Vendors' gateways sign HTTP ingestion for their own devices: "vendor=key,vendor=key" (docs/iot.md).
YINGJI_IOT_VENDOR_KEYS = env_list("YINGJI_IOT_VENDOR_KEYS", [])
# `yingji serve` runs the listener in a thread when a broker answers (development, `make demo`).
YINGJI_IOT_LISTEN_IN_SERVE = env_bool("YINGJI_IOT_LISTEN_IN_SERVE", not PRODUCTION and not TESTING)
# Seconds a called team has to acknowledge before the tick calls the next candidate.
YINGJI_DISPATCH_ACK_TIMEOUT_S = env_int("YINGJI_DISPATCH_ACK_TIMEOUT_S", 90)
# When escalation stops (docs/incidents.md, "Escalation"): once a team of the incident has reached
# this step (acknowledged, departed or on_scene); after initial handling always; after this many
# rounds (a replacement of a replacement is round 2) or teams called by escalation; and, unless
# YINGJI_ESCALATION_CROSS_STREET, before calling a team of another street (the officer decides).
YINGJI_ESCALATION_STOP_AT = env_str("YINGJI_ESCALATION_STOP_AT", "acknowledged")
if YINGJI_ESCALATION_STOP_AT not in {"acknowledged", "departed", "on_scene"}:
    raise ConfigurationError("YINGJI_ESCALATION_STOP_AT must be acknowledged, departed or on_scene, "
                             f"got {YINGJI_ESCALATION_STOP_AT!r}")
YINGJI_ESCALATION_MAX_ROUNDS = env_int("YINGJI_ESCALATION_MAX_ROUNDS", 2)
YINGJI_ESCALATION_MAX_TEAMS = env_int("YINGJI_ESCALATION_MAX_TEAMS", 4)
if YINGJI_ESCALATION_MAX_ROUNDS < 0 or YINGJI_ESCALATION_MAX_TEAMS < 0:
    raise ConfigurationError("YINGJI_ESCALATION_MAX_ROUNDS and YINGJI_ESCALATION_MAX_TEAMS must be 0 or more")
YINGJI_ESCALATION_CROSS_STREET = env_bool("YINGJI_ESCALATION_CROSS_STREET", False)
# Duty: minutes after an incident's call within which its street submits the first report (首报) to the
# level above; a draft still waiting then is escalated.
YINGJI_DUTY_FIRST_REPORT_MINUTES = env_int("YINGJI_DUTY_FIRST_REPORT_MINUTES", 30)
if YINGJI_DUTY_FIRST_REPORT_MINUTES < 1:
    raise ConfigurationError(f"YINGJI_DUTY_FIRST_REPORT_MINUTES must be 1 or more, got {YINGJI_DUTY_FIRST_REPORT_MINUTES}")
# Duty: how the officer on duty assigned to a new incident, and the officers told of an overdue first
# report, are reached besides the in-app inbox: push, sms (their phone in their account), email.
YINGJI_DUTY_ALERT_CHANNELS = env_list("YINGJI_DUTY_ALERT_CHANNELS", ["push"])
if set(YINGJI_DUTY_ALERT_CHANNELS) - {"in_app", "push", "sms", "email"}:
    raise ConfigurationError(f"YINGJI_DUTY_ALERT_CHANNELS lists channels among in_app,push,sms,email, "
                             f"got {YINGJI_DUTY_ALERT_CHANNELS!r}")
# Duty: the local time (HH:MM) after which the daily duty message (who is on duty today) goes to the
# robot groups subscribed to the duty topic; empty sends none.
YINGJI_DUTY_DAILY_MESSAGE_AT = env_str("YINGJI_DUTY_DAILY_MESSAGE_AT", "08:00")
if YINGJI_DUTY_DAILY_MESSAGE_AT and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", YINGJI_DUTY_DAILY_MESSAGE_AT):
    raise ConfigurationError(f"YINGJI_DUTY_DAILY_MESSAGE_AT is a time HH:MM (e.g. 08:00) or empty, "
                             f"got {YINGJI_DUTY_DAILY_MESSAGE_AT!r}")
# How call-outs reach the members of a called team besides the in-app inbox and phone page:
# push (the installed phone app's notifications), sms (their phone in the registry), email.
YINGJI_CALLOUT_CHANNELS = env_list("YINGJI_CALLOUT_CHANNELS", ["push"])
if set(YINGJI_CALLOUT_CHANNELS) - {"in_app", "push", "sms", "email"}:
    raise ConfigurationError(f"YINGJI_CALLOUT_CHANNELS lists channels among in_app,push,sms,email, "
                             f"got {YINGJI_CALLOUT_CHANNELS!r}")

# Early warnings (docs/warnings.md): the CAP sender, which levels need approval before release,
# and the optional XML signature of released CAP messages (PEM files of a key and its certificate).
YINGJI_WARNING_SENDER = env_str("YINGJI_WARNING_SENDER", "yingji@localhost")
if not YINGJI_WARNING_SENDER or any(c in YINGJI_WARNING_SENDER for c in " ,<&"):
    raise ConfigurationError("YINGJI_WARNING_SENDER must be non-empty without spaces, commas, < or &")
YINGJI_WARNING_APPROVAL_LEVELS = env_list("YINGJI_WARNING_APPROVAL_LEVELS", ["orange", "red"])
if set(YINGJI_WARNING_APPROVAL_LEVELS) - {"blue", "yellow", "orange", "red"}:
    raise ConfigurationError("YINGJI_WARNING_APPROVAL_LEVELS lists levels among blue,yellow,orange,red, "
                             f"got {YINGJI_WARNING_APPROVAL_LEVELS!r}")
# Minutes a warning may wait for approval before the approvers (street, district) are told it is overdue.
YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES = env_int("YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES", 10)
# Requests a minute one address may make to the public warning pages and feeds (no login; 0: no limit).
YINGJI_WARNING_PUBLIC_RATE_PER_MINUTE = env_int("YINGJI_WARNING_PUBLIC_RATE_PER_MINUTE", 120)
if YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES < 1 or YINGJI_WARNING_PUBLIC_RATE_PER_MINUTE < 0:
    raise ConfigurationError("YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES must be at least 1 and "
                             "YINGJI_WARNING_PUBLIC_RATE_PER_MINUTE not negative")
YINGJI_CAP_SIGNING_KEY = env_str("YINGJI_CAP_SIGNING_KEY", "")
YINGJI_CAP_SIGNING_CERT = env_str("YINGJI_CAP_SIGNING_CERT", "")
YINGJI_CAP_SIGNING_KEY_PASSWORD = env_str("YINGJI_CAP_SIGNING_KEY_PASSWORD", "")
if bool(YINGJI_CAP_SIGNING_KEY) != bool(YINGJI_CAP_SIGNING_CERT):
    raise ConfigurationError("YINGJI_CAP_SIGNING_KEY and YINGJI_CAP_SIGNING_CERT are set together")

# Hazards: days to rectify by severity (major, general, minor), and hours between two escalations
# of a hazard still overdue (each goes one level up the jurisdiction tree).
YINGJI_HAZARD_DEADLINE_DAYS = {
    "major": env_int("YINGJI_HAZARD_DAYS_MAJOR", 3),
    "general": env_int("YINGJI_HAZARD_DAYS_GENERAL", 7),
    "minor": env_int("YINGJI_HAZARD_DAYS_MINOR", 15),
}
if min(YINGJI_HAZARD_DEADLINE_DAYS.values()) < 1:
    raise ConfigurationError(f"YINGJI_HAZARD_DAYS_* must be 1 or more, got {YINGJI_HAZARD_DEADLINE_DAYS}")
# Channels of hazard messages besides the in-app inbox (assignment, escalation, missed patrols).
YINGJI_HAZARD_CHANNELS = env_list("YINGJI_HAZARD_CHANNELS", ["push"])
if set(YINGJI_HAZARD_CHANNELS) - {"in_app", "push", "sms", "email"}:
    raise ConfigurationError(f"YINGJI_HAZARD_CHANNELS lists channels among in_app,push,sms,email, "
                             f"got {YINGJI_HAZARD_CHANNELS!r}")
YINGJI_HAZARD_ESCALATE_HOURS = env_int("YINGJI_HAZARD_ESCALATE_HOURS", 48)
if YINGJI_HAZARD_ESCALATE_HOURS < 1:
    raise ConfigurationError(f"YINGJI_HAZARD_ESCALATE_HOURS must be 1 or more, got {YINGJI_HAZARD_ESCALATE_HOURS}")

# Messaging (yingji/messaging, docs/configuration.md). Delivery: attempts before a delivery is given up
# ("dead", shown on the undelivered page), and the back-off between them (doubling from the base, capped).
YINGJI_MESSAGING_MAX_ATTEMPTS = env_int("YINGJI_MESSAGING_MAX_ATTEMPTS", 5)
YINGJI_MESSAGING_RETRY_BASE_S = env_int("YINGJI_MESSAGING_RETRY_BASE_S", 30)
YINGJI_MESSAGING_RETRY_CAP_S = env_int("YINGJI_MESSAGING_RETRY_CAP_S", 3600)
if YINGJI_MESSAGING_MAX_ATTEMPTS < 1 or YINGJI_MESSAGING_RETRY_BASE_S < 1 or \
        YINGJI_MESSAGING_RETRY_CAP_S < YINGJI_MESSAGING_RETRY_BASE_S:
    raise ConfigurationError("YINGJI_MESSAGING_MAX_ATTEMPTS and _RETRY_BASE_S must be at least 1, "
                             "_RETRY_CAP_S at least the base")
# Deliveries per minute and channel ("sms=600,email=600,robot=20"; a channel not named: no limit).
YINGJI_MESSAGING_RATE_PER_MINUTE = env_rates("YINGJI_MESSAGING_RATE_PER_MINUTE", "robot=20")
# Outbound HTTP (robots, webhooks, the SMS gateway, push services): networks that may be reached although
# they are private or local (CIDRs, e.g. the intranet SMS gateway's "10.20.0.0/16"); none by default.
YINGJI_OUTBOUND_ALLOWED_NETWORKS = env_networks("YINGJI_OUTBOUND_ALLOWED_NETWORKS", [])
YINGJI_OUTBOUND_TIMEOUT_S = env_int("YINGJI_OUTBOUND_TIMEOUT_S", 5)
# The SMS gateway: a generic HTTP POST of the body template, where $phone, $text and $key are replaced
# (JSON-escaped for a JSON body, URL-encoded for a form). Empty URL: no SMS channel.
YINGJI_SMS_GATEWAY_URL = env_str("YINGJI_SMS_GATEWAY_URL", "")
YINGJI_SMS_GATEWAY_KEY = env_str("YINGJI_SMS_GATEWAY_KEY", "")
YINGJI_SMS_GATEWAY_TEMPLATE = env_str("YINGJI_SMS_GATEWAY_TEMPLATE", '{"phone": "$phone", "text": "$text"}')
YINGJI_SMS_GATEWAY_CONTENT_TYPE = env_str("YINGJI_SMS_GATEWAY_CONTENT_TYPE", "json")
if YINGJI_SMS_GATEWAY_CONTENT_TYPE not in {"json", "form"}:
    raise ConfigurationError(f"YINGJI_SMS_GATEWAY_CONTENT_TYPE must be json or form, got {YINGJI_SMS_GATEWAY_CONTENT_TYPE!r}")
# Header carrying the key ("Authorization: Bearer $key" by default; empty: the key only where the template puts it).
YINGJI_SMS_GATEWAY_AUTH_HEADER = env_str("YINGJI_SMS_GATEWAY_AUTH_HEADER", "Authorization: Bearer $key")
# A field of the gateway's JSON answer that must have a value for success ("code=0"); empty: any 2xx.
YINGJI_SMS_GATEWAY_SUCCESS = env_str("YINGJI_SMS_GATEWAY_SUCCESS", "")
# Email through SMTP (Django's settings, read from the environment).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "yingji@localhost")
# Web Push (the installed phone app's notifications): the VAPID key pair and the contact the push
# services may write to. Without keys, development and the demo generate a pair in the data directory.
YINGJI_VAPID_PRIVATE_KEY, YINGJI_VAPID_PUBLIC_KEY = vapid_keys(DATA_DIR, production=PRODUCTION)
YINGJI_VAPID_SUBJECT = env_str("YINGJI_VAPID_SUBJECT", "mailto:admin@localhost")

# The largest request body read into memory (JSON, form fields; uploaded files are not counted):
# beyond it the API answers 413 in its error shape (yingji/api.py).
# Days an API token lives (0: until revoked); a password change revokes them all (accounts/models.py).
YINGJI_API_TOKEN_DAYS = env_int("YINGJI_API_TOKEN_DAYS", 90)
# Hours the answer to a write sent with an Idempotency-Key is kept for a retry (core/idempotency.py).
YINGJI_IDEMPOTENCY_HOURS = env_int("YINGJI_IDEMPOTENCY_HOURS", 24)

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("YINGJI_MAX_BODY_BYTES", 2_621_440)

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
}
