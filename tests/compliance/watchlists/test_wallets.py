"""Registered wallet addresses checked against the lists' digital-currency addresses."""

import json

import pytest

from compliance.audit import AuditAction
from compliance.models import AuditEvent, Case, CaseKind, WalletAddress
from compliance.screening import services
from compliance.screening.wallets import check_wallet, register_wallet
from compliance.screening.watchlists import import_watchlist
from cryptopulse.errors import ApplicationError
from tests.compliance.watchlists.helpers import import_wallet_list, write
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LISTED_ETH = "0x8576aCC5C05D6Ce88f4e49bf65BdF0C62F91353C"
LISTED_XBT = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
OTHER_XBT = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"


@pytest.fixture(autouse=True)
def _no_rescreen(monkeypatch):
    monkeypatch.setattr(services, "start_rescreen", lambda *, version: None, raising=False)


def _listed_events(user):
    return AuditEvent.objects.filter(action=AuditAction.WALLET_LISTED, stream=f"user:{user.pk}")


def test_a_clean_address_is_registered_and_audited_but_not_listed(tmp_path):
    # given
    import_wallet_list(tmp_path, [("ETH", LISTED_ETH)])
    user = UserFactory.create()
    # when
    wallet = register_wallet(user=user, chain="btc", address=f" {OTHER_XBT} ", label="cold")
    # then
    assert (wallet.chain, wallet.address, wallet.label, wallet.listed) == (
        "XBT",
        OTHER_XBT,
        "cold",
        False,
    )
    added = AuditEvent.objects.get(action=AuditAction.WALLET_ADDED)
    assert added.actor_user_id == user.pk
    assert added.data == {"chain": "XBT", "address": OTHER_XBT, "label": "cold", "source": "user"}
    assert not Case.objects.exists()


def test_a_listed_address_flags_the_wallet_and_opens_one_critical_case(tmp_path):
    # given
    version = import_wallet_list(tmp_path, [("ETH", LISTED_ETH)])
    user = UserFactory.create()
    # when: registered in another case (0x addresses are case-insensitive), twice
    wallet = register_wallet(user=user, chain="ETH", address=LISTED_ETH.upper().replace("0X", "0x"))
    again = register_wallet(user=user, chain="ETH", address=LISTED_ETH)
    check_wallet(wallet)
    # then
    assert again.pk == wallet.pk
    wallet.refresh_from_db()
    assert wallet.listed
    case = Case.objects.get()
    assert (case.user, case.kind, case.severity) == (user, CaseKind.WALLET, "critical")
    assert "pep p1: Listed Person" in case.title
    event = _listed_events(user).get()
    assert event.actor_kind == "system"
    assert event.data["entries"] == [
        {"source": "pep", "entity_ref": "p1", "name": "Listed Person", "chain": "ETH"}
    ]
    assert AuditEvent.objects.filter(action=AuditAction.WALLET_ADDED).count() == 1
    assert version.entries == 1


def test_one_evm_key_is_matched_across_its_chains(tmp_path):
    # given: the list names the address as USDT (an ERC-20 token address)
    import_wallet_list(tmp_path, [("USDT", LISTED_ETH)])
    user = UserFactory.create()
    # when: the user registers it as an Ethereum address
    wallet = register_wallet(user=user, chain="ETH", address=LISTED_ETH)
    # then
    assert wallet.listed


def test_a_base58_address_is_matched_exactly_and_only_on_its_chain(tmp_path):
    # given
    import_wallet_list(tmp_path, [("LTC", "LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb")])
    user = UserFactory.create()
    # when: the same characters in another case, and on another chain
    other_case = register_wallet(
        user=user, chain="LTC", address="LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfB"
    )
    # then
    assert not other_case.listed
    assert not Case.objects.exists()


def test_an_address_removed_from_the_list_no_longer_matches(tmp_path):
    # given: the list names the address, then a new version drops it
    import_wallet_list(tmp_path, [("XBT", LISTED_XBT)])
    write(
        tmp_path / "peps.jsonl",
        json.dumps({"id": "p2", "schema": "Person", "properties": {"name": ["Other"]}}),
    )
    import_watchlist(source="pep", paths=[tmp_path / "peps.jsonl"])
    # when
    wallet = register_wallet(user=UserFactory.create(), chain="XBT", address=LISTED_XBT)
    # then
    assert not wallet.listed


def test_wallets_registered_before_a_list_adds_their_address_are_rechecked(tmp_path):
    # given: two users' wallets, one of which a later list version names
    alice, bob = UserFactory.create(), UserFactory.create()
    listed = register_wallet(user=alice, chain="XBT", address=LISTED_XBT)
    clean = register_wallet(user=bob, chain="XBT", address=OTHER_XBT)
    # when
    version = import_wallet_list(tmp_path, [("BTC", LISTED_XBT)])
    # then
    listed.refresh_from_db()
    clean.refresh_from_db()
    assert listed.listed
    assert not clean.listed
    assert version.report["wallet_hits"] == 1
    assert Case.objects.get().user == alice
    # and re-importing the same list changes nothing more
    import_wallet_list(tmp_path, [("BTC", LISTED_XBT)])
    assert _listed_events(alice).count() == 1
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("chain", "address", "field", "code", "_case"),
    [
        ("DOGGO", LISTED_XBT, "chain", "unsupported_chain", "unknown chain"),
        ("ETH", LISTED_XBT, "address", "invalid_address", "a bitcoin address on ethereum"),
        ("XBT", "1BvB", "address", "invalid_address", "too short"),
        ("XBT", "", "address", "invalid_address", "empty"),
    ],
)
def test_bad_chains_and_addresses_are_refused_naming_the_field(chain, address, field, code, _case):
    with pytest.raises(ApplicationError) as error:
        register_wallet(user=UserFactory.create(), chain=chain, address=address)
    assert (error.value.field, error.value.code) == (field, code)
    assert not WalletAddress.objects.exists()


def test_a_venue_reported_wallet_is_recorded_as_the_systems_act():
    # when
    wallet = register_wallet(
        user=UserFactory.create(),
        chain="TRX",
        address="TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre",
        source="venue",
    )
    # then
    assert wallet.source == "venue"
    assert AuditEvent.objects.get(action=AuditAction.WALLET_ADDED).actor_kind == "system"
    with pytest.raises(ApplicationError):
        register_wallet(
            user=UserFactory.create(),
            chain="TRX",
            address="TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre",
            source="moon",
        )
