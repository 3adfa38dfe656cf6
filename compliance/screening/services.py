"""Screening use cases: a name against the lists, a user against the lists, an officer's
decision on a match, and the rescreen of everyone when a list changes.

The matching itself is pure and in memory (index.py, matcher.py); these functions add what
the database knows: the user's identity, the matches already open or dismissed, the case, the
audit trail. Screening a user writes nothing when nothing scores at or above the threshold,
so a rescreen of 100,000 users costs little more than its name lookups.

Pairs: `screen_user` opens matches <-> `decide_match` closes them (confirmed freezes the
user's trading; false positive suppresses the entity for the user until the entry changes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from compliance.cases import open_case
from compliance.countries import country_code
from compliance.kyc.officers import is_compliance_officer
from compliance.models import (
    CaseKind,
    ComplianceProfile,
    KycStatus,
    KycSubmission,
    MatchStatus,
    RescreenJob,
    RescreenStatus,
    ScreeningMatch,
    ScreeningTrigger,
    Severity,
    WatchlistEntry,
    WatchlistSource,
    WatchlistVersion,
)
from compliance.screening import index as screening_index
from compliance.screening.matcher import Scored, explain, parse_query_dob
from cryptopulse.errors import ApplicationError

logger = logging.getLogger(__name__)

DECISIONS = {
    "confirmed": MatchStatus.CONFIRMED,
    "false_positive": MatchStatus.FALSE_POSITIVE,
}
REASON_MAX = 2000
CHUNK_MEMORY_SECONDS = 7 * 24 * 3600  # how long a finished rescreen chunk is remembered
# KYC level-1 submissions whose identity the user has stated (and not withdrawn).
IDENTITY_STATUSES = (KycStatus.PENDING, KycStatus.APPROVED)


class ScreeningError(ApplicationError):
    """A decision the rules refuse (not an officer: 403; already decided: 409)."""


@dataclass(frozen=True)
class Hit:
    """One listed entry a query scored at or above the threshold against."""

    entry_id: int
    source: str
    entity_ref: str
    kind: str
    name: str  # the entry's primary name
    matched_name: str  # the name or alias that matched
    score: float
    content_hash: str
    explanation: dict[str, Any]

    @property
    def dob_agrees(self) -> bool:
        return float(self.explanation.get("components", {}).get("date_of_birth", 0)) > 0


@dataclass(frozen=True)
class Identity:
    """What a user is screened as: the names they gave, date of birth, countries."""

    names: tuple[str, ...]
    date_of_birth: date | None
    countries: tuple[str, ...]

    def query(self) -> dict[str, Any]:
        return {
            "name": self.names[0] if self.names else "",
            "other_names": list(self.names[1:]),
            "dob": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "countries": list(self.countries),
        }


def threshold() -> float:
    return float(settings.SCREENING_THRESHOLD)


def _hit(query: Any, scored: Scored) -> Hit:
    entry = scored.entry
    return Hit(
        entry_id=entry.id,
        source=entry.source,
        entity_ref=entry.entity_ref,
        kind=entry.kind,
        name=entry.name,
        matched_name=scored.record.text,
        score=scored.score,
        content_hash=entry.content_hash,
        explanation=explain(query, scored),
    )


def _search(
    names: Sequence[str],
    *,
    dob: date | str | None,
    countries: Sequence[str],
    min_score: float,
    limit: int,
) -> list[Hit]:
    """The best hit per entry over all of the names, best first."""
    index = screening_index.get_index()
    best: dict[int, Hit] = {}
    for name in names:
        if not name or not name.strip():
            continue
        query = index.prepare(name, dob=dob, countries=countries)
        for scored in index.search(query, min_score=min_score, limit=limit):
            known = best.get(scored.entry.id)
            if known is None or scored.score > known.score:
                best[scored.entry.id] = _hit(query, scored)
    return sorted(best.values(), key=lambda h: (-h.score, h.entry_id))[:limit]


def screen_query(
    name: str,
    dob: date | str | None = None,
    country: str | None = None,
    *,
    min_score: float | None = None,
    limit: int = 10,
) -> list[Hit]:
    """The listed entries `name` (with an optional date of birth and a country, ISO code or
    English name) scores at least `min_score` (default: SCREENING_THRESHOLD) against, best
    first, from this process's index (rebuilt first if the lists changed)."""
    code = country_code(country) if country else None
    if country and code is None:
        raise ApplicationError("unknown_country", f"Unknown country: {country!r}.", "country")
    try:
        parse_query_dob(dob)
    except ValueError as error:
        raise ApplicationError("invalid_dob", "A date of birth is YYYY-MM-DD.", "dob") from error
    return _search(
        [name],
        dob=dob,
        countries=[code] if code else [],
        min_score=threshold() if min_score is None else min_score,
        limit=limit,
    )


# ---- users ------------------------------------------------------------------------------------


def identity_of(user: User) -> Identity:
    """The user's latest stated KYC identity (level 1, pending or approved), else the
    account's name. The account's name is screened too when it differs from the legal name."""
    return identities_of([user])[user.pk]


def hits_for(identity: Identity) -> list[Hit]:
    return _search(
        identity.names,
        dob=identity.date_of_birth,
        countries=identity.countries,
        min_score=threshold(),
        limit=10,
    )


def screen_user(
    *,
    user: User,
    trigger: ScreeningTrigger | str,
    name: str | None = None,
    date_of_birth: date | None = None,
    country: str | None = None,
) -> list[ScreeningMatch]:
    """Screen one user against all current lists and record what is new.

    Without `name` the user's identity_of() is screened. Every entry scoring at or above
    SCREENING_THRESHOLD becomes a ScreeningMatch (with the explanation, the query and the
    entry's content hash) in the user's open screening case, one SCREENING_MATCHED event
    each, unless the user already has an open or confirmed match for that entry, or an
    officer marked it a false positive while the entry read as it does now. The case is
    critical when a sanctions entry's date of birth agrees, high otherwise. Returns the
    matches created (usually none).
    """
    trigger = ScreeningTrigger(trigger)
    if name is not None:
        code = country_code(country) if country else None
        identity = Identity(
            names=(name,), date_of_birth=date_of_birth, countries=(code,) if code else ()
        )
    else:
        identity = identity_of(user)
    if not identity.names:
        return []
    hits = hits_for(identity)
    if not hits:
        return []
    return record_matches(user=user, hits=hits, trigger=trigger, query=identity.query())


@transaction.atomic(durable=True)
def record_matches(
    *, user: User, hits: Sequence[Hit], trigger: ScreeningTrigger, query: dict[str, Any]
) -> list[ScreeningMatch]:
    """The new ones of `hits` as matches in the user's screening case (see screen_user)."""
    # One screening of a user at a time: the user's row is the lock.
    User.objects.select_for_update().filter(pk=user.pk).first()
    known = _known_matches(user, [h.entry_id for h in hits])
    entries = {
        e.pk: e
        for e in WatchlistEntry.objects.filter(pk__in=[h.entry_id for h in hits], active=True)
    }
    new = []
    for hit in hits:
        entry = entries.get(hit.entry_id)
        if entry is None:
            continue  # deactivated since the index was built
        state = known.get(entry.pk)
        if state is not None and (state[0] or state[1] or entry.content_hash in state[2]):
            continue
        new.append((hit, entry))
    if not new:
        return []
    severity = Severity.HIGH
    if any(e.source != WatchlistSource.PEP and h.dob_agrees for h, e in new):
        severity = Severity.CRITICAL
    best_hit, best_entry = new[0]
    case = open_case(
        user=user,
        kind=CaseKind.SCREENING,
        title=f"Screening: {best_entry.name} ({best_entry.get_source_display()} "
        f"{best_entry.entity_ref}), score {best_hit.score:g}",
        severity=severity,
    )
    created = []
    for hit, entry in new:
        match = ScreeningMatch.objects.create(
            user=user,
            entry=entry,
            entry_hash=entry.content_hash,
            score=Decimal(str(hit.score)).quantize(Decimal("0.01")),
            query=query,
            explanation=hit.explanation,
            trigger=trigger,
            case=case,
        )
        record(
            action=AuditAction.SCREENING_MATCHED,
            actor=None,
            subject=user,
            target=match,
            data={
                "entry": entry.pk,
                "source": entry.source,
                "entity_ref": entry.entity_ref,
                "name": entry.name,
                "matched_name": hit.matched_name,
                "score": str(match.score),
                "trigger": trigger.value,
                "case": case.pk,
            },
        )
        created.append(match)
    return created


def _known_matches(user: User, entry_ids: Iterable[int]) -> dict[int, tuple[bool, bool, set[str]]]:
    """Per entry: (has an open match, has a confirmed one, hashes it was dismissed at)."""
    known: dict[int, tuple[bool, bool, set[str]]] = {}
    rows = ScreeningMatch.objects.filter(user=user, entry_id__in=list(entry_ids)).values_list(
        "entry_id", "status", "entry_hash"
    )
    for entry_id, status, entry_hash in rows:
        is_open, confirmed, dismissed = known.get(entry_id, (False, False, set()))
        if status == MatchStatus.OPEN:
            is_open = True
        elif status == MatchStatus.CONFIRMED:
            confirmed = True
        else:
            dismissed.add(entry_hash)
        known[entry_id] = (is_open, confirmed, dismissed)
    return known


def request_screening(*, user: User, trigger: ScreeningTrigger | str) -> None:
    """Screen `user` in the worker (task compliance.screen_user, queue "screening") once the
    caller's transaction commits: sign-up, name change and KYC submission call this."""
    from compliance.screening.tasks import screen_user_task

    user_id, value = user.pk, ScreeningTrigger(trigger).value
    transaction.on_commit(lambda: screen_user_task.delay(user_id, value))


# ---- decisions --------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def decide_match(*, officer: User, match_id: int, decision: str, reason: str) -> ScreeningMatch:
    """An officer's decision on an open match: "confirmed" (a true match: the user's trading
    is frozen at once, USER_FROZEN) or "false_positive" (the entity is suppressed for this
    user until the entry's content hash changes). Writes SCREENING_CONFIRMED or
    SCREENING_FALSE_POSITIVE with the reason."""
    if not is_compliance_officer(officer):
        raise ScreeningError("not_officer", "Only compliance officers decide matches.", status=403)
    status = DECISIONS.get(decision)
    if status is None:
        raise ScreeningError("unknown_decision", "Decide confirmed or false_positive.", "decision")
    reason = (reason or "").strip()
    if not reason:
        raise ScreeningError("reason_required", "Give the reason for the decision.", "reason")
    if len(reason) > REASON_MAX:
        raise ScreeningError("reason_too_long", f"At most {REASON_MAX:,} characters.", "reason")
    match = (
        ScreeningMatch.objects.select_for_update(of=("self",))
        .select_related("user", "entry")
        .get(pk=match_id)
    )
    if match.status != MatchStatus.OPEN:
        raise ScreeningError(
            "already_decided",
            f"This match is already decided ({match.get_status_display().lower()}).",
            status=409,
        )
    now = timezone.now()
    match.status = status
    match.decided_by = officer
    match.decided_at = now
    match.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        action=(
            AuditAction.SCREENING_CONFIRMED
            if status == MatchStatus.CONFIRMED
            else AuditAction.SCREENING_FALSE_POSITIVE
        ),
        actor=officer,
        subject=match.user,
        target=match,
        data={
            "old": {"status": MatchStatus.OPEN.value},
            "new": {"status": status.value},
            "reason": reason,
            "entry": match.entry_id,
            "name": match.entry.name,
            "entry_hash": match.entry_hash,
            "score": str(match.score),
        },
    )
    if status == MatchStatus.CONFIRMED:
        _freeze(match, officer=officer, reason=reason, now=now)
    return match


def _freeze(match: ScreeningMatch, *, officer: User, reason: str, now: Any) -> None:
    ComplianceProfile.objects.get_or_create(user=match.user)
    profile = ComplianceProfile.objects.select_for_update().get(user=match.user)
    if profile.trading_frozen:
        return
    old = {"trading_frozen": False, "frozen_reason": profile.frozen_reason}
    profile.trading_frozen = True
    profile.frozen_reason = (
        f"Confirmed screening match: {match.entry.name} ({match.entry.source} "
        f"{match.entry.entity_ref}). {reason}"
    )[:500]
    profile.frozen_at = now
    profile.save(update_fields=["trading_frozen", "frozen_reason", "frozen_at", "updated_at"])
    record(
        action=AuditAction.USER_FROZEN,
        actor=officer,
        subject=match.user,
        target=match.user,
        data={
            "old": old,
            "new": {"trading_frozen": True, "frozen_reason": profile.frozen_reason},
            "match": match.pk,
        },
    )


# ---- rescreens --------------------------------------------------------------------------------


def screenable_users() -> QuerySet[User]:
    """Active users with a name to screen: an account name or a stated KYC identity."""
    stated = KycSubmission.objects.filter(
        user=OuterRef("pk"),
        level=1,
        status__in=IDENTITY_STATUSES,
        submitted_at__isnull=False,
    ).exclude(legal_name="")
    return User.objects.filter(is_active=True).filter(~Q(full_name="") | Exists(stated))


def start_rescreen(*, version: WatchlistVersion | None = None) -> RescreenJob:
    """Everyone screened again, in chunks of SCREENING_RESCREEN_CHUNK users (task
    compliance.rescreen_chunk on the "screening" queue), enqueued once the caller's
    transaction commits (the watchlist importer calls this inside its own). Each process's
    index is told to look at the lists again first. Only new matches open cases."""
    from compliance.screening.tasks import rescreen_chunk

    size = max(1, int(settings.SCREENING_RESCREEN_CHUNK))
    with transaction.atomic():
        ids = list(screenable_users().order_by("pk").values_list("pk", flat=True))
        job = RescreenJob.objects.create(
            version=version,
            total=len(ids),
            status=RescreenStatus.QUEUED if ids else RescreenStatus.DONE,
            finished_at=None if ids else timezone.now(),
        )
        record(
            action=AuditAction.RESCREEN_STARTED,
            actor=None,
            target=job,
            data={
                "version": version.pk if version else None,
                "source": version.source if version else None,
                "users": len(ids),
                "chunk": size,
            },
        )
        chunks = [
            (
                number,
                ids[start],
                ids[min(start + size, len(ids)) - 1],
                len(ids[start : start + size]),
            )
            for number, start in enumerate(range(0, len(ids), size))
        ]
        job_id = job.pk

        def enqueue() -> None:
            screening_index.invalidate()
            for number, first, last, count in chunks:
                rescreen_chunk.delay(job_id, number, first, last, count)

        transaction.on_commit(enqueue)
    return job


def rescreen_users(
    *, job_id: int, chunk: int, first_id: int, last_id: int, planned: int
) -> dict[str, int]:
    """One chunk of a rescreen: the screenable users with first_id <= pk <= last_id. Counts
    the chunk's `planned` users as done once (a retried chunk finds its matches already
    open and adds no progress twice), and marks the job done with the last chunk."""
    job = RescreenJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (RescreenStatus.DONE, RescreenStatus.FAILED):
        return {"screened": 0, "matches": 0}
    RescreenJob.objects.filter(pk=job_id, status=RescreenStatus.QUEUED).update(
        status=RescreenStatus.RUNNING
    )
    screening_index.get_index(max_age=0)
    users = list(screenable_users().filter(pk__gte=first_id, pk__lte=last_id).order_by("pk"))
    identities = identities_of(users)
    found = 0
    for user in users:
        identity = identities[user.pk]
        if not identity.names:
            continue
        hits = hits_for(identity)
        if hits:
            found += len(
                record_matches(
                    user=user,
                    hits=hits,
                    trigger=ScreeningTrigger.RESCREEN,
                    query=identity.query(),
                )
            )
    # cache.add is atomic: only the first run of a chunk counts its users as done.
    # (The job's creation time is in the key: a database reset reuses job ids, Redis remembers.)
    key = f"compliance:rescreen:{job_id}:{job.created_at.timestamp():.6f}:{chunk}"
    if cache.add(key, 1, timeout=CHUNK_MEMORY_SECONDS):
        _progress(job_id, planned=planned, matches=found)
    return {"screened": len(users), "matches": found}


@transaction.atomic(durable=True)
def _progress(job_id: int, *, planned: int, matches: int) -> None:
    job = RescreenJob.objects.select_for_update().get(pk=job_id)
    job.done = min(job.total, job.done + planned)
    job.matches += matches
    fields = ["done", "matches"]
    if job.done >= job.total and job.status != RescreenStatus.DONE:
        job.status = RescreenStatus.DONE
        job.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    job.save(update_fields=fields)


def identities_of(users: Sequence[User]) -> dict[int, Identity]:
    """identity_of() for many users, in one query."""
    latest: dict[int, KycSubmission] = {}
    for stated in (
        KycSubmission.objects.filter(
            user__in=users, level=1, status__in=IDENTITY_STATUSES, submitted_at__isnull=False
        )
        .exclude(legal_name="")
        .order_by("user_id", "-submitted_at", "-pk")
    ):
        latest.setdefault(stated.user_id, stated)
    result = {}
    for user in users:
        submission = latest.get(user.pk)
        account_name = (user.full_name or "").strip()
        if submission is None:
            result[user.pk] = Identity(
                names=(account_name,) if account_name else (), date_of_birth=None, countries=()
            )
            continue
        names = [submission.legal_name.strip()]
        if account_name and account_name.casefold() != names[0].casefold():
            names.append(account_name)
        countries = tuple(
            dict.fromkeys(c for c in (submission.nationality, submission.residence_country) if c)
        )
        result[user.pk] = Identity(
            names=tuple(names), date_of_birth=submission.date_of_birth, countries=countries
        )
    return result


def fail_rescreen(*, job_id: int, error: str) -> None:
    """A chunk gave up (its task's retries ran out): the job says so."""
    RescreenJob.objects.filter(pk=job_id).exclude(status=RescreenStatus.DONE).update(
        status=RescreenStatus.FAILED, error=error[:500], finished_at=timezone.now()
    )
