"""Demo compliance data for `make run` (development only; `seed_demo` calls this).

What it makes, once (a second run finds everything and adds nothing):

- a second demo compliance officer, officer2@example.com (staff), so freezes can be approved
  with four eyes (officer@example.com asks, officer2 approves);
- a demo trader, applicant@example.com, with a level-1 KYC submission pending review, made
  through the KYC services (draft, ID document upload, submit);
- a screening case on the applicant: a one-person demo PEP list (source "pep", version
  "demo") imported with the real importer, and the applicant screened by the real engine,
  which finds the record and opens the case with the match and its explanation;
- a monitoring case on the applicant: a "large trade" alert (its facts say it is a demo, no
  order stands behind it);
- both cases assigned to officer@example.com, with a note, and the applicant's risk score
  computed from them.

The monitoring rules raise alerts only from real fills, which a fresh demo database does not
have (and the applicant may not trade live before KYC approval), so the alert is written here
with the audit event the rules write, in a case opened through `compliance.cases.open_case`;
assignment and notes go through `compliance.case_services`.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from accounts.models import User
from accounts.roles import Role, sync_roles
from compliance.audit import AuditAction, record
from compliance.case_services import add_case_note, assign_case
from compliance.cases import open_case
from compliance.kyc.documents import upload_document
from compliance.kyc.services import save_draft, submit
from compliance.models import (
    Alert,
    Case,
    CaseKind,
    KycSubmission,
    MonitoringRule,
    ScreeningMatch,
    ScreeningTrigger,
    Severity,
    WatchlistSource,
    WatchlistVersion,
)
from compliance.monitoring.risk import recompute_risk
from compliance.screening.services import screen_user
from compliance.screening.watchlists import import_watchlist

APPLICANT_EMAIL = "applicant@example.com"
SECOND_OFFICER_EMAIL = "officer2@example.com"
DEMO_LIST_VERSION = "demo"
DEMO_ENTRY_REF = "DEMO-PEP-0001"
DEMO_ALERT_KEY = "demo:large_trade:applicant"

IDENTITY = {
    "legal_name": "Viktor Ivanovich Demidov",
    "date_of_birth": "1971-04-12",
    "nationality": "CY",
    "residence_country": "CY",
    "address_line": "14 Makariou Avenue",
    "city": "Limassol",
    "postal_code": "3030",
    "id_document_type": "passport",
    "id_document_number": "K00012345",
    "id_document_expiry": "2031-06-30",
}


@dataclass(frozen=True)
class DemoCompliance:
    applicant: User
    second_officer: User
    submission: KycSubmission
    screening_case: Case
    monitoring_case: Case


def _demo_user(*, email: str, password: str, role: Role, is_staff: bool) -> User:
    """A verified demo user in `role` (created once; the password is reset to `password`)."""
    groups = sync_roles()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, is_staff=is_staff)
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    user.groups.add(groups[role])
    return user


def _demo_id_image() -> bytes:
    """A small PNG that reads as a demo passport (the KYC checks want a real image)."""
    image = Image.new("RGB", (480, 300), (226, 232, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 467, 287), outline=(30, 64, 110), width=4)
    draw.text((32, 32), "DEMO PASSPORT - NOT A REAL DOCUMENT", fill=(30, 64, 110))
    for row, (label, key) in enumerate(
        (("Name", "legal_name"), ("Born", "date_of_birth"), ("No.", "id_document_number"))
    ):
        draw.text((32, 90 + row * 40), f"{label}: {IDENTITY[key]}", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _pending_kyc(applicant: User) -> KycSubmission:
    existing = KycSubmission.objects.filter(user=applicant, level=1).order_by("id").first()
    if existing is not None:
        return existing
    draft = save_draft(user=applicant, level=1, **IDENTITY)
    upload_document(
        user=applicant,
        submission_id=draft.pk,
        kind="id_document",
        upload=SimpleUploadedFile("demo-passport.png", _demo_id_image(), "image/png"),
    )
    return submit(user=applicant, submission_id=draft.pk)


# A one-person PEP list in the documented CSV layout (docs/watchlists.md), imported with the
# real importer; the applicant resembles its entry closely enough for the engine to flag.
DEMO_PEP_CSV = (
    "id,name,aliases,birth_date,nationality,position,country\n"
    f'{DEMO_ENTRY_REF},"DEMIDOV, Viktor Ivanovich",Viktor Demidov,1971,CY,'
    "Deputy minister (demo record: not a real list entry),CY\n"
)


def _demo_list() -> WatchlistVersion:
    """The demo PEP list version, imported once (a later real PEP import replaces it)."""
    found = WatchlistVersion.objects.filter(
        source=WatchlistSource.PEP, version=DEMO_LIST_VERSION
    ).first()
    if found is not None:
        return found
    with tempfile.TemporaryDirectory(prefix="cp-demo-pep-") as folder:
        path = Path(folder) / "demo-peps.csv"
        path.write_text(DEMO_PEP_CSV, encoding="utf-8")
        return import_watchlist(source=WatchlistSource.PEP, paths=[path], version=DEMO_LIST_VERSION)


def _screening_case(applicant: User) -> Case:
    """The applicant's screening case, as the engine opens it at a KYC submission."""
    _demo_list()
    screen_user(user=applicant, trigger=ScreeningTrigger.KYC)
    match = (
        ScreeningMatch.objects.filter(
            user=applicant, entry__source=WatchlistSource.PEP, entry__entity_ref=DEMO_ENTRY_REF
        )
        .select_related("case")
        .get()
    )
    if match.case is None:  # the engine always files a match in a case
        raise RuntimeError("the demo screening match has no case")
    return match.case


def _large_trade_rule() -> MonitoringRule:
    rule, _ = MonitoringRule.objects.get_or_create(
        code="large_trade",
        defaults={
            "name": "Single trade of 5,000 USD or more",
            "params": {"threshold_usd": "5000"},
            "score": 15,
        },
    )
    return rule


def _monitoring_case(applicant: User) -> Case:
    found = Alert.objects.filter(dedup_key=DEMO_ALERT_KEY).select_related("case").first()
    if found is not None and found.case is not None:
        return found.case
    rule = _large_trade_rule()
    facts = {
        "demo": True,
        "note": "Demo alert made by seed_demo: no order stands behind it.",
        "symbol": "BTC/USDT",
        "side": "buy",
        "usd": "7250.00",
        "threshold_usd": "5000",
    }
    with transaction.atomic():
        case = open_case(
            user=applicant,
            kind=CaseKind.MONITORING,
            title=f"Transaction monitoring: {rule.name}",
            severity=Severity(rule.severity),
        )
        alert = Alert.objects.create(
            rule=rule,
            user=applicant,
            score=rule.score,
            facts=facts,
            dedup_key=DEMO_ALERT_KEY,
            case=case,
        )
        record(
            action=AuditAction.ALERT_RAISED,
            actor=None,
            subject=applicant,
            target=alert,
            data={"rule": rule.code, "score": rule.score, "case": case.pk, "facts": facts},
        )
    return case


def _work_on(case: Case, *, officer: User, note: str) -> Case:
    if case.assigned_to_id is None:
        case = assign_case(case_id=case.pk, officer=officer, assignee=officer)
    if not case.notes.exists():
        add_case_note(case_id=case.pk, author=officer, text=note)
    return case


def seed_demo_compliance(*, password: str, officer: User) -> DemoCompliance:
    """The demo compliance data (see the module docstring); `officer` gets the cases."""
    second = _demo_user(
        email=SECOND_OFFICER_EMAIL, password=password, role=Role.COMPLIANCE_OFFICER, is_staff=True
    )
    applicant = _demo_user(
        email=APPLICANT_EMAIL, password=password, role=Role.TRADER, is_staff=False
    )
    submission = _pending_kyc(applicant)
    screening = _work_on(
        _screening_case(applicant),
        officer=officer,
        note="Demo: compare the date of birth on the passport with the PEP record.",
    )
    monitoring = _work_on(
        _monitoring_case(applicant),
        officer=officer,
        note="Demo: ask the applicant where the 7,250 USD came from.",
    )
    recompute_risk(applicant)
    return DemoCompliance(
        applicant=applicant,
        second_officer=second,
        submission=submission,
        screening_case=screening,
        monitoring_case=monitoring,
    )


__all__ = ["APPLICANT_EMAIL", "SECOND_OFFICER_EMAIL", "DemoCompliance", "seed_demo_compliance"]
