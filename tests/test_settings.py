"""Settings in each mode, checked in fresh processes (settings are read once per process)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from cryptopulse.settings import redis_db_url

BASE_DIR = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "CRYPTOPULSE_ENV"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_env() -> dict[str, str]:
    return {
        "CRYPTOPULSE_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "cryptopulse.example.com",
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_external_engines():
    env = _production_env()
    env["DATABASE_URL"] = ""
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "Production needs DATABASE_URL and REDIS_URL" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_field_encryption_keys():
    env = _production_env()
    env["FIELD_ENCRYPTION_KEYS"] = ""
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "Production needs FIELD_ENCRYPTION_KEYS" in result.stderr


def test_an_unknown_mode_is_refused():
    result = _manage("check", CRYPTOPULSE_ENV="staging")
    assert result.returncode != 0
    assert "CRYPTOPULSE_ENV must be development, test or production" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected", "_case"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/4", "plain"),
        ("redis://:pw@127.0.0.1:6380", "redis://:pw@127.0.0.1:6380/4", "password, no db"),
        ("rediss://h:6379/0?ssl_cert_reqs=none", "rediss://h:6379/4?ssl_cert_reqs=none", "tls"),
    ],
)
def test_redis_db_url_swaps_only_the_database(url, expected, _case):
    assert redis_db_url(url, 4) == expected
