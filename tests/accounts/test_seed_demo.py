import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.roles import Role
from trading.models import Bot


@pytest.mark.django_db
def test_seed_demo_creates_trader_and_officer_with_roles(settings, capsys):
    # given
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    # when
    call_command("seed_demo")
    # then
    trader = User.objects.get(email="trader@example.com")
    officer = User.objects.get(email="officer@example.com")
    assert trader.check_password("demo-password-for-tests")
    assert list(trader.groups.values_list("name", flat=True)) == [Role.TRADER]
    assert list(officer.groups.values_list("name", flat=True)) == [Role.COMPLIANCE_OFFICER]
    assert officer.is_staff
    assert not trader.is_staff
    assert "trader@example.com" in capsys.readouterr().out
    (bot,) = Bot.objects.filter(user=trader)
    assert (bot.strategy, bot.status) == ("dca", "running")
    assert bot.paper_account is not None
    assert bot.paper_account.user == trader


@pytest.mark.django_db
def test_seed_demo_twice_keeps_one_user_each_and_applies_a_new_password(settings):
    settings.DEMO_PASSWORD = "first-demo-password"
    call_command("seed_demo")
    settings.DEMO_PASSWORD = "second-demo-password"
    call_command("seed_demo")
    assert User.objects.filter(email__in=["trader@example.com", "officer@example.com"]).count() == 2
    assert User.objects.get(email="trader@example.com").check_password("second-demo-password")


@pytest.mark.django_db
def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never created in production"):
        call_command("seed_demo")
    assert not User.objects.filter(email="trader@example.com").exists()


@pytest.mark.django_db
def test_seed_demo_connects_the_trader_to_the_simulators_demo_account(
    settings, monkeypatch, tmp_path
):
    from trading.models import ExchangeConnection
    from trading.services.connections import credentials_for

    monkeypatch.setenv("CRYPTOPULSE_RUN_DIR", str(tmp_path))
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("seed_demo")
    call_command("seed_demo")
    (connection,) = ExchangeConnection.objects.filter(user__email="trader@example.com")
    stored = (tmp_path / "simulator" / "demo-account.json").read_text()
    assert credentials_for(connection).api_key in stored
    # a new simulator account (fresh .run/) replaces the stale connection
    (tmp_path / "simulator" / "demo-account.json").unlink()
    call_command("seed_demo")
    (replaced,) = ExchangeConnection.objects.filter(user__email="trader@example.com")
    assert credentials_for(replaced).api_key != credentials_for(connection).api_key
