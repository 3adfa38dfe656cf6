"""Compliance pages for traders: the KYC page, its per-level forms and the documents.

Views stay thin: a form collects, `compliance.kyc.services` and `.documents` decide, and
their errors land on the form's fields. A document is served only through `kyc_document`,
to its owner or to a compliance officer (with a verified second factor); anyone else gets the
same 404 as for an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from compliance.kyc import documents as kyc_documents
from compliance.kyc import services as kyc
from compliance.kyc.errors import KycInvalid
from compliance.kyc.forms import KycLevelForm
from compliance.kyc.levels import LEVEL_RULES, LEVELS
from compliance.kyc.selectors import Overview, kyc_overview
from compliance.models import KycDocument, KycSubmission
from cryptopulse.errors import ApplicationError


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required ran first


def _forms(overview: Overview, bound: KycLevelForm | None = None) -> dict[int, KycLevelForm]:
    """A form for each level the user can work on now, prefilled from the open draft."""
    forms = {}
    for step in overview.steps:
        if bound is not None and bound.level.number == step.rule.number:
            forms[step.rule.number] = bound
        elif step.editable:
            draft = step.open
            initial = {name: getattr(draft, name) for name in step.rule.all_fields} if draft else {}
            for name in ("date_of_birth", "id_document_expiry"):
                if initial.get(name):
                    initial[name] = initial[name].isoformat()
            forms[step.rule.number] = KycLevelForm(step.rule, initial=initial)
    return forms


def _page(
    request: HttpRequest, *, bound: KycLevelForm | None = None, status: int = 200
) -> HttpResponse:
    overview = kyc_overview(user=_user(request))
    forms = _forms(overview, bound)
    context: dict[str, Any] = {
        "overview": overview,
        "steps": [(step, forms.get(step.rule.number)) for step in overview.steps],
    }
    return render(request, "compliance/kyc.html", context, status=status)


@login_required
@require_GET
def kyc_page(request: HttpRequest) -> HttpResponse:
    """Your KYC: the level, its limits and their use today, each level's step and form."""
    return _page(request)


@login_required
@require_GET
def kyc_steps(request: HttpRequest) -> HttpResponse:
    """The steps list alone, for htmx to refresh while a submission is being reviewed."""
    overview = kyc_overview(user=_user(request))
    steps = [(step, None) for step in overview.steps]
    return render(request, "compliance/_kyc_steps.html", {"overview": overview, "steps": steps})


@login_required
@require_POST
def kyc_level(request: HttpRequest, level: int) -> HttpResponse:
    """Save a level's draft (fields and uploads) and, with `action=submit`, send it."""
    if level not in LEVELS:
        raise Http404("No such KYC level")
    user = _user(request)
    form = KycLevelForm(LEVEL_RULES[level], request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, bound=form, status=400)
    try:
        submission = kyc.save_draft(user=user, level=level, **form.submission_fields())
    except ApplicationError as error:
        _add_errors(form, error)
        return _page(request, bound=form, status=_status(error))
    for kind, upload in form.uploads().items():
        try:
            kyc_documents.upload_document(
                user=user, submission_id=submission.pk, kind=kind, upload=upload
            )
        except ApplicationError as error:
            _add_errors(form, error, field=kind)
    if form.errors:
        return _page(request, bound=form, status=400)
    if request.POST.get("action") != "submit":
        messages.success(request, f"Level {level} saved as a draft. Send it when it is complete.")
        return redirect("compliance:kyc")
    try:
        kyc.submit(user=user, submission_id=submission.pk)
    except ApplicationError as error:
        _add_errors(form, error)
        return _page(request, bound=form, status=_status(error))
    messages.success(request, f"Level {level} sent for review. We will tell you the outcome here.")
    return redirect("compliance:kyc")


def _status(error: ApplicationError) -> int:
    return error.status if error.status in (400, 409) else 400


def _add_errors(form: KycLevelForm, error: ApplicationError, field: str | None = None) -> None:
    """Every message of the error on its field (or the form), keeping the page's layout."""
    errors = (
        error.errors
        if isinstance(error, KycInvalid)
        else {error.field or "__all__": [error.message]}
    )
    for name, items in errors.items():
        target = field if name == "file" and field else name
        for message in items:
            form.add_error(target if target in form.fields else None, message)


@login_required
@require_GET
def kyc_document(request: HttpRequest, document_id: int) -> FileResponse:
    """Stream one document as an attachment, with the content type detected at upload."""
    verified = getattr(request.user, "is_verified", None)
    try:
        document = kyc_documents.open_document(
            viewer=_user(request),
            document_id=document_id,
            second_factor=bool(callable(verified) and verified()),
        )
    except (KycDocument.DoesNotExist, KycSubmission.DoesNotExist) as error:
        raise Http404("No such document") from error
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=kyc_documents.download_name(document),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
