"""Deposit addresses an exchange reports for a user, fetched through the real ccxt client from
the loopback exchange (its `sapi/v1/capital/deposit/address`) and checked against the lists."""

import pytest

from compliance.audit import AuditAction
from compliance.models import AuditEvent, Case, CaseKind, WalletAddress
from compliance.screening import services
from compliance.screening.tasks import check_all_venue_wallets_task
from compliance.screening.venue_wallets import check_venue_wallets
from tests.compliance.helpers import wait_for
from tests.compliance.watchlists.helpers import import_wallet_list
from tests.factories.bots import crossover_bot
from trading.models import ExchangeConnection
from trading.services.connections import add_connection, check_connection

LISTED_XBT = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
DEPOSIT_PATH = "/sapi/v1/capital/deposit/address"


@pytest.fixture(autouse=True)
def _no_rescreen(monkeypatch):
    monkeypatch.setattr(services, "start_rescreen", lambda *, version: None, raising=False)


@pytest.fixture
def listed(tmp_path, db):
    return import_wallet_list(tmp_path, [("XBT", LISTED_XBT)])


def _connection(
    user, simulator, *, balances, deposit_addresses=None, secret=None, valid=True, label="sim"
):
    keys = simulator.accounts.create(balances=balances)
    keys.deposit_addresses.update(deposit_addresses or {})
    connection = add_connection(
        user=user,
        exchange="simulated",
        label=label,
        api_key=keys.api_key,
        secret=secret or keys.secret,
    )
    if valid:
        ExchangeConnection.objects.filter(pk=connection.pk).update(status="valid")
        connection.refresh_from_db()
    return connection, keys


def _venue_wallets(user):
    return WalletAddress.objects.filter(user=user, source="venue").order_by("pk")


@pytest.mark.django_db
def test_a_listed_deposit_address_the_venue_reports_flags_the_wallet_and_opens_a_case(
    listed, user, simulator
):
    # given: the venue holds BTC for the user at a listed address, and SOL besides
    connection, keys = _connection(
        user, simulator, balances={"USDT": "100", "SOL": "3"}, deposit_addresses={"BTC": LISTED_XBT}
    )
    # when
    result = check_venue_wallets(connection=connection)
    # then: the configured assets (BTC, ETH, USDT) and the held one (SOL), once each
    assert [(w.chain, w.address) for w in result.wallets] == [
        ("XBT", LISTED_XBT),
        ("ETH", keys.deposit_address("ETH")),
        ("USDT", keys.deposit_address("USDT")),
        ("SOL", keys.deposit_address("SOL")),
    ]
    assert result.skipped == {}
    assert [w.chain for w in result.listed] == ["XBT"]
    assert {w.label for w in _venue_wallets(user)} == {"simulated deposit (sim)"}
    case = Case.objects.get(user=user)
    assert (case.kind, case.severity) == (CaseKind.WALLET, "critical")
    assert LISTED_XBT in case.title
    added = AuditEvent.objects.filter(action=AuditAction.WALLET_ADDED, stream=f"user:{user.pk}")
    assert added.count() == 4
    assert {(e.actor_user_id, e.data["source"]) for e in added} == {(None, "venue")}
    assert AuditEvent.objects.filter(action=AuditAction.WALLET_LISTED).count() == 1


@pytest.mark.django_db
def test_a_second_check_adds_nothing(listed, user, simulator):
    connection, _ = _connection(
        user, simulator, balances={"USDT": "100"}, deposit_addresses={"BTC": LISTED_XBT}
    )
    check_venue_wallets(connection=connection)
    events = AuditEvent.objects.count()
    # when
    again = check_venue_wallets(connection=connection)
    # then
    assert len(again.wallets) == 3
    assert _venue_wallets(user).count() == 3
    assert AuditEvent.objects.count() == events
    assert Case.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_clean_addresses_are_registered_without_a_case(listed, user, simulator):
    connection, _ = _connection(user, simulator, balances={"USDT": "100"})
    result = check_venue_wallets(connection=connection)
    assert [w.chain for w in result.wallets] == ["XBT", "ETH", "USDT"]
    assert result.listed == []
    assert not Case.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_an_asset_the_venue_has_no_address_for_is_skipped_and_the_rest_checked(
    listed, user, simulator
):
    # given: DOGE is a list chain but not a simulator coin; EUR is no list chain at all
    connection, _ = _connection(
        user,
        simulator,
        balances={"DOGE": "10", "EUR": "5"},
        deposit_addresses={"BTC": LISTED_XBT},
    )
    asked = simulator.requests.count(DEPOSIT_PATH)
    # when
    result = check_venue_wallets(connection=connection)
    # then: EUR is never asked for; DOGE is, but the venue has no such currency (ccxt says so
    # from its markets without a request), and that is kept as the reason
    assert simulator.requests.count(DEPOSIT_PATH) - asked == 3
    assert list(result.skipped) == ["DOGE"]
    assert "DOGE" in result.skipped["DOGE"]
    assert [w.chain for w in result.wallets] == ["XBT", "ETH", "USDT"]
    assert [w.chain for w in result.listed] == ["XBT"]


@pytest.mark.django_db
def test_a_refused_key_checks_nothing(listed, user, simulator):
    connection, _ = _connection(
        user, simulator, balances={"BTC": "1"}, deposit_addresses={"BTC": LISTED_XBT}, secret="x"
    )
    asked = simulator.requests.count(DEPOSIT_PATH)
    result = check_venue_wallets(connection=connection)
    assert result.wallets == []
    assert result.skipped["*"].startswith("balances:")
    assert simulator.requests.count(DEPOSIT_PATH) == asked
    assert not WalletAddress.objects.exists()


def test_the_settings_list_the_assets_asked_for(settings):
    from compliance.screening.venue_wallets import _assets

    settings.VENUE_WALLET_ASSETS = ["btc", " ETH ", ""]
    assert _assets(["USDT", "EUR", "BTC", "XRP"]) == ["BTC", "ETH", "USDT", "XRP"]


# --- the hooks, through the real worker --------------------------------------------------------
@pytest.fixture
def checks_on(settings):
    settings.VENUE_WALLET_CHECKS = True  # off in the suite's settings (see settings_test)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_connection_that_passes_its_check_has_its_deposit_addresses_checked(
    celery_worker_process, checks_on, listed, user, simulator
):
    connection, _ = _connection(
        user,
        simulator,
        balances={"USDT": "100"},
        deposit_addresses={"BTC": LISTED_XBT},
        valid=False,
    )
    # when
    check_connection(user=user, connection_id=connection.pk)
    # then: the worker fetched the addresses and flagged the listed one
    wait_for(Case.objects.filter(user=user, kind=CaseKind.WALLET))
    assert _venue_wallets(user).filter(listed=True).get().address == LISTED_XBT


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_bot_started_on_a_connection_has_its_venue_checked(
    celery_worker_process, checks_on, listed, user, simulated_markets
):
    connection, _ = _connection(
        user, simulated_markets, balances={"USDT": "1000"}, deposit_addresses={"BTC": LISTED_XBT}
    )
    # when
    crossover_bot(connection)
    # then
    wait_for(Case.objects.filter(user=user, kind=CaseKind.WALLET))
    assert _venue_wallets(user).filter(listed=True).count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_daily_pass_checks_every_working_connection(
    celery_worker_process, checks_on, listed, user, other_user, simulator
):
    _connection(user, simulator, balances={"USDT": "1"}, deposit_addresses={"BTC": LISTED_XBT})
    _connection(other_user, simulator, balances={"USDT": "1"})
    _connection(other_user, simulator, balances={"USDT": "1"}, valid=False, label="new")
    # when
    assert check_all_venue_wallets_task() == {"queued": 2}  # the untested one is left out
    # then
    wait_for(Case.objects.filter(user=user, kind=CaseKind.WALLET))
    wait_for(_venue_wallets(other_user).filter(chain="USDT"))
    assert not Case.objects.filter(user=other_user).exists()
