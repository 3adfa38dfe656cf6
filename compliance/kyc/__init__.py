"""KYC: levels 1-3 of identity checks, their documents, review and expiry, and the limits
they set on live trading (docs/kyc.md).

- `levels`: what each level asks for; `limits`: its trading limits and a user's usage;
- `services`: a submission's lifecycle (save_draft -> submit -> decide) and the user's level;
- `documents`: uploads checked by content, kept in private storage, served through a check;
- `expiry`: the daily job that lapses approvals and warns users before;
- `pretrade`: the checks every live order passes (registered from ComplianceConfig.ready).
"""
