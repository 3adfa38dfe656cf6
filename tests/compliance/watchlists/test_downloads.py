"""The scheduled download: off by default, scheduled only when on, fetched from a local
HTTP server the test starts (never the internet)."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.test import override_settings

from compliance.models import WatchlistEntry, WatchlistVersion
from compliance.screening import services
from compliance.screening.watchlist_tasks import download_watchlists_task
from monitoring.periodic import watchlist_download_specs
from tests.compliance.watchlists.helpers import ofac_csv

pytestmark = pytest.mark.django_db

FILES = {
    "/exports/SDN.CSV": ofac_csv(
        [["7", "ROE, Jane", "individual", "SDGT", "", "", "", "", "", "", "", "DOB 1970"]]
    ),
    "/exports/ALT.CSV": ofac_csv([["7", "1", "aka", "ROE, Janet", ""]]),
    "/exports/ADD.CSV": ofac_csv([["7", "1", "", "Oslo", "Norway", ""]]),
    "/exports/SDN_COMMENTS.CSV": ofac_csv([]),
    "/un/consolidated.xml": b'<CONSOLIDATED_LIST dateGenerated="2026-03-01"><INDIVIDUALS>'
    b"<INDIVIDUAL><FIRST_NAME>AL</FIRST_NAME><REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER>"
    b"</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
}


class _Lists(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = FILES.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"not found")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Lists)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _no_rescreen(monkeypatch):
    monkeypatch.setattr(services, "start_rescreen", lambda *, version: None, raising=False)


def _config(server: str, **changes):
    urls = {
        "ofac_sdn": [f"{server}/exports/{n}" for n in ("SDN.CSV", "ALT.CSV", "ADD.CSV")]
        + [f"{server}/exports/SDN_COMMENTS.CSV"],
        "un": [f"{server}/un/consolidated.xml"],
        "eu": [f"{server}/eu/missing.xml"],
    }
    return {**settings.WATCHLIST_DOWNLOADS, "enabled": True, "urls": urls, **changes}


def test_downloads_are_off_and_unscheduled_by_default():
    assert settings.WATCHLIST_DOWNLOADS["enabled"] is False
    assert watchlist_download_specs() == ()
    assert download_watchlists_task.apply().get() == {"enabled": False, "results": []}
    assert not WatchlistVersion.objects.exists()


def test_when_enabled_beat_gets_the_download_at_the_configured_interval(server):
    with override_settings(WATCHLIST_DOWNLOADS=_config(server, every_seconds=3600)):
        (spec,) = watchlist_download_specs()
    assert (spec.task, spec.every_seconds, spec.queue) == (
        "compliance.download_watchlists",
        3600,
        "default",
    )


def test_the_task_downloads_and_imports_each_source_and_reports_failures(server):
    # when
    with override_settings(WATCHLIST_DOWNLOADS=_config(server)):
        result = download_watchlists_task.apply().get()
    # then
    by_source = {item["source"]: item for item in result["results"]}
    assert by_source["ofac_sdn"]["status"] == "imported"
    assert (by_source["ofac_sdn"]["entries"], by_source["ofac_sdn"]["added"]) == (1, 1)
    assert by_source["un"]["version"] == "2026-03-01"
    assert by_source["eu"] == {
        "source": "eu",
        "status": "failed",
        "error": f"{server}/eu/missing.xml: HTTP 404",
    }
    assert "uk" not in by_source  # no URLs configured for it here
    jane = WatchlistEntry.objects.get(source="ofac_sdn", entity_ref="7")
    assert jane.aliases == [{"name": "ROE, Janet", "strength": "strong", "type": "aka"}]
    assert jane.countries == ["NO"]


def test_running_the_download_twice_has_the_effect_of_once(server):
    with override_settings(WATCHLIST_DOWNLOADS=_config(server)):
        download_watchlists_task.apply().get()
        second = download_watchlists_task.apply().get()
    sdn = next(item for item in second["results"] if item["source"] == "ofac_sdn")
    assert (sdn["added"], sdn["removed"], sdn["changed"]) == (0, 0, 0)
    assert WatchlistEntry.objects.filter(source="ofac_sdn").count() == 1


@pytest.mark.parametrize(
    ("changes", "error", "_case"),
    [
        ({"max_bytes": 10}, "larger than 10 bytes", "too large"),
        ({"urls": {"un": ["file:///etc/passwd"]}}, "only http(s) URLs", "not http"),
        ({"urls": {"un": ["http://127.0.0.1:9/x.xml"]}}, "http://127.0.0.1:9/x.xml:", "no server"),
    ],
)
def test_a_download_that_cannot_be_made_fails_its_source_only(server, changes, error, _case):
    with override_settings(WATCHLIST_DOWNLOADS=_config(server, **changes)):
        result = download_watchlists_task.apply().get()
    failed = [item for item in result["results"] if item["status"] == "failed"]
    assert any(error in item["error"] for item in failed)
