"""High-risk jurisdictions: which of a user's countries are on `settings.HIGH_RISK_COUNTRIES`.

What is used: the nationality and residence country the user declared in KYC level 1 (the
latest approved submission; without one, the latest submitted one, pending or sent back, as
the user's own statement is evidence too; drafts are not). The country a request came from
is not used: the platform resolves no IP address to a country (no GeoIP database ships with
it), and the fill that triggers a rule is processed in a worker, away from any request.
"""

from __future__ import annotations

from django.conf import settings

from compliance.models import KycStatus, KycSubmission

SUBMITTED = (KycStatus.PENDING, KycStatus.RESUBMISSION_REQUESTED, KycStatus.APPROVED)


def high_risk_countries() -> frozenset[str]:
    return frozenset(code.strip().upper() for code in settings.HIGH_RISK_COUNTRIES if code.strip())


def declared_countries(user_id: int) -> dict[str, str]:
    """{"nationality": "IR", "residence": "DE"} from the user's level 1 KYC (empty if none)."""
    rows = (
        KycSubmission.objects.filter(user_id=user_id, level=1, status__in=SUBMITTED)
        .order_by("-submitted_at", "-pk")
        .values("status", "nationality", "residence_country")
    )
    chosen = None
    for row in rows:  # at most a handful per user
        if row["status"] == KycStatus.APPROVED:
            chosen = row
            break
        if chosen is None:
            chosen = row
    if chosen is None:
        return {}
    found = {"nationality": chosen["nationality"], "residence": chosen["residence_country"]}
    return {kind: code.upper() for kind, code in found.items() if code}


def high_risk_matches(
    user_id: int, *, nationality: bool = True, residence: bool = True
) -> dict[str, str]:
    """The user's declared countries that are high-risk: {"residence": "IR"}."""
    listed = high_risk_countries()
    wanted = {"nationality": nationality, "residence": residence}
    return {
        kind: code
        for kind, code in declared_countries(user_id).items()
        if wanted[kind] and code in listed
    }
