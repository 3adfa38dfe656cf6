"""One error format for the whole API: {"code", "message", "fields"?}.

DRF's own handler runs first (it sets Retry-After on 429 and WWW-Authenticate on 401);
this reshapes its body. Domain errors (`ApplicationError`) and Django's ValidationError,
Http404 and PermissionDenied are mapped to 4xx here, so bad input never becomes a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from cryptopulse.errors import ApplicationError

INVALID_INPUT_MESSAGE = "Some fields are not valid."


def _first_code(codes: Any, default: str) -> str:
    while isinstance(codes, dict | list):
        if not codes:
            return default
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes) if codes else default


def _validation_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    fields = {
        key: [str(message) for message in (value if isinstance(value, list) else [value])]
        for key, value in detail.items()
    }
    general = fields.pop("non_field_errors", None)
    body: dict[str, Any] = {
        "code": _first_code(exc.get_codes(), "invalid"),
        "message": general[0] if general else INVALID_INPUT_MESSAGE,
    }
    if fields:
        body["fields"] = fields
    return body


def _body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return _validation_body(exc)
    detail = exc.detail
    if isinstance(detail, dict):  # simplejwt: {"detail", "code", "messages"}
        return {
            "code": str(detail.get("code") or exc.default_code),
            "message": str(detail.get("detail") or exc.default_detail),
        }
    return {"code": _first_code(exc.get_codes(), exc.default_code), "message": str(detail)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["fields"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = _body(exc)
    return response
