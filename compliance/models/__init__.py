"""Compliance data: the audit trail, KYC, watchlists and screening, monitoring, cases, reports.

One module per area; everything is importable from `compliance.models`.
"""

from compliance.models.audit import (
    APPEND_ONLY_MESSAGE,
    GENESIS_HASH,
    SYSTEM_STREAM,
    ActorKind,
    AuditEvent,
    AuditEventQuerySet,
    AuditStreamHead,
    AuditTrailIsAppendOnly,
    audit_action_choices,
)
from compliance.models.cases import (
    Case,
    CaseAttachment,
    CaseKind,
    CaseNote,
    CaseStatus,
    FreezeAction,
    FreezeRequest,
    FreezeRequestStatus,
    Severity,
)
from compliance.models.kyc import (
    ComplianceProfile,
    DocumentKind,
    IdDocumentType,
    KycDocument,
    KycStatus,
    KycSubmission,
    RiskLevel,
)
from compliance.models.monitoring import Alert, AlertStatus, MonitoringRule
from compliance.models.reports import ComplianceReport, ReportType
from compliance.models.screening import (
    MatchStatus,
    RescreenJob,
    RescreenStatus,
    ScreeningMatch,
    ScreeningTrigger,
    WalletAddress,
)
from compliance.models.watchlists import (
    CryptoAddress,
    EntryKind,
    WatchlistEntry,
    WatchlistSource,
    WatchlistVersion,
)

__all__ = [
    "APPEND_ONLY_MESSAGE",
    "GENESIS_HASH",
    "SYSTEM_STREAM",
    "ActorKind",
    "Alert",
    "AlertStatus",
    "AuditEvent",
    "AuditEventQuerySet",
    "AuditStreamHead",
    "AuditTrailIsAppendOnly",
    "Case",
    "CaseAttachment",
    "CaseKind",
    "CaseNote",
    "CaseStatus",
    "ComplianceProfile",
    "ComplianceReport",
    "CryptoAddress",
    "DocumentKind",
    "EntryKind",
    "FreezeAction",
    "FreezeRequest",
    "FreezeRequestStatus",
    "IdDocumentType",
    "KycDocument",
    "KycStatus",
    "KycSubmission",
    "MatchStatus",
    "MonitoringRule",
    "ReportType",
    "RescreenJob",
    "RescreenStatus",
    "RiskLevel",
    "ScreeningMatch",
    "ScreeningTrigger",
    "Severity",
    "WalletAddress",
    "WatchlistEntry",
    "WatchlistSource",
    "WatchlistVersion",
    "audit_action_choices",
]
