import pytest

from trading.symbols import normalise_symbol


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BTC", "BTC/USDT"),
        ("btc", "BTC/USDT"),
        ("BTCUSDT", "BTC/USDT"),
        ("BTC-USDT", "BTC/USDT"),
        ("BTC/USDT", "BTC/USDT"),
        ("btc_usdt", "BTC/USDT"),
        ("ETHBTC", "ETH/BTC"),
        ("BTCINR", "BTC/INR"),
        ("SOLFDUSD", "SOL/FDUSD"),
    ],
)
def test_every_accepted_spelling_gives_the_unified_symbol(text, expected):
    assert normalise_symbol(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "BTC USDT", "BTC/USDT/X", "<script>"])
def test_nonsense_is_refused(text):
    with pytest.raises(ValueError, match="not a market symbol"):
        normalise_symbol(text)
