"""manage.py import_watchlist: what it prints, and its exit code on a bad file."""

import io

import pytest
from django.core.management import call_command, execute_from_command_line

from compliance.models import WatchlistVersion
from compliance.screening import services
from tests.compliance.watchlists.helpers import SDN_FILES, needs_real_lists, real, write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rescreen(monkeypatch):
    monkeypatch.setattr(services, "start_rescreen", lambda *, version: None, raising=False)


def _run(*args: str) -> str:
    stdout = io.StringIO()
    call_command("import_watchlist", *args, stdout=stdout)
    return stdout.getvalue()


@needs_real_lists
def test_the_command_imports_the_real_sdn_files_in_any_order_and_prints_the_counts():
    # when
    output = _run("--source", "ofac_sdn", *map(str, real(*reversed(SDN_FILES))))
    again = _run("--source", "ofac_sdn", *map(str, real(*SDN_FILES)), "--version", "2024-05-03")
    # then
    assert "14965 entries, 14965 added, 0 removed, 0 changed, 3944 skipped" in output
    assert "skipped 2474 x orphan_address" in output
    assert "skipped 1468 x orphan_alias" in output
    assert "skipped 2 x orphan_comment" in output
    assert "ofac_sdn_comments.csv:1 17016: ent_num 17016 is not in ofac_sdn.csv" in output
    assert "ofac_sdn 2024-05-03: 14965 entries, 0 added, 0 removed, 0 changed" in again
    assert WatchlistVersion.objects.get(is_current=True).version == "2024-05-03"


def test_the_command_reports_countries_it_could_not_place_and_decoding(tmp_path):
    # given
    path = write(tmp_path / "peps.csv", b"id,name,nationality\np1,Caf\xe9 Owner,Freedonia\n")
    # when
    output = _run("--source", "pep", str(path))
    # then
    assert "pep sha256:" in output
    assert "1 entries, 1 added" in output
    assert "countries without a code: Freedonia (1)" in output
    assert "decoding peps.csv:2 not UTF-8: decoded as Windows-1252" in output


def test_an_unreadable_file_exits_non_zero_with_a_clear_message(tmp_path, capsys):
    # given
    missing = tmp_path / "sdn.csv"
    # when
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(
            ["manage.py", "import_watchlist", "--source", "ofac_sdn", str(missing)]
        )
    # then
    assert exit_info.value.code == 1
    stderr = capsys.readouterr().err
    assert f"CommandError: import failed: cannot read {missing}: no such file" in stderr


def test_a_file_in_another_format_exits_non_zero(tmp_path, capsys):
    path = write(tmp_path / "list.xml", "<nope/>")
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_watchlist", "--source", "un", str(path)])
    assert exit_info.value.code == 1
    assert "not a UN consolidated list" in capsys.readouterr().err


def test_an_unknown_source_is_refused_by_the_argument_parser(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_watchlist", "--source", "ofac", "x"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'ofac'" in capsys.readouterr().err
