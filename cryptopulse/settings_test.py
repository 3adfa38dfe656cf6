"""Test settings: the real engines, with Redis databases and key prefixes of their own.

Tests never share Redis keys with a `make run` on the same engines: the broker, cache and
channel layer use databases 9-11 and a test prefix.
"""

from cryptopulse.settings import *  # noqa: F403
from cryptopulse.settings import CACHES, CHANNEL_LAYERS, DATABASES, REDIS_URL, env, redis_db_url

CRYPTOPULSE_ENV = "test"
DEBUG = False

# Fast hashing: the suite creates many users; hashing strength is tested where it matters.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A worker started by the tests works on the test database that pytest-django created.
_worker_database = env.str("CRYPTOPULSE_TEST_DATABASE_NAME", default="")
if _worker_database:
    DATABASES["default"]["NAME"] = _worker_database
# Threads of the live server must not keep connections that block dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0

REDIS_BROKER_DB, REDIS_CACHE_DB, REDIS_CHANNELS_DB = 9, 10, 11
CACHES = {
    "default": {
        **CACHES["default"],
        "LOCATION": redis_db_url(REDIS_URL, REDIS_CACHE_DB),
        "KEY_PREFIX": "cp-test",
    }
}
CHANNEL_LAYERS = {
    "default": {
        **CHANNEL_LAYERS["default"],
        "CONFIG": {
            **CHANNEL_LAYERS["default"]["CONFIG"],
            "hosts": [{"address": redis_db_url(REDIS_URL, REDIS_CHANNELS_DB)}],
            "prefix": "cp-test:ws",
        },
    }
}
CELERY_BROKER_URL = redis_db_url(REDIS_URL, REDIS_BROKER_DB)
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
WORKER_HEARTBEAT_KEY = "cp-test:workers:heartbeat"
BEAT_HEARTBEAT_KEY = "cp-test:beat:last_run"
WORKER_HEARTBEAT_INTERVAL_S = 1

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test worker outlives database flushes (see cryptopulse/celery.py).
WORKER_CLEARS_CONTENT_TYPE_CACHE = True

# Uploaded documents go to a directory of the test run, never next to development data.
import tempfile as _tempfile  # noqa: E402

PRIVATE_MEDIA_ROOT = Path(_tempfile.mkdtemp(prefix="cp-test-private-"))  # noqa: F405
STORAGES = {
    **STORAGES,
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
}

# Screening: every process (the test worker too) looks at the list stamp on each use, so a
# test's freshly listed entries are seen at once (tests/compliance/screening).
SCREENING_INDEX_CHECK_SECONDS = 0

# Connection checks and bot starts queue a deposit-address check for the worker. The suite's
# worker lives for the session, so a check queued by an unrelated test would run against that
# test's rows while they are flushed; the tests of the check turn it on
# (tests/compliance/watchlists/test_venue_wallets.py).
VENUE_WALLET_CHECKS = False
