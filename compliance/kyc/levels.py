"""What each KYC level asks for, and what it unlocks. Level 0 is a verified email address:
market data, paper and testnet trading; live trading starts at level 1."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.models import DocumentKind

LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Level:
    number: int
    title: str
    summary: str
    fields: tuple[str, ...]  # required submission fields
    documents: tuple[DocumentKind, ...]  # required documents
    optional_documents: tuple[DocumentKind, ...] = ()
    optional_fields: tuple[str, ...] = ()

    @property
    def accepted_documents(self) -> tuple[DocumentKind, ...]:
        return self.documents + self.optional_documents

    @property
    def all_fields(self) -> tuple[str, ...]:
        return self.fields + self.optional_fields


IDENTITY_FIELDS = (
    "legal_name",
    "date_of_birth",
    "nationality",
    "residence_country",
    "address_line",
    "city",
    "id_document_type",
    "id_document_number",
    "id_document_expiry",
)

LEVEL_RULES: dict[int, Level] = {
    1: Level(
        1,
        "Identity",
        "Your legal name, date of birth, nationality, address and a government ID document.",
        fields=IDENTITY_FIELDS,
        optional_fields=("postal_code",),
        documents=(DocumentKind.ID_DOCUMENT,),
        optional_documents=(DocumentKind.ID_DOCUMENT_BACK,),
    ),
    2: Level(
        2,
        "Address and selfie",
        "A recent proof of address (a utility bill or bank statement) and a selfie.",
        fields=(),
        documents=(DocumentKind.PROOF_OF_ADDRESS, DocumentKind.SELFIE),
    ),
    3: Level(
        3,
        "Enhanced due diligence",
        "Where the money you trade comes from (source of funds) and how you built your wealth, "
        "with a document that shows it.",
        fields=("source_of_funds", "source_of_wealth"),
        documents=(DocumentKind.SOURCE_OF_FUNDS,),
    ),
}

# Every field a draft may carry, whatever its level.
SUBMISSION_FIELDS = frozenset(field for rule in LEVEL_RULES.values() for field in rule.all_fields)

# The youngest a user may be (identity level).
MINIMUM_AGE_YEARS = 18
# Free text of the enhanced due diligence level must say something.
MIN_DECLARATION_CHARS = 20


def level_rule(level: int) -> Level:
    rule = LEVEL_RULES.get(level)
    if rule is None:
        raise KeyError(level)
    return rule
