"""CryptoPulse settings: one module, read from the environment.

Every variable is documented in `.env.example`. `CRYPTOPULSE_ENV` chooses the mode:
`development` (default; DEBUG on, embedded engines when no URLs are given), `test`, or
`production` (secure cookies, HSTS, SSL redirect, strict hosts, secrets required).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.smart_cast = False
# A local .env (see .env.example) fills in what the real environment leaves unset.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Mode --------------------------------------------------------------------------------------
CRYPTOPULSE_ENV = env.str("CRYPTOPULSE_ENV", default="development")
if CRYPTOPULSE_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"CRYPTOPULSE_ENV must be development, test or production, not {CRYPTOPULSE_ENV!r}"
    )
PRODUCTION = CRYPTOPULSE_ENV == "production"
DEBUG = env.bool("DJANGO_DEBUG", default=CRYPTOPULSE_ENV == "development")


def _dev_secret_key() -> str:
    """A random key kept under .run/, so sessions survive restarts without a committed secret."""
    path = BASE_DIR / ".run" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _dev_secret_key()
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies in front of gunicorn that append to X-Forwarded-For (deploy/: 1).
# 0 trusts no header and uses the socket's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Engines: PostgreSQL and Redis -------------------------------------------------------------
# Without DATABASE_URL / REDIS_URL the embedded engines under .run/ are used (and started).
DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")
if PRODUCTION and not (DATABASE_URL and REDIS_URL):
    raise ImproperlyConfigured("Production needs DATABASE_URL and REDIS_URL.")
if not (DATABASE_URL and REDIS_URL):
    from cryptopulse.embedded import ensure_engines

    _engines = ensure_engines()
    DATABASE_URL = DATABASE_URL or _engines.database_url
    REDIS_URL = REDIS_URL or _engines.redis_url


def _database(url: str) -> dict[str, object]:
    config: dict[str, object] = dict(environ.Env.db_url_config(url))
    options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
    if "host" in options:  # Unix-socket URLs carry the socket directory as ?host=
        config["HOST"] = options.pop("host")
    config["OPTIONS"] = options
    # Persistent connections suit gunicorn's sync workers; health checks drop dead ones.
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


def redis_db_url(url: str, db: int) -> str:
    """The same Redis server with another logical database number."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_BROKER_DB = env.int("REDIS_BROKER_DB", default=0)
REDIS_CACHE_DB = env.int("REDIS_CACHE_DB", default=1)
REDIS_CHANNELS_DB = env.int("REDIS_CHANNELS_DB", default=2)

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_db_url(REDIS_URL, REDIS_CACHE_DB),
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cp"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
}

# --- Applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "cryptopulse.admin.CryptoPulseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "allauth",
    "allauth.account",
    "allauth.usersessions",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_celery_beat",
    "channels",
    "accounts",
    "compliance",
    "trading",
    "papertrading",
    "monitoring",
]

MIDDLEWARE = [
    "monitoring.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out request into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cryptopulse.urls"
WSGI_APPLICATION = "cryptopulse.wsgi.application"
ASGI_APPLICATION = "cryptopulse.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account+IP is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sessions live in PostgreSQL and are read through the Redis cache.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

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
                "cryptopulse.context_processors.site",
            ],
        },
    }
]

# --- Passwords (https://docs.djangoproject.com/en/5.2/topics/auth/passwords/) ---------------
# Argon2id first, with OWASP's cost (19 MiB, 2 passes, 1 lane); older hashes upgrade on login.
ARGON2_TIME_COST = env.int("ARGON2_TIME_COST", default=2)
ARGON2_MEMORY_COST_KIB = env.int("ARGON2_MEMORY_COST_KIB", default=19 * 1024)
ARGON2_PARALLELISM = env.int("ARGON2_PARALLELISM", default=1)
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Browser accounts: django-allauth (https://docs.allauth.org/en/latest/account/configuration.html)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_OPEN = env.bool("ACCOUNT_SIGNUP_OPEN", default=True)
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Adds the optional full name (screened against the sanctions lists; docs/screening.md).
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_UNIQUE_EMAIL = True
# Nobody signs in (or trades) before proving the address.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CryptoPulse] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Failed logins are limited by django-axes (lockout per account + IP) for browser and API alike;
# allauth's own counter would answer differently for the same thing.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
USERSESSIONS_TRACK_ACTIVITY = False

# --- Two-factor authentication: django-otp ---------------------------------------------------
OTP_TOTP_ISSUER = "CryptoPulse"
OTP_BACKUP_CODE_COUNT = 10

# --- Lockout: django-axes (https://django-axes.readthedocs.io/en/latest/4_configuration.html) --
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout ends 15 minutes after it began, as the message says; tries meanwhile do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from_credentials"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip_for_axes"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False

# --- REST API: DRF, simplejwt, drf-spectacular -----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "accounts.api.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.api.permissions.ApiKeyScopeAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "auth": env.str("THROTTLE_AUTH", default="20/min"),
        "public": env.str("THROTTLE_PUBLIC", default="600/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT if TRUSTED_PROXY_COUNT else None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cryptopulse.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
    # A password change revokes every token issued before it.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}
# How long an `Idempotency-Key` and its stored answer are kept (cryptopulse/api/idempotency.py);
# after that the key is new again. Stripe and the IETF draft use 24 hours.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "CryptoPulse API",
    "DESCRIPTION": "Versioned REST API of CryptoPulse. Errors are {code, message, fields?}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Orders' side and type appear in many components; one name each.
    "ENUM_NAME_OVERRIDES": {
        "OrderSideEnum": "trading.exchanges.base.OrderSide",
        "OrderTypeEnum": "trading.exchanges.base.OrderType",
        "OrderStatusEnum": "trading.models.OrderStatus",
        "BotStatusEnum": "trading.models.BotStatus",
        "BacktestStatusEnum": "trading.models.BacktestStatus",
        "ConnectionStatusEnum": "trading.models.ConnectionStatus",
    },
}

# --- Exchanges and market data ---------------------------------------------------------------
# "simulated": the loopback Binance-compatible exchange (trading/exchanges/simulator) that
# `make run` starts, with a deterministic random walk; "binance": Binance's public API.
MARKET_DATA_SOURCE = env.str("MARKET_DATA_SOURCE", default="simulated")
# Send an exchange's API to another base URL (a proxy or gateway), e.g. binance=https://...;
# comma-separated exchange=url pairs. Empty: each exchange's own addresses.
EXCHANGE_API_URLS: dict[str, str] = env.dict("EXCHANGE_API_URLS", default={})
if MARKET_DATA_SOURCE not in {"simulated", "binance"}:
    raise ImproperlyConfigured("MARKET_DATA_SOURCE must be simulated or binance.")
SIM_EXCHANGE_HOST = env.str("SIM_EXCHANGE_HOST", default="127.0.0.1")
SIM_EXCHANGE_PORT = env.int("SIM_EXCHANGE_PORT", default=8010)
SIM_EXCHANGE_URL = env.str(
    "SIM_EXCHANGE_URL", default=f"http://{SIM_EXCHANGE_HOST}:{SIM_EXCHANGE_PORT}"
)
# Exchanges ccxt does not know: their REST base URLs (the sandbox ones where they have one).
WAZIRX_BASE_URL = env.str("WAZIRX_BASE_URL", default="https://api.wazirx.com")
COINDCX_BASE_URL = env.str("COINDCX_BASE_URL", default="https://api.coindcx.com")
COINDCX_PUBLIC_URL = env.str("COINDCX_PUBLIC_URL", default="https://public.coindcx.com")
VENUE_TIMEOUT_S = env.float("VENUE_TIMEOUT_S", default=10.0)


def _dev_field_keys() -> list[str]:
    """A Fernet key kept under .run/ for development, like the dev secret key."""
    from cryptography.fernet import Fernet

    path = BASE_DIR / ".run" / "field_encryption_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return [path.read_text().strip()]


# Fernet keys for exchange secrets at rest, comma-separated, newest first (it encrypts).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("Production needs FIELD_ENCRYPTION_KEYS.")
    FIELD_ENCRYPTION_KEYS = _dev_field_keys()
VENUE_MAX_RETRIES = env.int("VENUE_MAX_RETRIES", default=5)

# --- Paper trading -----------------------------------------------------------------------------
PAPER_STARTING_BALANCE = env.str("PAPER_STARTING_BALANCE", default="10000")
PAPER_BASE_CURRENCY = env.str("PAPER_BASE_CURRENCY", default="USDT")
# How old an order book a paper market order may fill against (seconds, shared cache).
PAPER_BOOK_MAX_AGE_S = env.int("PAPER_BOOK_MAX_AGE_S", default=1)

# --- Risk: platform caps on every order and bot entry (docs/risk.md, trading/risk.py) -------
# Users and bots may only tighten them.
RISK_MAX_TRADE_RISK_PCT = env.float("RISK_MAX_TRADE_RISK_PCT", default=2.0)
RISK_MAX_DAILY_LOSS_PCT = env.float("RISK_MAX_DAILY_LOSS_PCT", default=5.0)
RISK_MAX_DRAWDOWN_PCT = env.float("RISK_MAX_DRAWDOWN_PCT", default=10.0)
RISK_MAX_OPEN_TRADES = env.int("RISK_MAX_OPEN_TRADES", default=5)
RISK_MAX_TRADES_PER_DAY = env.int("RISK_MAX_TRADES_PER_DAY", default=50)
RISK_MIN_CONFIDENCE = env.float("RISK_MIN_CONFIDENCE", default=75.0)
RISK_MAX_POSITION_PCT = env.float("RISK_MAX_POSITION_PCT", default=50.0)
# Protections: wait this many candles after an exit; pause entries after this many stop-losses
# in 24 hours.
RISK_COOLDOWN_CANDLES = env.int("RISK_COOLDOWN_CANDLES", default=0)
RISK_MAX_STOPLOSSES_PER_DAY = env.int("RISK_MAX_STOPLOSSES_PER_DAY", default=3)
# The most leverage an order may take, for margin markets later: spot orders take none (1).
RISK_MAX_LEVERAGE = env.str("RISK_MAX_LEVERAGE", default="10")
# The circuit breaker (trading/circuit.py): this many venue failures in a row pause orders on
# that exchange connection for this many minutes.
RISK_BREAKER_FAILURES = env.int("RISK_BREAKER_FAILURES", default=3)
RISK_BREAKER_MINUTES = env.int("RISK_BREAKER_MINUTES", default=60)

# --- Compliance: KYC (docs/kyc.md) -------------------------------------------------------------


def _per_level(name: str, default: str) -> dict[int, list[str]]:
    """`1=a/b,2=c/d,3=e/f` -> {1: ["a", "b"], ...}: one entry for each KYC level 1-3."""
    parsed: dict[int, list[str]] = {}
    for item in env.str(name, default=default).split(","):
        level, _, values = item.strip().partition("=")
        if not level.strip().isdigit() or not values:
            raise ImproperlyConfigured(f"{name}: {item!r} is not level=value")
        parsed[int(level)] = [value.strip() for value in values.split("/")]
    if sorted(parsed) != [1, 2, 3]:
        raise ImproperlyConfigured(f"{name} needs levels 1, 2 and 3.")
    return parsed


def _usd(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}: {text!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise ImproperlyConfigured(f"{name}: {text!r} is not an amount")
    return value


# Live trading limits per level in USD, "level=daily/monthly" (a UTC day, a calendar month);
# level 0 (a verified email only) trades paper and testnet, never live.
KYC_LIMITS_USD: dict[int, dict[str, Decimal]] = {
    level: {"daily": _usd("KYC_LIMITS_USD", daily), "monthly": _usd("KYC_LIMITS_USD", monthly)}
    for level, (daily, monthly) in _per_level(
        "KYC_LIMITS_USD", "1=10000/50000,2=100000/500000,3=1000000/5000000"
    ).items()
}
# How long an approval stands before the user must be reviewed again, in days per level (the
# ID document's own expiry ends a level 1 approval sooner).
KYC_REVIEW_DAYS: dict[int, int] = {
    level: int(days[0])
    for level, days in _per_level("KYC_REVIEW_DAYS", "1=730,2=730,3=365").items()
}
# The user is told this many days before an approval lapses (once).
KYC_EXPIRY_NOTICE_DAYS = env.int("KYC_EXPIRY_NOTICE_DAYS", default=30)
# The largest document a user may upload (10 MiB).
KYC_MAX_DOCUMENT_BYTES = env.int("KYC_MAX_DOCUMENT_BYTES", default=10 * 1024 * 1024)

# --- Compliance: transaction monitoring and cases (docs/monitoring-rules.md, docs/cases.md) --
# ISO 3166-1 alpha-2 codes whose KYC nationals/residents count as high-risk (a rule and +25
# risk points). Default: FATF's "call for action" list (DPRK, Iran, Myanmar); add the FATF
# grey list or your regulator's list here, comma-separated.
HIGH_RISK_COUNTRIES: list[str] = [
    code.strip().upper()
    for code in env.list("HIGH_RISK_COUNTRIES", default=["KP", "IR", "MM"])
    if code.strip()
]
# The hourly monitoring pass looks at users with fills in this many hours (over an hour, so
# runs overlap and a late fill is still seen; alerts are deduplicated).
MONITORING_LOOKBACK_HOURS = env.int("MONITORING_LOOKBACK_HOURS", default=2)
# How long an open case may wait for a decision, in hours per severity, before it breaches
# its SLA (shown in the case queue and on the officer dashboard).
CASE_SLA_HOURS: dict[str, int] = {
    "critical": env.int("CASE_SLA_HOURS_CRITICAL", default=4),
    "high": env.int("CASE_SLA_HOURS_HIGH", default=24),
    "medium": env.int("CASE_SLA_HOURS_MEDIUM", default=72),
    "low": env.int("CASE_SLA_HOURS_LOW", default=168),
}

# --- Compliance: screening (docs/screening.md) -------------------------------------------------
# A user scoring at least this (0-100) against a listed entry gets a ScreeningMatch and a case;
# chosen with benchmarks/screening_eval.py (recall vs false positives, docs/screening.md).
SCREENING_THRESHOLD = env.float("SCREENING_THRESHOLD", default=80.0)
# Each worker's in-memory index compares its build stamp (list versions + last entry change,
# cached in Redis for SCREENING_STAMP_SECONDS) at most this often, and rebuilds on a change.
SCREENING_INDEX_CHECK_SECONDS = env.float("SCREENING_INDEX_CHECK_SECONDS", default=5.0)
SCREENING_STAMP_SECONDS = env.int("SCREENING_STAMP_SECONDS", default=5)
# Users per rescreen task (compliance.rescreen_chunk, queue "screening").
SCREENING_RESCREEN_CHUNK = env.int("SCREENING_RESCREEN_CHUNK", default=500)
# Assets whose deposit address is asked of each exchange connection (besides every asset the
# account holds) and checked against the listed addresses (compliance.screening.venue_wallets).
# Asked when a connection passes its check, when a bot starts on it, and daily.
VENUE_WALLET_CHECKS = env.bool("VENUE_WALLET_CHECKS", default=True)
VENUE_WALLET_ASSETS: list[str] = env.list("VENUE_WALLET_ASSETS", default=["BTC", "ETH", "USDT"])

# --- Compliance: watchlist downloads (docs/watchlists.md) ------------------------------------
# Off by default: lists are imported with `manage.py import_watchlist`. When on, beat runs
# `compliance.download_watchlists` this often (after `manage.py sync_periodic_tasks`); it
# fetches each source's URLs (space- or comma-separated in the env) into a temporary
# directory and imports them. A source without URLs is left alone (PEP has none by default).
_OFAC_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports"
WATCHLIST_DOWNLOADS: dict[str, Any] = {
    "enabled": env.bool("WATCHLIST_DOWNLOADS_ENABLED", default=False),
    "every_seconds": env.int("WATCHLIST_DOWNLOADS_EVERY_S", default=6 * 3600),
    "timeout_seconds": env.int("WATCHLIST_DOWNLOAD_TIMEOUT_S", default=120),
    "max_bytes": env.int("WATCHLIST_DOWNLOAD_MAX_BYTES", default=200 * 1024 * 1024),
    "urls": {
        source: env.str(f"WATCHLIST_URLS_{source.upper()}", default=" ".join(urls))
        .replace(",", " ")
        .split()
        for source, urls in {
            "ofac_sdn": [
                f"{_OFAC_EXPORTS}/{name}"
                for name in ("SDN.CSV", "ALT.CSV", "ADD.CSV", "SDN_COMMENTS.CSV")
            ],
            "ofac_cons": [
                f"{_OFAC_EXPORTS}/{name}"
                for name in ("CONS_PRIM.CSV", "CONS_ALT.CSV", "CONS_ADD.CSV", "CONS_COMMENTS.CSV")
            ],
            "un": ["https://scsanctions.un.org/resources/xml/en/consolidated.xml"],
            "eu": [
                "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/"
                "content?token=dG9rZW4tMjAxNw"
            ],
            "uk": ["https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv"],
            "pep": [],
        }.items()
    },
}

# --- Static files (WhiteNoise serves them from gunicorn) ---------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# KYC documents and case attachments: outside any public path, served only by checked views.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".run" / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Outside production WhiteNoise serves from the finders; an empty root keeps it quiet.
    STATIC_ROOT.mkdir(exist_ok=True)

# --- Websockets --------------------------------------------------------------------------------
# Pages connect to WS_PUBLIC_URL; empty means "this host, port WS_PORT" (the dev layout).
WS_PUBLIC_URL = env.str("WS_PUBLIC_URL", default="")
WS_PORT = env.int("WS_PORT", default=8001)
CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": redis_db_url(REDIS_URL, REDIS_CHANNELS_DB)}],
            "prefix": env.str("CHANNELS_PREFIX", default="cp:ws"),
            "capacity": 1000,
            "expiry": 30,
        },
    }
}

# --- Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html) ------------------
CELERY_BROKER_URL = redis_db_url(REDIS_URL, REDIS_BROKER_DB)
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "trading.tick_bot": {"queue": "bots"},
    "trading.run_due_bots": {"queue": "bots"},
    "trading.run_backtest": {"queue": "bots"},
    "trading.replay_bot": {"queue": "bots"},
    "compliance.screen_*": {"queue": "screening"},
    "compliance.rescreen_*": {"queue": "screening"},
    "*.generate_report*": {"queue": "reports"},
}
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Celery closes the DB connection around every task unless told to reuse it (DESIGN: ~3x).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# A worker writes a heartbeat this often; /readyz wants one younger than the max age.
WORKER_HEARTBEAT_INTERVAL_S = env.int("WORKER_HEARTBEAT_INTERVAL_S", default=10)
WORKER_HEARTBEAT_MAX_AGE_S = env.int("WORKER_HEARTBEAT_MAX_AGE_S", default=30)

# --- Demo data (development only) --------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="cryptopulse-demo")

# --- Email -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CryptoPulse <noreply@localhost>")

# --- Logging: JSON lines with the request id ---------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cryptopulse.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "cryptopulse.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
    },
}

# --- Security ----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    # TLS ends at the reverse proxy (deploy/), which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # /healthz and /readyz are probed over plain HTTP from inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Monitoring --------------------------------------------------------------------------------
WORKER_HEARTBEAT_KEY = "cp:workers:heartbeat"
BEAT_HEARTBEAT_KEY = "cp:beat:last_run"
