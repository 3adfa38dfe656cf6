import numpy as np
import pandas as pd
import pytest
import talib

from tests.trading.strategies.ohlcv import real_candles
from trading.strategies.base import ExitRules
from trading.strategies.rsi_bb_tema import RsiBbTema


def _rule_by_hand(frame: pd.DataFrame, *, level: float, tema_side: str) -> list[bool]:
    """The rule recomputed row by row from the indicator columns, without the helpers."""
    rsi, tema, middle = frame["rsi"].tolist(), frame["tema"].tolist(), frame["bb_middle"].tolist()
    volume = frame["volume"].tolist()
    result = [False]
    for i in range(1, len(frame)):
        crossed = rsi[i - 1] <= level < rsi[i]
        if tema_side == "below_and_rising":
            guard = tema[i] <= middle[i] and tema[i] > tema[i - 1]
        else:
            guard = tema[i] > middle[i] and tema[i] < tema[i - 1]
        result.append(bool(crossed and guard and volume[i] > 0))
    return result


def test_exit_rules_warm_up_and_defaults_are_the_sample_strategys() -> None:
    # when
    strategy = RsiBbTema()

    # then
    assert strategy.exit_rules() == ExitRules(
        stoploss=-0.10, trailing_stop=False, minimal_roi={60: 0.01, 30: 0.02, 0: 0.04}
    )
    assert strategy.startup_candles == 200
    assert strategy.timeframe == "5m"
    assert strategy.values == {
        "entry_rsi": 30,
        "exit_rsi": 70,
        "rsi_period": 14,
        "tema_period": 9,
        "bb_period": 20,
    }


def test_indicators_are_rsi14_tema9_and_bollinger_20_2_on_the_typical_price() -> None:
    # given
    candles = real_candles("ETH_BTC-5m.json")
    close = candles["close"].to_numpy()
    typical = (candles["high"] + candles["low"] + candles["close"]) / 3

    # when
    frame = RsiBbTema().indicators(candles)

    # then
    np.testing.assert_array_equal(frame["rsi"], talib.RSI(close, timeperiod=14))
    np.testing.assert_array_equal(frame["tema"], talib.TEMA(close, timeperiod=9))
    middle = typical.rolling(20).mean()
    deviation = typical.rolling(20).std(ddof=0)
    np.testing.assert_allclose(frame["bb_middle"].iloc[19:], middle.iloc[19:], rtol=1e-9)
    np.testing.assert_allclose(
        frame["bb_upper"].iloc[19:], (middle + 2 * deviation).iloc[19:], rtol=1e-9
    )


@pytest.mark.parametrize(
    "file_name",
    [
        pytest.param("ETH_BTC-5m.json", id="eth_btc_case"),
        pytest.param("ADA_BTC-5m.json", id="ada_btc_case"),
        pytest.param("UNITTEST_BTC-1m.json", id="etc_btc_1m_case"),
    ],
)
def test_entry_and_exit_follow_the_rule_on_every_row(file_name: str) -> None:
    # given
    strategy = RsiBbTema()
    frame = strategy.indicators(real_candles(file_name))

    # when
    entry, exit_ = strategy.entry(frame), strategy.exit(frame)

    # then
    assert entry.tolist() == _rule_by_hand(frame, level=30, tema_side="below_and_rising")
    assert exit_.tolist() == _rule_by_hand(frame, level=70, tema_side="above_and_falling")
    assert entry.sum() > 0


def test_a_few_entry_rows_meet_each_condition_and_near_misses_do_not_enter() -> None:
    # given
    strategy = RsiBbTema()
    frame = strategy.indicators(real_candles("ETH_BTC-5m.json"))
    entry = strategy.entry(frame)
    rsi, tema, middle = frame["rsi"], frame["tema"], frame["bb_middle"]

    # then: every entry row, condition by condition
    rows = np.flatnonzero(entry.to_numpy())
    for i in rows[:5]:
        assert rsi.iloc[i - 1] <= 30 < rsi.iloc[i]
        assert tema.iloc[i] <= middle.iloc[i]
        assert tema.iloc[i] > tema.iloc[i - 1]
    # and RSI crosses where the TEMA guard fails give no signal (TEMA falling on an RSI
    # cross of 30, TEMA rising on a cross of 70; TEMA is never above the middle band when
    # RSI leaves oversold on these candles, so that guard is checked by the row-by-row test)
    crossed_30 = (rsi.shift(1) <= 30) & (rsi > 30)
    crossed_70 = (rsi.shift(1) <= 70) & (rsi > 70)
    entry_near_miss = crossed_30 & (tema <= tema.shift(1))
    exit_near_miss = crossed_70 & (tema >= tema.shift(1))
    assert entry_near_miss.sum() > 0
    assert exit_near_miss.sum() > 0
    assert not entry[entry_near_miss].any()
    assert not strategy.exit(frame)[exit_near_miss].any()


def test_zero_volume_candles_never_signal() -> None:
    # given: a file with zero-volume candles (minutes without trades)
    strategy = RsiBbTema()
    frame = strategy.indicators(real_candles("XRP_ETH-1m.json"))

    # when
    signals = strategy.entry(frame) | strategy.exit(frame)

    # then
    assert (frame["volume"] == 0).any()
    assert not signals[frame["volume"] == 0].any()
