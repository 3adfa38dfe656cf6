"""Your KYC over the API (docs/kyc.md): GET /api/v1/kyc, POST /api/v1/kyc/submissions and
POST /api/v1/kyc/submissions/{id}/submit.

The same services as the KYC page: a POST to `submissions` saves the level's draft (fields,
and documents as multipart files named by their kind), `submit` sends it for review. Errors
name every field at fault (`fields`). Both POSTs are safe to repeat without an
Idempotency-Key: the draft is an upsert, and a second submit answers 409. API keys may read;
identity data is sent only with a signed-in token.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey, User
from compliance.kyc import documents as kyc_documents
from compliance.kyc import services as kyc
from compliance.kyc.errors import KycInvalid
from compliance.kyc.levels import SUBMISSION_FIELDS
from compliance.kyc.selectors import kyc_overview, submissions_of
from compliance.models import DocumentKind, KycDocument, KycStatus, KycSubmission


def _usd() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=38, decimal_places=2)


class LimitsOutput(serializers.Serializer):
    level = serializers.IntegerField()
    daily_usd = _usd()
    monthly_usd = _usd()


class UsageOutput(serializers.Serializer):
    today_usd = _usd()
    month_usd = _usd()


class DocumentOutput(serializers.ModelSerializer):
    class Meta:
        model = KycDocument
        fields = ("id", "kind", "content_type", "size", "sha256", "uploaded_at")


class SubmissionOutput(serializers.ModelSerializer):
    """A submission of yours with its fields, documents and the officer's reasons."""

    status = serializers.ChoiceField(choices=KycStatus.choices)
    documents = DocumentOutput(many=True, read_only=True)

    class Meta:
        model = KycSubmission
        fields = (
            "id",
            "level",
            "status",
            "reasons",
            "created_at",
            "submitted_at",
            "decided_at",
            "expires_at",
            *sorted(SUBMISSION_FIELDS),
            "documents",
        )


class KycOutput(serializers.Serializer):
    level = serializers.IntegerField(help_text="your effective KYC level (0-3)")
    trading_frozen = serializers.BooleanField(source="frozen")
    limits = LimitsOutput(allow_null=True, help_text="live limits of your level; null at 0")
    usage = UsageOutput(allow_null=True, help_text="live volume; null when it has no price")
    submissions = SubmissionOutput(many=True)


class SubmissionInput(serializers.Serializer):
    """A level's draft: any of its fields ("" clears one) and any of its documents, as
    multipart files named by kind (id_document, id_document_back, proof_of_address, selfie,
    source_of_funds). The services check the formats and, on submit, completeness."""

    level = serializers.IntegerField(min_value=1, max_value=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in sorted(SUBMISSION_FIELDS):
            self.fields[name] = serializers.CharField(
                required=False, allow_blank=True, allow_null=True, trim_whitespace=False
            )
        for kind in DocumentKind:
            self.fields[kind.value] = serializers.FileField(required=False)


class TokenToWrite(BasePermission):
    """API keys read your KYC status; sending identity data needs a signed-in token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiKey) and request.method not in SAFE_METHODS:
            raise PermissionDenied(
                "API keys cannot send KYC data; sign in with a token.", code="api_key_not_allowed"
            )
        return True


def _as_validation_error(error: KycInvalid) -> serializers.ValidationError:
    detail = {
        "non_field_errors" if field == "__all__" else field: messages
        for field, messages in error.errors.items()
    }
    return serializers.ValidationError(detail, code=error.code)


def _submission(user: User, submission_id: int) -> Response:
    row = submissions_of(user).get(pk=submission_id)
    return Response(SubmissionOutput(row).data)


class KycView(APIView):
    """Your KYC level, its live trading limits and their use, and your submissions."""

    permission_classes = [*APIView.permission_classes, TokenToWrite]

    @extend_schema(responses={200: KycOutput}, operation_id="kyc_retrieve")
    def get(self, request: Request) -> Response:
        return Response(KycOutput(kyc_overview(user=request.user)).data)  # type: ignore[arg-type]


class SubmissionsView(APIView):
    permission_classes = [*APIView.permission_classes, TokenToWrite]
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": SubmissionInput, "application/json": SubmissionInput},
        responses={200: SubmissionOutput},
        operation_id="kyc_submissions_save",
        description="Save the draft of a level (created when there is none) and its documents.",
    )
    def post(self, request: Request) -> Response:
        data = SubmissionInput(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        values = dict(data.validated_data)
        level = values.pop("level")
        uploads = {
            kind.value: values.pop(kind.value) for kind in DocumentKind if kind.value in values
        }
        try:
            submission = kyc.save_draft(user=user, level=level, **values)
            errors: dict[str, list[str]] = {}
            for kind, upload in uploads.items():
                try:
                    kyc_documents.upload_document(
                        user=user, submission_id=submission.pk, kind=kind, upload=upload
                    )
                except KycInvalid as error:
                    errors[kind] = [message for items in error.errors.values() for message in items]
            if errors:
                raise KycInvalid(errors, code="invalid_document")
        except KycInvalid as error:
            raise _as_validation_error(error) from error
        return _submission(user, submission.pk)


class SubmitView(APIView):
    permission_classes = [*APIView.permission_classes, TokenToWrite]

    @extend_schema(
        request=None,
        responses={200: SubmissionOutput},
        operation_id="kyc_submissions_submit",
        description=(
            "Send a draft (or a submission the officer asked to correct) for review. 400 names "
            "every missing field and document; 409 when it is pending or decided already."
        ),
    )
    def post(self, request: Request, submission_id: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        try:
            kyc.submit(user=user, submission_id=submission_id)
        except KycInvalid as error:
            raise _as_validation_error(error) from error
        return _submission(user, submission_id)
