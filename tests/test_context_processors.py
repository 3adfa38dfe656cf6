import pytest
from django.test import RequestFactory

from cryptopulse.context_processors import PENDING_SECTIONS, site, websocket_base_url


@pytest.mark.parametrize(
    ("host", "secure", "expected", "_case"),
    [
        ("127.0.0.1:8000", False, "ws://127.0.0.1:8001", "dev host with port"),
        ("localhost", False, "ws://localhost:8001", "no port"),
        ("[::1]:8000", True, "wss://[::1]:8001", "ipv6 over tls"),
    ],
)
def test_the_websocket_url_defaults_to_this_host_on_ws_port(
    settings, host, secure, expected, _case
):
    settings.WS_PUBLIC_URL = ""
    settings.WS_PORT = 8001
    settings.ALLOWED_HOSTS = ["*"]
    request = RequestFactory().get("/", HTTP_HOST=host, secure=secure)
    assert websocket_base_url(request) == expected


def test_ws_public_url_wins_when_set(settings):
    settings.WS_PUBLIC_URL = "wss://stream.cryptopulse.example/"
    request = RequestFactory().get("/")
    context = site(request)
    assert context["ws_base_url"] == "wss://stream.cryptopulse.example"
    assert context["deployment_mode"] == "test"


def test_paper_trading_bots_and_backtests_are_no_longer_pending_sections(settings):
    names = [section.name for section in PENDING_SECTIONS]
    assert "Paper trading" not in names
    assert "Bots" not in names
    assert "Backtests" not in names
    assert names == ["Compliance"]
