"""`registry.get_venue` / `market_data_venue`: which venue each exchange id and setting gives."""

import pytest

from trading.exchanges.base import Credentials
from trading.exchanges.ccxt_venue import CcxtVenue, rebased_api_urls
from trading.exchanges.errors import VenueUnavailable
from trading.exchanges.registry import get_venue, market_data_venue
from trading.exchanges.simulator import start_simulator


@pytest.fixture(scope="module")
def simulator():
    with start_simulator(port=0) as handle:
        yield handle


def test_simulated_is_binance_through_ccxt_at_the_configured_url(settings, simulator):
    # given
    settings.SIM_EXCHANGE_URL = simulator.url
    holder = simulator.accounts.create(balances={"USDT": "42"})
    # when
    venue = get_venue(exchange="simulated", credentials=Credentials(holder.api_key, holder.secret))
    # then
    assert isinstance(venue, CcxtVenue)
    assert (venue.exchange_id, venue.ccxt_id) == ("simulated", "binance")
    assert [(b.asset, str(b.free)) for b in venue.fetch_balance()] == [("USDT", "42")]
    assert "BTC/USDT" in venue.load_markets()


def test_every_ccxt_api_section_is_moved_onto_the_simulator():
    urls = rebased_api_urls("binance", "http://127.0.0.1:8010/")
    assert urls["public"] == urls["private"] == "http://127.0.0.1:8010/api/v3"
    assert urls["sapi"] == "http://127.0.0.1:8010/sapi/v1"
    assert urls["fapiPublic"] == "http://127.0.0.1:8010/fapi/v1"
    assert all(url.startswith("http://127.0.0.1:8010/") for url in urls.values())


@pytest.mark.parametrize(
    ("source", "exchange_id", "_case"),
    [("simulated", "simulated", "offline demo"), ("binance", "binance", "public Binance")],
)
def test_market_data_venue_follows_the_setting(settings, source, exchange_id, _case):
    settings.MARKET_DATA_SOURCE = source
    assert market_data_venue().exchange_id == exchange_id


def test_any_ccxt_exchange_id_is_a_ccxt_venue():
    venue = get_venue(exchange="kraken")
    assert isinstance(venue, CcxtVenue)
    assert venue.exchange_id == "kraken"


def test_binance_sandbox_is_the_testnet_which_has_no_key_restrictions_endpoint():
    # The testnet has no sapi, so permissions cannot be read: None, and no request is made.
    venue = get_venue(exchange="binance", credentials=Credentials("k", "s"), sandbox=True)
    assert venue.fetch_key_permissions() is None


@pytest.mark.parametrize(
    ("exchange", "sandbox", "message", "_case"),
    [
        ("nosuchexchange", False, "unknown exchange", "not ccxt, not ours"),
        ("wazirx", True, "no sandbox", "no WazirX testnet"),
        ("coindcx", True, "no sandbox", "no CoinDCX testnet"),
    ],
)
def test_unknown_exchanges_and_impossible_sandboxes_are_refused(exchange, sandbox, message, _case):
    with pytest.raises(ValueError, match=message):
        get_venue(exchange=exchange, sandbox=sandbox)


def test_retries_come_from_the_settings(settings, simulator):
    # given: two attempts allowed, two failures armed
    settings.SIM_EXCHANGE_URL = simulator.url
    settings.VENUE_MAX_RETRIES = 2
    venue = get_venue(exchange="simulated")
    venue.load_markets()
    simulator.faults.http_error("/api/v3/depth", times=2)
    # when / then
    with pytest.raises(VenueUnavailable):
        venue.fetch_order_book("BTC/USDT")
    assert simulator.requests.count("/api/v3/depth") == 2
