"""KYC's domain errors: a 400 that may name several fields, a 409 for a submission in the
wrong state, a 403 for someone who may not decide."""

from __future__ import annotations

from collections.abc import Mapping

from cryptopulse.errors import ApplicationError


class KycInvalid(ApplicationError):
    """Input the KYC services refuse (400); `errors` holds every field's messages.

    `field`/`message` are the first error, so code that shows one error still works; the
    pages and the API show them all.
    """

    def __init__(self, errors: Mapping[str, list[str]], code: str = "invalid") -> None:
        first_field, messages = next(iter(errors.items()))
        super().__init__(code, messages[0], None if first_field == "__all__" else first_field)
        self.errors = {field: list(items) for field, items in errors.items()}


class SubmissionClosed(ApplicationError):
    """The submission is not in a state that allows this (409)."""

    status = 409


class NotAnOfficer(ApplicationError):
    """Only compliance officers decide on submissions (403)."""

    status = 403

    def __init__(self, message: str = "Only compliance officers decide on KYC.") -> None:
        super().__init__("not_officer", message)


def invalid(field: str, message: str, code: str = "invalid") -> KycInvalid:
    return KycInvalid({field: [message]}, code=code)
