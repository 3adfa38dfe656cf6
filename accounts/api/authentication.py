"""`Authorization: Api-Key cp_<prefix>_<secret>` for integrations."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import ApiKey, User
from accounts.services.api_keys import authenticate_api_key
from monitoring.middleware import client_ip

KEYWORD = "api-key"


class ApiKeyAuthentication(BaseAuthentication):
    """Sets request.user to the key's owner and request.auth to the ApiKey."""

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        scheme, _, presented = (
            get_authorization_header(request).decode(errors="replace").partition(" ")
        )
        if scheme.lower() != KEYWORD:
            return None
        api_key = authenticate_api_key(presented=presented, ip=client_ip(request._request))
        if api_key is None:
            raise AuthenticationFailed(
                "The API key is not valid, expired, revoked, or not allowed from this address.",
                code="invalid_api_key",
            )
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        return "Api-Key"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the Api-Key header."""

    target_class = ApiKeyAuthentication
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key cp_<prefix>_<secret>`; scopes read or trade.",
        }
