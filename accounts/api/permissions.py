"""What an API key may do: `read` keys only read; `trade` keys read and write."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import ApiKey, ApiKeyScope


class ApiKeyScopeAllows(BasePermission):
    """Tokens and sessions pass; API keys need the scope the method needs.

    Views that manage credentials set `api_key_allowed = False`: a key must never mint keys.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if api_key is None:
            return True
        if not getattr(view, "api_key_allowed", True):
            raise PermissionDenied(
                "API keys cannot manage credentials; sign in with a token.",
                code="api_key_not_allowed",
            )
        if request.method in SAFE_METHODS:
            return True  # both scopes read
        if ApiKeyScope.TRADE not in api_key.scopes:
            raise PermissionDenied("This API key is read-only.", code="api_key_read_only")
        return True
