"""JSON encoding for audit data: Decimals and datetimes as exact strings, never floats."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


class AuditJSONEncoder(DjangoJSONEncoder):
    """Decimal-aware encoder that keeps every digit.

    Decimals become their exact string (`"0.10000000"`), datetimes and times their full
    `isoformat()` (Django's own encoder cuts microseconds to milliseconds and writes `Z`, which
    would lose precision in old/new values).
    """

    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            return str(o)
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        if isinstance(o, uuid.UUID):
            return str(o)
        return super().default(o)
