"""Importing candle files, on the real freqtrade files in ../shared/data/ohlcv."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from trading.candle_files import CandleFileError, meta_from_filename, read_candles
from trading.models import Candle
from trading.services.candles import import_candles

OHLCV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ohlcv"
needs_data = pytest.mark.skipif(
    not OHLCV.is_dir(), reason=f"the shared candle files are not at {OHLCV}"
)

# (file, symbol, timeframe, candles) as ../shared/data/ohlcv/README.md lists them
SHARED_FILES = [
    ("ETH_BTC-5m.json", "ETH/BTC", "5m", 5760),
    ("LTC_BTC-5m.json", "LTC/BTC", "5m", 5760),
    ("ADA_BTC-5m.json", "ADA/BTC", "5m", 5720),
    ("UNITTEST_BTC-1m.json", "UNITTEST/BTC", "1m", 13681),
    ("UNITTEST_BTC-30m.json", "UNITTEST/BTC", "30m", 1920),
    ("XRP_ETH-1m.json", "XRP/ETH", "1m", 3560),
    ("XRP_ETH-5m.json", "XRP/ETH", "5m", 712),
    ("XRP_USDT_USDT-1h-futures.json", "XRP/USDT:USDT", "1h", 100),
    ("XRP_USDT_USDT-5m-futures.json", "XRP/USDT:USDT", "5m", 1999),
]


@needs_data
@pytest.mark.django_db
@pytest.mark.parametrize(("name", "symbol", "timeframe", "count"), SHARED_FILES)
def test_every_shared_file_imports_with_the_readme_row_count(name, symbol, timeframe, count):
    # when
    result = import_candles(path=OHLCV / name, exchange="bittrex")
    # then
    assert (result.symbol, result.timeframe, result.read, result.inserted) == (
        symbol,
        timeframe,
        count,
        count,
    )
    stored = Candle.objects.filter(exchange="bittrex", symbol=symbol, timeframe=timeframe)
    assert stored.count() == count


@needs_data
@pytest.mark.django_db
def test_values_are_exact_decimals_from_the_file_text():
    import_candles(path=OHLCV / "ETH_BTC-5m.json", exchange="bittrex")
    first = Candle.objects.filter(symbol="ETH/BTC").order_by("open_time").first()
    assert first is not None
    # the file's first row: [1515560100000, 0.0984, 0.0994766, 0.09828605, 0.0994766, 1820.54447418]
    assert first.open_time.isoformat() == "2018-01-10T04:55:00+00:00"
    assert (first.open, first.high, first.low, first.close, first.volume) == (
        Decimal("0.0984"),
        Decimal("0.0994766"),
        Decimal("0.09828605"),
        Decimal("0.0994766"),
        Decimal("1820.54447418"),
    )


@needs_data
@pytest.mark.django_db
def test_importing_twice_adds_nothing_the_second_time(capsys):
    call_command("import_candles", str(OHLCV / "XRP_ETH-5m.json"), "--exchange", "binance")
    call_command("import_candles", str(OHLCV / "XRP_ETH-5m.json"), "--exchange", "binance")
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("712 candles read, 712 new, 0 already stored")
    assert out[1].endswith("712 candles read, 0 new, 712 already stored")


@pytest.mark.django_db
def test_csv_with_header_and_iso_or_epoch_times(tmp_path):
    path = tmp_path / "btc.csv"
    path.write_text(
        "timestamp,open,high,low,close,volume\n"
        "2024-01-01T00:00:00Z,42000.1,42100,41900,42050.5,12.5\n"
        "1704067260000,42050.5,42060,42000,42010,3\n"
    )
    result = import_candles(path=path, exchange="binance", symbol="btc/usdt", timeframe="1m")
    assert (result.symbol, result.inserted) == ("BTC/USDT", 2)
    assert list(Candle.objects.values_list("close", flat=True)) == [
        Decimal("42050.5"),
        Decimal("42010"),
    ]


@pytest.mark.parametrize(
    ("content", "suffix", "message", "_case"),
    [
        ("{not json", ".json", "Not valid JSON", "broken json"),
        ('{"a": 1}', ".json", "Expected a JSON array", "wrong shape"),
        ("[]", ".json", "holds no candles", "empty"),
        ("[[1, 2, 3]]", ".json", "Row 1: expected 6 values", "short row"),
        ('[[1515560100000, "x", 1, 1, 1, 1]]', ".json", "Row 1: open 'x' is not a number", "text"),
        ("[[1515560100000, 1, 0.5, 0.4, 1, 1]]", ".json", "Row 1: high/low", "high below open"),
        ("[[1515560100000, 1, 1, 1, 1, -1]]", ".json", "cannot be negative", "negative volume"),
        (
            "[[1515560400000, 1, 1, 1, 1, 1], [1515560100000, 1, 1, 1, 1, 1]]",
            ".json",
            "Row 2: times must increase",
            "out of order",
        ),
        ("date,o,h,l,c,v\n2024-01-01T00:00:00,1,1,1,1,1\n", ".csv", "no time zone", "naive time"),
    ],
)
@pytest.mark.django_db
def test_a_bad_file_names_the_problem_and_imports_nothing(
    tmp_path, content, suffix, message, _case
):
    # given: a first good row, so a partial import would show
    path = tmp_path / f"ETH_BTC-5m{suffix}"
    path.write_text(content)
    # when / then
    with pytest.raises(CandleFileError, match=message):
        import_candles(path=path, exchange="binance")
    assert Candle.objects.count() == 0


@pytest.mark.django_db
def test_the_command_reports_a_bad_file_and_imports_nothing(tmp_path):
    path = tmp_path / "candles.json"
    path.write_text("[[1515560100000, 1, 1, 1, 1, 1]]")
    with pytest.raises(CommandError, match=r"does not name them\. Nothing was imported\."):
        call_command("import_candles", str(path), "--exchange", "binance")


def test_file_names_give_symbol_and_timeframe():
    assert meta_from_filename(Path("ADA_BTC-5m.json")).symbol == "ADA/BTC"
    futures = meta_from_filename(Path("XRP_USDT_USDT-1h-futures.json"))
    assert (futures.symbol, futures.timeframe) == ("XRP/USDT:USDT", "1h")
    assert meta_from_filename(Path("whatever.json")).symbol is None


def test_read_candles_of_an_unreadable_path(tmp_path):
    with pytest.raises(CandleFileError, match="Cannot read"):
        read_candles(tmp_path / "missing.json")
