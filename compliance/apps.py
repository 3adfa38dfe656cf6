from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # Compliance's pre-trade checks (trading freeze, KYC level and limits) plug into
        # trading's registry from here: trading does not import compliance.
        from compliance.kyc import pretrade  # noqa: F401
