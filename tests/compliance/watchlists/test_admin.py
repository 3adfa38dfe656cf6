"""The watchlist admin for officers: versions with reports, entries, wallets; all read-only."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import Role, sync_roles
from compliance.models import WalletAddress, WatchlistEntry, WatchlistVersion
from compliance.screening import services
from compliance.screening.wallets import register_wallet
from compliance.screening.watchlists import import_watchlist
from tests.compliance.helpers import login_with_second_factor
from tests.compliance.watchlists.helpers import ofac_csv, write
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WALLET = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"


@pytest.fixture
def officer(client):
    sync_roles()
    user = UserFactory.create(is_staff=True)
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    return login_with_second_factor(client, user)


@pytest.fixture
def listed(tmp_path, monkeypatch) -> WatchlistEntry:
    monkeypatch.setattr(services, "start_rescreen", lambda *, version: None, raising=False)
    remarks = f"DOB circa 1960; a.k.a. 'THE BANKER'; Digital Currency Address - XBT {WALLET}"
    rows = [
        ["10", "DOE, John", "individual", "SDGT", "", "", "", "", "", "", "", remarks],
        ["11", "ACME TRADING LLC", "", "IRAN", "", "", "", "", "", "", "", ""],
        ["12", "BAD ENTRY", "", "", "", "", "", "", "", "", "", ""],
    ]
    sdn = write(tmp_path / "sdn.csv", ofac_csv(rows))
    alt = write(
        tmp_path / "alt.csv",
        ofac_csv([["10", "1", "aka", "DOE, Johnny", ""], ["99", "2", "aka", "ORPHAN", ""]]),
    )
    add = write(tmp_path / "add.csv", ofac_csv([["10", "1", "", "Tehran", "Iran", ""]]))
    import_watchlist(source="ofac_sdn", paths=[sdn, alt, add])
    return WatchlistEntry.objects.get(entity_ref="10")


def test_officers_read_a_version_with_its_import_report(officer, listed):
    version = WatchlistVersion.objects.get()
    listing = officer.get(reverse("admin:compliance_watchlistversion_changelist"))
    detail = officer.get(reverse("admin:compliance_watchlistversion_change", args=[version.pk]))
    assert listing.status_code == 200
    assert version.version.encode() in listing.content
    assert detail.status_code == 200
    assert b"orphan_alias" in detail.content  # the report's skipped rows
    assert b"ent_num 99 is not in sdn.csv" in detail.content
    assert b'name="_save"' not in detail.content


@pytest.mark.parametrize(
    ("query", "found", "_case"),
    [
        ("q=DOE%2C+Johnny", ["10"], "a strong alias"),
        ("q=the+banker", ["10"], "a weak alias, any case"),
        ("q=11", ["11"], "the entity_ref, exactly"),
        (f"q={WALLET}", ["10"], "a listed wallet address"),
        ("kind__exact=entity", ["11", "12"], "filtered by kind"),
        ("source__exact=un", [], "filtered by source"),
    ],
)
def test_officers_search_and_filter_entries(officer, listed, query, found, _case):
    response = officer.get(reverse("admin:compliance_watchlistentry_changelist") + "?" + query)
    assert response.status_code == 200
    shown = sorted(entry.entity_ref for entry in response.context["cl"].result_list)
    assert shown == found


def test_an_entry_shows_aliases_with_strength_dates_countries_and_wallets(officer, listed):
    response = officer.get(reverse("admin:compliance_watchlistentry_change", args=[listed.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "DOE, Johnny (strong, aka)" in page
    assert "THE BANKER (weak, aka)" in page
    assert "1959-1961 (circa 1960)" in page
    assert "IR" in page
    assert "Tehran, Iran" in page
    assert WALLET in page
    assert 'name="_save"' not in page


def test_officers_see_which_wallets_are_listed_and_why(officer, listed):
    # given
    user = UserFactory.create(email="trader@example.com")
    wallet = register_wallet(user=user, chain="XBT", address=WALLET)
    register_wallet(user=user, chain="XBT", address="3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")
    # when
    listing = officer.get(reverse("admin:compliance_walletaddress_changelist") + "?listed__exact=1")
    detail = officer.get(reverse("admin:compliance_walletaddress_change", args=[wallet.pk]))
    # then
    assert [w.pk for w in listing.context["cl"].result_list] == [wallet.pk]
    assert "ofac_sdn 10: DOE, John (XBT)" in detail.content.decode()
    assert (
        officer.post(reverse("admin:compliance_walletaddress_change", args=[wallet.pk])).status_code
        == 403
    )


def test_traders_cannot_open_the_watchlist_admin(client, listed):
    client.force_login(UserFactory.create())
    for name in ("watchlistentry", "watchlistversion", "walletaddress"):
        response = client.get(reverse(f"admin:compliance_{name}_changelist"))
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert WalletAddress.objects.count() == 0
