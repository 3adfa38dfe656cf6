"""`manage.py backtest` on candle files and on stored Candle rows, with --json."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.trading.backtest.strategies import OHLCV, random_walk
from trading.models import Candle

STRATEGY = "tests.trading.backtest.strategies:SmaCross"
SETTINGS = ["--stake", "0.05", "--wallet", "1", "--max-open-trades", "3", "--fee", "0.001"]
TRADE_KEYS = {
    "pair",
    "open_time",
    "close_time",
    "open_rate",
    "close_rate",
    "exit_reason",
    "profit_pct",
}


def backtest(*args: str) -> str:
    out = io.StringIO()
    call_command("backtest", *args, stdout=out)
    return out.getvalue()


def write_json(path, frame):
    rows = [
        [int(t.value // 1_000_000), o, h, lo, c, v]
        for t, o, h, lo, c, v in frame.itertuples(index=False)
    ]
    path.write_text(json.dumps(rows))
    return path


def test_json_report_from_a_file(tmp_path):
    # given: a freqtrade-style file, named as freqtrade names them
    path = write_json(tmp_path / "TEST_USDT-5m.json", random_walk(1000))
    # when
    report = json.loads(
        backtest(
            "--strategy",
            STRATEGY,
            "--param",
            "fast=8",
            "--data",
            str(path),
            "--timeframe",
            "5m",
            *SETTINGS,
            "--json",
        )
    )
    # then
    summary = report["summary"]
    for key in ("total_trades", "profit_total_pct", "max_drawdown_pct", "candles", "elapsed_s"):
        assert key in summary
    assert summary["candles"] == 1000
    assert summary["pairs"] == ["TEST/USDT"]
    assert report["params"]["fast"] == 8
    assert summary["total_trades"] == len(report["trades"]) > 0
    assert set(report["trades"][0]) >= TRADE_KEYS
    assert report["assumptions"]


@pytest.mark.django_db
def test_json_report_from_stored_candles_matches_the_file_run(tmp_path):
    # given: the same candles in a file and as Candle rows
    frame = random_walk(600, seed=3)
    path = write_json(tmp_path / "TEST_USDT-5m.json", frame)
    Candle.objects.bulk_create(
        Candle(
            exchange="binance",
            symbol="TEST/USDT",
            timeframe="5m",
            open_time=t.to_pydatetime(),
            open=Decimal(repr(o)),
            high=Decimal(repr(h)),
            low=Decimal(repr(lo)),
            close=Decimal(repr(c)),
            volume=Decimal(repr(v)),
        )
        for t, o, h, lo, c, v in frame.itertuples(index=False)
    )
    # when
    stored = json.loads(
        backtest(
            "--strategy",
            STRATEGY,
            "--exchange",
            "binance",
            "--symbol",
            "TEST/USDT",
            "--timeframe",
            "5m",
            *SETTINGS,
            "--json",
        )
    )
    from_file = json.loads(
        backtest("--strategy", STRATEGY, "--data", str(path), *SETTINGS, "--json")
    )
    # then
    assert stored["summary"]["candles"] == 600
    assert stored["trades"] == from_file["trades"]
    assert stored["summary"]["total_trades"] > 0


@pytest.mark.django_db
def test_stored_candles_can_be_limited_to_a_range(tmp_path):
    # given
    frame = random_walk(300, seed=4)
    Candle.objects.bulk_create(
        Candle(
            exchange="binance",
            symbol="TEST/USDT",
            timeframe="5m",
            open_time=t.to_pydatetime(),
            open=Decimal(repr(o)),
            high=Decimal(repr(h)),
            low=Decimal(repr(lo)),
            close=Decimal(repr(c)),
            volume=Decimal(repr(v)),
        )
        for t, o, h, lo, c, v in frame.itertuples(index=False)
    )
    # when
    report = json.loads(
        backtest(
            "--strategy",
            STRATEGY,
            "--exchange",
            "binance",
            "--symbol",
            "test/usdt",
            "--timeframe",
            "5m",
            "--start",
            "2024-01-01T01:00",
            "--end",
            "2024-01-01T10:00:00Z",
            "--json",
        )
    )
    # then: 01:00 .. 10:00 inclusive, 5 minutes apart
    assert report["summary"]["candles"] == 9 * 12 + 1


@pytest.mark.django_db
def test_no_stored_candles_is_an_error():
    with pytest.raises(CommandError, match="No stored 5m candles for ETH/BTC"):
        backtest(
            "--strategy",
            STRATEGY,
            "--exchange",
            "binance",
            "--symbol",
            "ETH/BTC",
            "--timeframe",
            "5m",
        )


def test_real_files_with_the_cross_check_settings_and_a_registry_strategy(tmp_path):
    # given: the three files of the later freqtrade cross-check
    files = [OHLCV / f"{pair}-5m.json" for pair in ("ETH_BTC", "LTC_BTC", "ADA_BTC")]
    if not all(path.is_file() for path in files):
        pytest.skip(f"the shared candle files are not in {OHLCV}")
    csv_path = tmp_path / "trades.csv"
    # when
    report = json.loads(
        backtest(
            "--strategy",
            "rsi_bb_tema",
            "--data",
            *map(str, files),
            "--timeframe",
            "5m",
            *SETTINGS,
            "--freqtrade",
            "--json",
            "--csv",
            str(csv_path),
        )
    )
    # then: ADA's 40 missing candles are filled in, as freqtrade does
    assert report["summary"]["candles"] == 3 * 5760
    assert report["summary"]["pairs"] == ["ETH/BTC", "LTC/BTC", "ADA/BTC"]
    assert report["config"]["stop_gap_fill"] == "stop"
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("pair,open_time,close_time")
    assert len(lines) == report["summary"]["total_trades"] + 1


def test_text_report(tmp_path):
    # given
    path = write_json(tmp_path / "TEST_USDT-5m.json", random_walk(500))
    # when
    text = backtest("--strategy", STRATEGY, "--data", str(path))
    # then
    assert "TEST/USDT" in text
    assert "per exit reason" in text
    assert "max drawdown" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--strategy", "no.such.module:X"], "Cannot load strategy", id="module_case"),
        pytest.param(["--strategy", "trading.models:Candle"], "not a Strategy", id="class_case"),
        pytest.param(["--strategy", "no_such_strategy"], "Unknown strategy", id="name_case"),
        pytest.param(["--strategy", STRATEGY, "--param", "fast"], "key=value", id="param_case"),
        pytest.param(["--strategy", STRATEGY, "--param", "fast=1"], "fast", id="range_case"),
        pytest.param(
            ["--strategy", STRATEGY, "--timeframe", "1h"], "holds 5m candles", id="timeframe_case"
        ),
    ],
)
def test_bad_input_is_a_command_error(tmp_path, args, message):
    path = write_json(tmp_path / "TEST_USDT-5m.json", random_walk(100))
    with pytest.raises(CommandError, match=message):
        backtest(*args, "--data", str(path))


def test_exchange_needs_a_symbol():
    with pytest.raises(CommandError, match="needs --symbol"):
        backtest("--strategy", STRATEGY, "--exchange", "binance")


def test_csv_file_and_a_bad_file(tmp_path):
    # given: a CSV file of candles, and a file that is not JSON
    frame = random_walk(200)
    csv_path = tmp_path / "TEST_USDT-5m.csv"
    csv_path.write_text(
        "timestamp,open,high,low,close,volume\n"
        + "".join(
            f"{int(t.value // 1_000_000)},{o!r},{h!r},{lo!r},{c!r},{v!r}\n"
            for t, o, h, lo, c, v in frame.itertuples(index=False)
        )
    )
    bad = tmp_path / "BAD_USDT-5m.json"
    bad.write_text("not json")
    # when
    report = json.loads(backtest("--strategy", STRATEGY, "--data", str(csv_path), "--json"))
    # then
    assert report["summary"]["candles"] == 200
    with pytest.raises(CommandError, match=r"BAD_USDT-5m\.json"):
        backtest("--strategy", STRATEGY, "--data", str(bad))
