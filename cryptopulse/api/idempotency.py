"""`Idempotency-Key` on API POSTs: a repeated request gets the first answer, not a second run.

Put `@idempotent` on the `post` of an authenticated `APIView` and add
`IDEMPOTENCY_KEY_PARAMETER` to its `extend_schema(parameters=[...])`. The rules (what is a
repeat, what is stored, for how long) live in `accounts.services.idempotency`; this is the
HTTP edge: read the header, claim, run the view, store or release, replay.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyInProgress,
    claim_idempotency_key,
    release_idempotency_key,
    request_fingerprint,
    store_idempotent_response,
)
from cryptopulse.errors import ApplicationError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# The first request is usually done within a second; the client's retry then replays it.
RETRY_AFTER_SECONDS = 1

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        f"A unique string (1-{MAX_KEY_LENGTH} characters, e.g. a UUID) that makes retrying "
        "safe: a repeat with the same key and the same request gets the first answer (with "
        f"`{REPLAYED_HEADER}: true`) instead of running again. Same key, different request: "
        "422 `idempotency_key_reused`; while the first is still running: 409 "
        "`idempotency_in_progress` with `Retry-After`. Keys are per user and kept 24 hours."
    ),
)

View = TypeVar("View", bound=APIView)
P = ParamSpec("P")
ViewMethod = Callable[Concatenate[View, Request, P], Response]


def _key_from(header: str) -> str:
    key = header.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        message = f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} characters long."
        raise ApplicationError("invalid_idempotency_key", message, HEADER)
    return key


def idempotent(view_method: ViewMethod[View, P]) -> ViewMethod[View, P]:
    """Make an authenticated view's POST idempotent under the `Idempotency-Key` header.

    Without the header (or for an anonymous request, which has no user to scope the key
    to) the view runs as usual. With it, the view runs at most once per user and key: its
    answer, exceptions included (through `handle_exception`, so domain errors are answers
    like any other), is stored when it is the request's outcome and replayed to repeats.
    """

    @functools.wraps(view_method)
    def wrapper(self: View, request: Request, *args: P.args, **kwargs: P.kwargs) -> Response:
        header = request.headers.get(HEADER)
        if header is None or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        key = _key_from(header)
        fingerprint = request_fingerprint(
            method=request.method or "POST", path=request.get_full_path(), body=request.body
        )
        try:
            claim = claim_idempotency_key(user=request.user, key=key, fingerprint=fingerprint)
        except IdempotencyInProgress as exc:
            busy = self.handle_exception(exc)
            busy["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return busy
        if not claim.claimed:
            return Response(
                claim.record.response_body,
                status=claim.record.response_status,
                headers={REPLAYED_HEADER: "true"},
            )
        try:
            try:
                response = view_method(self, request, *args, **kwargs)
            except Exception as exc:
                response = self.handle_exception(exc)  # re-raises what it cannot answer
        except BaseException:
            # No answer to keep (a bug, or the worker being stopped): let a retry run.
            release_idempotency_key(record=claim.record)
            raise
        store_idempotent_response(
            record=claim.record, status=response.status_code, body=response.data
        )
        return response

    return wrapper
