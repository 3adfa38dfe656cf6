"""KYC settings: per-level limits and review periods from the environment, checked strictly."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cryptopulse import settings as settings_module

BASE_DIR = Path(__file__).resolve().parents[3]


def test_the_defaults_are_the_documented_limits():
    assert settings_module.KYC_LIMITS_USD[1] == {"daily": Decimal(10000), "monthly": Decimal(50000)}
    assert settings_module.KYC_LIMITS_USD[3]["monthly"] == Decimal(5000000)
    assert settings_module.KYC_REVIEW_DAYS == {1: 730, 2: 730, 3: 365}


def test_a_level_map_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("KYC_TEST_MAP", " 1=5/50, 2=6/60 ,3=7/70")
    assert settings_module._per_level("KYC_TEST_MAP", "") == {
        1: ["5", "50"],
        2: ["6", "60"],
        3: ["7", "70"],
    }


@pytest.mark.parametrize(
    ("text", "_case"),
    [
        ("1=5/50,2=6/60", "a level missing"),
        ("1=5/50,2=6/60,3=7/70,4=8/80", "a level too many"),
        ("one=5/50,2=6/60,3=7/70", "not a level"),
        ("1=,2=6/60,3=7/70", "no value"),
    ],
)
def test_a_bad_level_map_stops_the_start(monkeypatch, text, _case):
    monkeypatch.setenv("KYC_TEST_MAP", text)
    with pytest.raises(ImproperlyConfigured):
        settings_module._per_level("KYC_TEST_MAP", "")


@pytest.mark.parametrize("text", ["ten", "-1", "NaN"])
def test_a_limit_must_be_an_amount(text):
    with pytest.raises(ImproperlyConfigured):
        settings_module._usd("KYC_LIMITS_USD", text)


def test_the_environment_overrides_the_limits_in_a_fresh_process():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["KYC_LIMITS_USD"] = "1=100/1000,2=200/2000,3=300/3000"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cryptopulse import settings; print(settings.KYC_LIMITS_USD[2]['monthly'])",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2000"
