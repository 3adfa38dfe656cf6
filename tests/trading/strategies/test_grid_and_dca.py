import numpy as np
import pandas as pd

from tests.trading.strategies.ohlcv import real_candles
from trading.strategies.dca import Dca
from trading.strategies.grid import Grid
from trading.strategies.signals import evaluate


def _candles(close: list[float], *, start: str = "2024-01-01", freq: str = "5min") -> pd.DataFrame:
    prices = np.asarray(close, dtype=np.float64)
    return pd.DataFrame(
        {
            "open_time": pd.date_range(start, periods=len(prices), freq=freq, tz="UTC"),
            **dict.fromkeys(("open", "high", "low", "close"), prices),
            "volume": 1.0,
        }
    )


def test_grid_buys_when_the_close_falls_to_or_through_a_line() -> None:
    # given: 1 % lines at ..., 1.01 ** -2 = 0.9803, 1 / 1.01 = 0.9901, 1, 1.01, ...
    candles = _candles([1.005, 1.0, 0.995, 0.98, 1.02, 1.015])
    strategy = Grid(step_pct=1.0)

    # when
    frame = evaluate(strategy, candles)

    # then: at line 1 (1.0 exactly), then through 0.9901 and 0.9803 at once, then down to 1.0201
    assert frame["grid_line"].tolist() == [1.0, 0.0, 0.0, -2.0, 2.0, 2.0]
    assert frame["entry"].tolist() == [False, True, False, True, False, False]
    assert not frame["exit"].any()


def test_grid_sells_one_step_up_and_its_stoploss_can_be_off() -> None:
    # when
    rules = Grid(step_pct=2.5, stoploss_pct=0).exit_rules()

    # then
    assert rules.take_profit == 0.025
    assert rules.stoploss is None
    assert Grid().exit_rules().stoploss == -0.10


def test_dca_buys_on_the_first_candle_of_each_period_counted_from_the_epoch() -> None:
    # given: hourly candles from 05:00, a buy every 6 candles (00:00, 06:00, 12:00, 18:00 UTC)
    candles = _candles([1.0] * 30, start="2024-01-01 05:00", freq="h")
    later_start = candles.iloc[4:].reset_index(drop=True)
    strategy = Dca(interval_candles=6)

    # when
    buys = candles["open_time"][evaluate(strategy, candles)["entry"]]
    buys_later_start = later_start["open_time"][evaluate(strategy, later_start)["entry"]]

    # then: not the first candle (mid-period), and the same times whatever the first candle
    assert [time.strftime("%d %H:%M") for time in buys] == [
        "01 06:00",
        "01 12:00",
        "01 18:00",
        "02 00:00",
        "02 06:00",
    ]
    assert buys_later_start.tolist() == buys.tolist()[1:]


def test_dca_buys_once_a_day_on_real_5m_candles() -> None:
    # given
    candles = real_candles("ETH_BTC-5m.json")

    # when
    frame = evaluate(Dca(interval_candles=288), candles)  # 288 five-minute candles: a day

    # then: 2018-01-11 .. 2018-01-30, each at midnight UTC
    buys = candles["open_time"][frame["entry"]]
    assert len(buys) == 20
    assert (buys.dt.strftime("%H:%M") == "00:00").all()
    assert Dca().exit_rules().take_profit == 0.03
