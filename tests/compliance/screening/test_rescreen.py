"""Rescreening everyone when a list changes: only new matches open cases, progress is kept,
a chunk run twice counts once. The worker test imports a list version through the real
importer and lets a real Celery worker run the chunks."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role, sync_roles
from compliance.audit import AuditAction
from compliance.models import (
    AuditEvent,
    Case,
    MatchStatus,
    RescreenJob,
    RescreenStatus,
    ScreeningMatch,
    ScreeningTrigger,
)
from compliance.screening.services import (
    decide_match,
    rescreen_users,
    screen_user,
    start_rescreen,
)
from compliance.screening.tasks import rescreen_chunk
from compliance.screening.watchlists import import_watchlist
from cryptopulse.celery import app
from tests.compliance.screening.helpers import listed, version_of
from tests.compliance.watchlists.helpers import ofac_csv, write
from tests.factories import UserFactory


def officer() -> User:
    sync_roles()
    user = UserFactory.create(is_staff=True)
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    return user


@pytest.fixture
def eager() -> Iterator[None]:
    """Tasks run in this process, at once (opt-in, per test)."""
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


def people() -> dict[str, User]:
    return {
        "alice": UserFactory.create(full_name="Vladimir Putin"),
        "bob": UserFactory.create(full_name="Ramzan Kadyrov"),
        "carol": UserFactory.create(full_name="Yevgeniy Prigozhin"),
        "dave": UserFactory.create(full_name="Margaret Thompson"),
        "erin": UserFactory.create(),  # no name: nothing to screen
    }


@pytest.mark.django_db
def test_a_rescreen_opens_exactly_the_new_cases(
    eager, django_capture_on_commit_callbacks, settings
):
    # given: Alice has an open match, Bob's was dismissed, Carol is not listed yet
    settings.SCREENING_RESCREEN_CHUNK = 2
    listed("PUTIN, Vladimir Vladimirovich")
    listed("KADYROV, Ramzan Akhmatovich")
    users = people()
    screen_user(user=users["alice"], trigger=ScreeningTrigger.SIGNUP)
    (bobs,) = screen_user(user=users["bob"], trigger=ScreeningTrigger.SIGNUP)
    decide_match(officer=officer(), match_id=bobs.pk, decision="false_positive", reason="No.")
    cases_before = set(Case.objects.values_list("pk", flat=True))
    # when: the list adds Prigozhin and everyone is rescreened
    listed("PRIGOZHIN, Yevgeniy Viktorovich")
    with django_capture_on_commit_callbacks(execute=True):
        job = start_rescreen(version=version_of("ofac_sdn"))
    # then: one new match, in one new case, for Carol only
    job.refresh_from_db()
    assert (job.status, job.total, job.done, job.matches) == (RescreenStatus.DONE, 4, 4, 1)
    assert job.finished_at is not None
    new_cases = Case.objects.exclude(pk__in=cases_before)
    assert [c.user for c in new_cases] == [users["carol"]]
    (carols,) = ScreeningMatch.objects.filter(user=users["carol"])
    assert carols.trigger == ScreeningTrigger.RESCREEN
    assert ScreeningMatch.objects.filter(user=users["alice"]).count() == 1
    assert list(
        ScreeningMatch.objects.filter(user=users["bob"]).values_list("status", flat=True)
    ) == [MatchStatus.FALSE_POSITIVE]
    (started,) = AuditEvent.objects.filter(action=AuditAction.RESCREEN_STARTED)
    assert started.data["users"] == 4


@pytest.mark.django_db
def test_a_chunk_run_twice_counts_once():
    listed("PUTIN, Vladimir Vladimirovich")
    users = people()
    job = start_rescreen()  # its chunks are enqueued on commit, which never comes here
    ids = sorted(u.pk for u in users.values() if u.full_name)
    first = rescreen_users(job_id=job.pk, chunk=0, first_id=ids[0], last_id=ids[-1], planned=4)
    again = rescreen_users(job_id=job.pk, chunk=0, first_id=ids[0], last_id=ids[-1], planned=4)
    job.refresh_from_db()
    assert first == {"screened": 4, "matches": 1}
    # a finished job is left alone
    assert again == {"screened": 0, "matches": 0}
    assert (job.status, job.done, job.matches) == (RescreenStatus.DONE, 4, 1)
    assert ScreeningMatch.objects.count() == 1


@pytest.mark.django_db
def test_a_chunk_retried_mid_job_adds_its_users_once():
    listed("PUTIN, Vladimir Vladimirovich")
    users = people()
    job = start_rescreen()
    ids = sorted(u.pk for u in users.values() if u.full_name)
    rescreen_users(job_id=job.pk, chunk=0, first_id=ids[0], last_id=ids[1], planned=2)
    rescreen_users(job_id=job.pk, chunk=0, first_id=ids[0], last_id=ids[1], planned=2)
    job.refresh_from_db()
    assert (job.status, job.done) == (RescreenStatus.RUNNING, 2)
    rescreen_users(job_id=job.pk, chunk=1, first_id=ids[2], last_id=ids[3], planned=2)
    job.refresh_from_db()
    assert (job.status, job.done, job.matches) == (RescreenStatus.DONE, 4, 1)


@pytest.mark.django_db
def test_a_chunk_that_breaks_marks_the_job_failed():
    listed("PUTIN, Vladimir Vladimirovich")
    users = people()
    job = start_rescreen()
    ids = sorted(u.pk for u in users.values() if u.full_name)
    # a malformed task message (no planned count) breaks the chunk
    outcome = rescreen_chunk.apply(args=(job.pk, 0, ids[0], ids[-1], None))
    assert isinstance(outcome.result, TypeError)
    job.refresh_from_db()
    assert job.status == RescreenStatus.FAILED
    assert job.error.startswith("chunk 0: TypeError")
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_rescreen_of_nobody_is_done_at_once():
    job = start_rescreen()
    assert (job.status, job.total) == (RescreenStatus.DONE, 0)


def wait_for(job: RescreenJob, timeout: float = 60) -> RescreenJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (RescreenStatus.DONE, RescreenStatus.FAILED):
            return job
        time.sleep(0.2)
    pytest.fail(f"the rescreen did not finish: {job}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_imported_list_change_is_rescreened_by_the_worker(celery_worker_process, tmp_path):
    # given: a first list version, screened
    def sdn(rows: list[list[str]]) -> list:
        full = [
            [*row, "individual", "RUSSIA-EO14024", "", "", "", "", "", "", "", ""] for row in rows
        ]
        return [write(tmp_path / "sdn.csv", ofac_csv(full))]

    import_watchlist(source="ofac_sdn", paths=sdn([["1", "PUTIN, Vladimir Vladimirovich"]]))
    first = wait_for(RescreenJob.objects.get())  # the import rescreens (nobody yet)
    assert first.total == 0
    users = people()
    (alices,) = screen_user(user=users["alice"], trigger=ScreeningTrigger.SIGNUP)
    # when: a new version adds two entries
    import_watchlist(
        source="ofac_sdn",
        paths=sdn(
            [
                ["1", "PUTIN, Vladimir Vladimirovich"],
                ["2", "PRIGOZHIN, Yevgeniy Viktorovich"],
                ["3", "KADYROV, Ramzan Akhmatovich"],
            ]
        ),
    )
    # then: the worker rescreened everyone; Bob and Carol get one new case each
    job = wait_for(RescreenJob.objects.order_by("-pk")[0])
    assert (job.status, job.total, job.done, job.matches) == (RescreenStatus.DONE, 4, 4, 2)
    assert job.version is not None
    assert job.version.added == 2
    assert sorted(Case.objects.values_list("user__full_name", flat=True)) == [
        "Ramzan Kadyrov",
        "Vladimir Putin",
        "Yevgeniy Prigozhin",
    ]
    assert list(ScreeningMatch.objects.filter(user=users["alice"])) == [alices]
    assert ScreeningMatch.objects.filter(trigger=ScreeningTrigger.RESCREEN).count() == 2
