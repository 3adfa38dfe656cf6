"""The KYC page's forms: one per level, fields and uploads; an officer's decision.

The forms only collect input: the KYC services validate it (formats, completeness, the
documents' content) and the views put their errors on the fields, so the page and the API
give the same answers.
"""

from __future__ import annotations

from typing import Any

from django import forms

from compliance.countries import COUNTRY_NAMES
from compliance.kyc.levels import Level
from compliance.kyc.services import KycDecision
from compliance.models import DocumentKind, IdDocumentType

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
_COUNTRIES = [("", "Choose a country"), *sorted(COUNTRY_NAMES.items(), key=lambda item: item[1])]
_LABELS = {
    "legal_name": "Legal name (as on your ID document)",
    "date_of_birth": "Date of birth",
    "nationality": "Nationality",
    "residence_country": "Country of residence",
    "address_line": "Street address",
    "city": "City",
    "postal_code": "Postal code",
    "id_document_type": "ID document type",
    "id_document_number": "ID document number",
    "id_document_expiry": "ID document expiry date",
    "source_of_funds": "Source of funds: where the money you trade comes from",
    "source_of_wealth": "Source of wealth: how you built your overall wealth",
}


class _Lenient(forms.ChoiceField):
    """A select whose value the KYC service judges (a country name or code, a type)."""

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


def _field(name: str, required: bool) -> forms.Field:
    label = _LABELS[name]
    if name in ("nationality", "residence_country"):
        return _Lenient(label=label, choices=_COUNTRIES, required=False)
    if name == "id_document_type":
        choices = [("", "Choose a document"), *IdDocumentType.choices]
        return _Lenient(label=label, choices=choices, required=False)
    if name in ("date_of_birth", "id_document_expiry"):
        # Text in, as YYYY-MM-DD (what <input type=date> sends); the service parses it.
        return forms.CharField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if name in ("source_of_funds", "source_of_wealth"):
        return forms.CharField(label=label, required=False, widget=forms.Textarea({"rows": 4}))
    help_text = "" if required else "Optional"
    return forms.CharField(label=label, required=False, help_text=help_text)


class KycLevelForm(forms.Form):
    """A level's fields (prefilled from the open submission) and one upload per document."""

    def __init__(self, level: Level, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.level = level
        for name in level.all_fields:
            self.fields[name] = _field(name, required=name in level.fields)
        for kind in level.accepted_documents:
            optional = kind not in level.documents
            self.fields[kind.value] = forms.FileField(
                label=DocumentKind(kind).label + (" (optional)" if optional else ""),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
                help_text="PDF, JPEG or PNG, at most 10 MiB",
            )

    def submission_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.level.all_fields}

    def uploads(self) -> dict[str, Any]:
        return {
            kind.value: self.cleaned_data[kind.value]
            for kind in self.level.accepted_documents
            if self.cleaned_data.get(kind.value)
        }


class DecisionForm(forms.Form):
    """The officer's decision with the reasons the user will read."""

    decision = forms.ChoiceField(choices=KycDecision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text="Shown to the user. Required to reject or to ask for a resubmission.",
    )
