"""The base of domain errors: services raise them, the API maps them to 4xx bodies."""

from __future__ import annotations


class ApplicationError(Exception):
    """A request the domain refuses: `code` for machines, `message` for people.

    `field` names the input at fault (it becomes `fields: {field: [message]}` in the API);
    `status` is the HTTP status the API answers with.
    """

    status = 400

    def __init__(
        self, code: str, message: str, field: str | None = None, *, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
