"""The request id and client of the work in progress, for logs, tasks and the audit trail.

Contextvars hold them: the middleware sets them per request, Celery's publish signal copies
the request id into the task's headers, and the worker restores it around the task, so one
id follows an action from the browser into the worker's log lines. The client (IP address
and user agent) is what the audit trail records beside each event.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from celery import signals

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# Accept a caller's id only if it looks like one: no log injection, bounded length.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


@dataclass(frozen=True)
class ClientInfo:
    """Who is on the other end of the current request."""

    ip: str | None
    user_agent: str


_client: ContextVar[ClientInfo | None] = ContextVar("client", default=None)


def get_client() -> ClientInfo | None:
    """The current request's client; None in tasks, commands and the shell."""
    return _client.get()


def set_client(value: ClientInfo | None) -> Token[ClientInfo | None]:
    return _client.set(value)


def reset_client(token: Token[ClientInfo | None]) -> None:
    _client.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(candidate: str | None) -> str:
    """The caller's id when it is well formed, otherwise a fresh one."""
    if candidate and _VALID_REQUEST_ID.match(candidate):
        return candidate
    return new_request_id()


def get_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    _request_id.reset(token)


@signals.before_task_publish.connect
def _add_request_id_header(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = get_request_id()
    if headers is not None and request_id:
        headers[TASK_HEADER] = request_id


@signals.task_prerun.connect
def _restore_request_id(task: Any = None, **_: Any) -> None:
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    # A task queued outside any request still gets an id of its own for its log lines.
    set_request_id(clean_request_id(request_id))


@signals.task_postrun.connect
def _clear_request_id(**_: Any) -> None:
    set_request_id(None)
