"""Reading candle files: freqtrade-style JSON (`[[ms, o, h, l, c, v], ...]`) and CSV.

Numbers are read from the file's text straight into Decimal (JSON floats never pass through
float). Every row is checked before anything is stored, and a bad row is named by its
number, so a bad file imports nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path

from cryptopulse.errors import ApplicationError
from trading.exchanges.base import Candle
from trading.timeframes import TIMEFRAMES

# freqtrade names files <BASE>_<QUOTE>-<tf>.json, futures <BASE>_<QUOTE>_<SETTLE>-<tf>-futures.json
_FREQTRADE_NAME = re.compile(
    r"^(?P<base>[A-Z0-9]+)_(?P<quote>[A-Z0-9]+)(?:_(?P<settle>[A-Z0-9]+))?"
    r"-(?P<timeframe>\d+[mhdw])(?:-(?P<kind>futures))?$"
)
CSV_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")


class CandleFileError(ApplicationError):
    """The file cannot be imported; the message names the row and the problem."""


@dataclass(frozen=True)
class FileMeta:
    symbol: str | None
    timeframe: str | None


def meta_from_filename(path: Path) -> FileMeta:
    """Symbol and timeframe from a freqtrade-style file name, when it follows the rule."""
    match = _FREQTRADE_NAME.match(path.name.rsplit(".", 1)[0])
    if match is None:
        return FileMeta(symbol=None, timeframe=None)
    symbol = f"{match['base']}/{match['quote']}"
    if match["settle"]:
        symbol += f":{match['settle']}"
    timeframe = match["timeframe"] if match["timeframe"] in TIMEFRAMES else None
    return FileMeta(symbol=symbol, timeframe=timeframe)


def _decimal(value: object, row: int, column: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CandleFileError(
            "bad_row", f"Row {row}: {column} {value!r} is not a number."
        ) from None
    if not number.is_finite():
        raise CandleFileError("bad_row", f"Row {row}: {column} is not a finite number.")
    return number


def _time(value: object, row: int) -> datetime:
    text = str(value).strip()
    if re.fullmatch(r"\d{10,14}", text):
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CandleFileError(
            "bad_row", f"Row {row}: timestamp {value!r} is neither epoch ms nor ISO 8601."
        ) from None
    if moment.tzinfo is None:
        raise CandleFileError("bad_row", f"Row {row}: timestamp {value!r} has no time zone.")
    return moment.astimezone(UTC)


def _candle(values: list[object], row: int) -> Candle:
    if len(values) != 6:
        raise CandleFileError(
            "bad_row", f"Row {row}: expected 6 values (time, open, high, low, close, volume)."
        )
    open_, high, low, close, volume = (
        _decimal(value, row, column)
        for value, column in zip(values[1:], CSV_COLUMNS[1:], strict=True)
    )
    if min(open_, high, low, close, volume) < 0:
        raise CandleFileError("bad_row", f"Row {row}: prices and volume cannot be negative.")
    if high < max(open_, close) or low > min(open_, close):
        raise CandleFileError("bad_row", f"Row {row}: high/low do not contain open and close.")
    return Candle(_time(values[0], row), open_, high, low, close, volume)


def _rows_from_json(text: str) -> list[list[object]]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise CandleFileError("bad_file", f"Not valid JSON: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise CandleFileError("bad_file", "Expected a JSON array of [time, o, h, l, c, v] rows.")
    return data


def _rows_from_csv(text: str) -> list[list[object]]:
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = [
        list(row) for row in reader if row and any(cell.strip() for cell in row)
    ]
    if rows and [cell.strip().lower() for cell in rows[0]][:1] in (
        ["timestamp"],
        ["date"],
        ["time"],
    ):
        rows = rows[1:]
    return [list[object](row) for row in rows]


def read_candles(path: Path) -> list[Candle]:
    """All candles of the file, in time order; raises CandleFileError on the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CandleFileError("bad_file", f"Cannot read {path}: {exc}") from None
    rows = _rows_from_json(text) if path.suffix.lower() == ".json" else _rows_from_csv(text)
    if not rows:
        raise CandleFileError("empty_file", f"{path.name} holds no candles.")
    candles = [_candle(values, number) for number, values in enumerate(rows, start=1)]
    for number, (previous, current) in enumerate(pairwise(candles), start=2):
        if current.open_time <= previous.open_time:
            raise CandleFileError(
                "bad_row", f"Row {number}: times must increase ({current.open_time.isoformat()})."
            )
    return candles
