"""The compliance officers' admin, one module per area (imported here to register them)."""

from compliance.admin import (
    audit,  # noqa: F401
    cases,  # noqa: F401
    kyc,  # noqa: F401
    monitoring,  # noqa: F401
    reports,  # noqa: F401
    screening,  # noqa: F401
    watchlists,  # noqa: F401
)
