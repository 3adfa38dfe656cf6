import csv
import io
import json

import pytest

from compliance.models import CaseNote, ComplianceProfile, ReportType, WalletAddress
from compliance.reports import exports
from compliance.reports.pdf import pdf_text, render_pdf
from compliance.reports.services import generate_report
from tests.compliance.reports import builders as b
from tests.compliance.reports.pdf_text import page_count, pdf_strings
from tests.factories import UserFactory


@pytest.fixture
def periodic_report(periodic_scenario):
    return generate_report(
        officer=periodic_scenario.officer,
        type=ReportType.PERIODIC,
        start=b.PERIOD_START,
        end=b.PERIOD_END,
    )


@pytest.fixture
def sar_report(db):
    subject = UserFactory.create(email="zoe@example.com")
    b.kyc(
        subject,
        status="approved",
        submitted_at=b.at(1),
        decided_at=b.at(2),
        legal_name="Zoë Ångström-Łukasz",
        id_document_type="national_id",
        id_document_number="ID-998877",
    )
    case = b.case(subject, kind="monitoring", opened_at=b.at(10), title="Rapid in and out")
    filled = b.order(
        subject,
        live=b.connection(subject),
        created_at=b.at(9),
        fills=[("25000", "0.4", b.at(9, 1))],
        key="o1",
    )
    b.alert(
        subject,
        "large_trade",
        created_at=b.at(9, 2),
        case=case,
        facts={"order_id": filled.pk, "usd_value": "10000"},
        key="sar-a1",
    )
    officer = b.officer(email="reporting.officer@example.com")
    CaseNote.objects.create(case=case, author=officer, text="Funds left within the hour.")
    ComplianceProfile.objects.create(
        user=subject,
        risk_score=40,
        risk_level="medium",
        risk_reasons=[{"points": 25, "reason": "Open screening matches (1)"}, "legacy reason"],
    )
    WalletAddress.objects.create(user=subject, chain="XBT", address="1DemoListed", listed=True)
    b.screening_match(
        subject,
        b.watchlist_entry("un", "QDi.9", "ANGSTROM, Zoe"),
        created_at=b.at(9, 3),
        case=case,
        explanation={"name": "token set 0.91", "dob": "unknown"},
    )
    return generate_report(
        officer=officer,
        type=ReportType.SAR,
        case_id=case.pk,
        narrative="Deposit of 10,000 USDT traded and withdrawn within one hour (=fast).",
    )


def _csv_blocks(text: str) -> dict[str, list[list[str]]]:
    """The CSV's blocks by title: rows after the title, up to the empty row."""
    blocks: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = None
        elif current is None:
            current = blocks.setdefault(row[0], [])
        else:
            current.append(row)
    return blocks


def test_the_periodic_csv_is_titled_blocks_of_rows(periodic_report):
    # when
    blocks = _csv_blocks(exports.render_csv(periodic_report))
    # then
    assert list(blocks) == [
        "Report",
        "KYC submissions by level (submitted in the period; status now)",
        "Screening hits by list (matches created in the period; status now)",
        "Alerts by rule (raised in the period)",
        "Alerts by rule and the status of their case",
        "Cases opened in the period",
        "Cases closed in the period, by outcome",
        "Time to decision in hours (decisions made in the period)",
        "Trading freezes applied in the period",
        "Freeze requests raised in the period (four eyes; status now)",
    ]
    kyc = blocks["KYC submissions by level (submitted in the period; status now)"]
    assert kyc[0] == [
        "Level",
        "Submitted",
        "Pending",
        "Approved",
        "Rejected",
        "Resubmission requested",
        "Expired",
    ]
    assert kyc[1] == ["Level 1", "6", "1", "2", "1", "1", "1"]
    assert kyc[-1] == ["Total", "7", "1", "3", "1", "1", "1"]
    times = blocks["Time to decision in hours (decisions made in the period)"]
    assert ["KYC", "All levels", "6", "3.00", "8.00", "10.00"] in times
    assert ["KYC", "Level 3", "0", "", "", ""] in times  # no decisions: empty cells
    assert ["Cases", "All kinds", "3", "5.00", "97.00", "120.00"] in times
    assert blocks["Trading freezes applied in the period"] == [["Frozen", "2"], ["Unfrozen", "1"]]
    assert ["Period", "2025-03-01 00:00 UTC to 2025-04-01 00:00 UTC (end excluded)"] in blocks[
        "Report"
    ]


def test_csv_cells_a_spreadsheet_would_run_are_defused(periodic_scenario):
    # given: an officer renamed a rule to something formula-like
    rule = b.rule("large_trade")
    rule.name = '=HYPERLINK("http://evil")'
    rule.save(update_fields=["name"])
    report = generate_report(
        officer=periodic_scenario.officer,
        type="periodic",
        start=b.PERIOD_START,
        end=b.PERIOD_END,
    )
    # when
    text = exports.render_csv(report)
    # then
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text
    assert ",=HYPERLINK" not in text


def test_a_sar_has_no_csv(sar_report):
    with pytest.raises(ValueError, match="only periodic"):
        exports.render_csv(sar_report)


def test_the_json_export_is_the_data_with_its_metadata(periodic_report, sar_report):
    # when
    periodic = json.loads(exports.render_json(periodic_report))
    sar = json.loads(exports.render_json(sar_report))
    # then
    assert periodic["data"] == periodic_report.data
    assert periodic["type"] == "periodic"
    assert periodic["period_start"] == "2025-03-01T00:00:00+00:00"
    assert periodic["generated_by"] == "first.officer@example.com"
    assert sar["narrative"].startswith("Deposit of 10,000 USDT")
    assert sar["case_id"] == sar_report.case_id
    assert sar["data"]["subject"]["identity"]["legal_name"] == "Zoë Ångström-Łukasz"


def test_the_periodic_pdf_is_a_multi_section_document_with_the_key_figures(periodic_report):
    # when
    pdf = render_pdf(periodic_report)
    # then
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    strings = pdf_strings(pdf)
    for heading in (
        f"Periodic compliance report #{periodic_report.pk}",
        "KYC submissions by level (submitted in the period; status now)",
        "Screening hits by list (matches created in the period; status now)",
        "Alerts by rule (raised in the period)",
        "Cases closed in the period, by outcome",
        "Time to decision in hours (decisions made in the period)",
        "Trading freezes applied in the period",
    ):
        assert heading in strings
    # the time-to-decision row of KYC: decisions, median, p90, max in hours
    row = strings.index("All levels")
    assert strings[row + 1 : row + 5] == ["6", "3.00", "8.00", "10.00"]
    cases_row = strings.index("All kinds")
    assert strings[cases_row + 1 : cases_row + 5] == ["3", "5.00", "97.00", "120.00"]
    assert "2025-03-01 00:00 UTC to 2025-04-01 00:00 UTC (end excluded)" in strings
    assert "Page 1" in strings


def test_the_same_report_renders_to_the_same_pdf_bytes(periodic_report):
    assert render_pdf(periodic_report) == render_pdf(periodic_report)


def test_the_sar_pdf_has_the_subject_facts_transactions_and_narrative(sar_report):
    # when
    pdf = render_pdf(sar_report)
    strings = pdf_strings(pdf)
    text = "\n".join(strings)
    # then
    assert f"Suspicious activity report (draft) #{sar_report.pk}" in text
    # Latin-1 letters drawn as they are, the rest transliterated (Ł -> L)
    assert "Zoë Ångström-Lukasz" in strings
    assert "ID-998877" in strings
    assert "Funds left within the hour." in text
    assert "Officer's narrative" in strings
    assert "(=fast)." in text
    # the transaction: 0.4 BTC at 25000 is 10000 USD
    side = strings.index("buy")
    assert strings[side + 1 : side + 4] == ["0.4", "25000", "10000"]
    assert page_count(pdf) >= 1


def test_long_reports_break_over_pages(sar_report):
    # given: a narrative of many paragraphs
    sar_report.narrative = "\n".join(f"Paragraph {n}: the subject moved funds." for n in range(200))
    # when
    pdf = render_pdf(sar_report)
    # then
    assert page_count(pdf) > 1
    assert "Paragraph 199: the subject moved funds." in pdf_strings(pdf)


def test_pdf_text_keeps_windows_1252_and_transliterates_the_rest():
    kept = "Müller \N{EN DASH} \N{LEFT DOUBLE QUOTATION MARK}quoted\N{RIGHT DOUBLE QUOTATION MARK}"
    assert pdf_text(kept) == kept
    assert pdf_text("Пётр <b>") == "Petr &lt;b&gt;"


def test_the_printable_page_has_the_blocks_and_print_css(periodic_report):
    # when
    html = exports.render_html(periodic_report)
    # then
    assert f"<h1>Periodic compliance report #{periodic_report.pk}</h1>" in html
    assert "<h2>Time to decision in hours (decisions made in the period)</h2>" in html
    assert '<td class="num">97.00</td>' in html
    assert "css/compliance-report.css" in html


def test_the_print_stylesheet_sets_the_page_and_hides_the_button():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[3] / "static/css/compliance-report.css").read_text()
    assert "@page" in css
    assert "@media print" in css
    assert ".screen-only { display: none; }" in css


def test_the_printable_sar_escapes_what_people_wrote(sar_report):
    # given
    sar_report.narrative = "<script>alert(1)</script>\nSecond line"
    # when
    html = exports.render_html(sar_report)
    # then
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in html


def test_the_printable_sar_shows_risk_reasons_wallets_and_why_a_match_scored(sar_report):
    # when
    html = exports.render_html(sar_report)
    # then
    assert "Open screening matches (1) (+25); legacy reason" in html
    assert "<h2>Wallet addresses found on a list</h2>" in html
    assert "1DemoListed" in html
    assert "dob: unknown; name: token set 0.91" in html  # jsonb orders keys by length
    assert "ANGSTROM, Zoe" in html
