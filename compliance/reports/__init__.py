"""Regulatory reports: the periodic compliance report and suspicious-activity report drafts.

`periodic.build_periodic_report` and `sar.build_sar` compute a report's data (plain JSON);
`services.generate_report` stores it as a `ComplianceReport`; `exports` and `pdf` turn a stored
report into CSV, JSON, printable HTML and PDF. docs/compliance-reports.md describes them.
"""
