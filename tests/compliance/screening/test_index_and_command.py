"""The per-process index follows the lists; `manage.py screen` answers one JSON line per
line, in the issue's format."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from compliance.screening import index as screening_index
from tests.compliance.screening.helpers import change, listed

pytestmark = pytest.mark.django_db


def test_the_index_is_rebuilt_when_the_lists_change(settings):
    settings.SCREENING_INDEX_CHECK_SECONDS = 0
    first = listed("KADYROV, Ramzan Akhmatovich")
    before = screening_index.get_index()
    assert before.by_id.keys() >= {first.pk}
    # unchanged lists: the same index
    assert screening_index.get_index() is before
    # a new entry: a new index with it
    second = listed("PRIGOZHIN, Yevgeniy Viktorovich")
    after = screening_index.get_index()
    assert after is not before
    assert {first.pk, second.pk} <= after.by_id.keys()
    # a changed entry (same version) is noticed too, through its update time
    change(second, name="PRIGOZHIN, Yevgeny")
    assert screening_index.get_index().entries[-1].name == "PRIGOZHIN, Yevgeny"


def test_the_stamp_is_cached_so_a_look_is_cheap(settings, django_assert_num_queries):
    settings.SCREENING_INDEX_CHECK_SECONDS = 0
    listed("KADYROV, Ramzan Akhmatovich")
    screening_index.get_index()
    with django_assert_num_queries(0):
        screening_index.get_index()
    # within SCREENING_INDEX_CHECK_SECONDS not even the cache is asked
    settings.SCREENING_INDEX_CHECK_SECONDS = 60
    cache.delete(screening_index.STAMP_KEY)
    with django_assert_num_queries(0):
        screening_index.get_index()


def run_screen(tmp_path, lines: list[str], *args: str) -> tuple[list[dict], str]:
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("screen", "--input", str(path), *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_screen_prints_one_result_per_query_best_match_first(tmp_path):
    listed("PUTIN, Vladimir Vladimirovich", ref="35096", dobs=["1952-10-07"], nationalities=["RU"])
    listed("PUTINA, Lyudmila Aleksandrovna", ref="35097", source="un")
    queries = [
        json.dumps({"name": "Vladimir Putin", "dob": "1952-10-07", "country": "RU"}),
        "",
        json.dumps({"name": "Jane Doe"}),
        json.dumps({"name": "Lyudmila Putina", "country": "Russian Federation"}),
    ]
    results, _ = run_screen(tmp_path, queries)
    assert results == [
        {
            "query": {"name": "Vladimir Putin", "dob": "1952-10-07", "country": "RU"},
            "decision": "match",
            "matches": [
                {
                    "source": "ofac_sdn",
                    "entity_ref": "35096",
                    "name": "PUTIN, Vladimir Vladimirovich",
                    "score": 100.0,
                }
            ],
        },
        {"query": {"name": "Jane Doe"}, "decision": "no_match", "matches": []},
        {
            "query": {"name": "Lyudmila Putina", "country": "Russian Federation"},
            "decision": "match",
            "matches": [
                {
                    "source": "un",
                    "entity_ref": "35097",
                    "name": "PUTINA, Lyudmila Aleksandrovna",
                    "score": results[2]["matches"][0]["score"],
                }
            ],
        },
    ]
    assert 82 <= results[2]["matches"][0]["score"] < 100


def test_screen_takes_a_threshold_and_lists_several_matches_best_first(tmp_path):
    listed("PUTIN, Vladimir Vladimirovich")
    listed("PUTIN, Vladimir")
    results, _ = run_screen(tmp_path, [json.dumps({"name": "Vladimir Putin"})], "--threshold", "50")
    scores = [m["score"] for m in results[0]["matches"]]
    assert len(scores) == 2
    assert scores == sorted(scores, reverse=True)


def test_screen_reports_bad_lines_and_fails_at_the_end(tmp_path):
    listed("PUTIN, Vladimir Vladimirovich")
    path = tmp_path / "queries.jsonl"
    path.write_text('not json\n{"dob": "1950"}\n{"name": "Vladimir Putin"}\n', encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 line"):
        call_command("screen", "--input", str(path), stdout=out, stderr=io.StringIO())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line.get("line") for line in lines] == [1, 2, None]
    assert lines[2]["decision"] == "match"


def test_screen_with_no_list_warns_and_matches_nothing(tmp_path):
    results, err = run_screen(tmp_path, [json.dumps({"name": "Vladimir Putin"})])
    assert results == [{"query": {"name": "Vladimir Putin"}, "decision": "no_match", "matches": []}]
    assert "no watchlist is imported" in err


def test_screen_needs_a_readable_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("screen", "--input", str(tmp_path / "missing.jsonl"))


def test_a_large_index_is_kept_out_of_the_garbage_collectors_sight(settings, monkeypatch):
    import gc

    settings.SCREENING_INDEX_CHECK_SECONDS = 0
    monkeypatch.setattr(screening_index, "SETTLE_FROM_ENTRIES", 1)
    listed("KADYROV, Ramzan Akhmatovich")
    try:
        screening_index.get_index()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
