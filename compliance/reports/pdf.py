"""A stored report as a PDF document (reportlab platypus), drawn from `exports.report_blocks`.

A4 landscape, one heading and one table (or paragraph) per block, tables repeating their
header row across pages, a footer with the title and page number. Built with `invariant=1`
(fixed creation date and document id) and without page compression, so the same report gives
the same bytes and its text can be read back from the file. It uses the standard PDF fonts,
which cover Windows-1252 (Latin-1 and a few more, like dashes and curly quotes): other
characters are transliterated (anyascii) in the PDF only; JSON and HTML keep the exact text.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from anyascii import anyascii
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from compliance.models import ComplianceReport
from compliance.reports import exports

PAGE = landscape(A4)
MARGIN = 15 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("ReportTitle", parent=_styles["Title"], fontSize=16, spaceAfter=4 * mm)
HEADING = ParagraphStyle(
    "ReportHeading", parent=_styles["Heading2"], fontSize=11, spaceBefore=5 * mm, spaceAfter=2 * mm
)
CELL = ParagraphStyle("ReportCell", parent=_styles["BodyText"], fontSize=8, leading=10)
NUMBER = ParagraphStyle("ReportNumber", parent=CELL, alignment=2)  # right
HEAD_CELL = ParagraphStyle("ReportHeadCell", parent=CELL, fontName="Helvetica-Bold")
NOTE = ParagraphStyle("ReportNote", parent=CELL, textColor=colors.HexColor("#555555"))
BODY = ParagraphStyle("ReportBody", parent=_styles["BodyText"], fontSize=10, leading=13)

TABLE_STYLE = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)
FACTS_STYLE = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def pdf_text(value: str) -> str:
    """Text the standard fonts can draw (Windows-1252 kept, the rest transliterated), escaped
    for reportlab's paragraph markup."""
    kept = []
    for char in value:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            char = anyascii(char)
        kept.append(char)
    return escape("".join(kept))


def _paragraph(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(pdf_text(value).replace("\n", "<br/>"), style)


def _widths(header: list[str], rows: list[list[str]]) -> list[float]:
    """Column widths across the frame, by how long each column's text runs: its longest
    cell (capped, as long text wraps) or its header's longest word (headers wrap too)."""
    weights = []
    for index, name in enumerate(header):
        longest_word = max((len(word) for word in name.split()), default=0)
        longest_cell = max((len(row[index]) for row in rows), default=0)
        weights.append(max(6, longest_word + 2, min(longest_cell, 60)))
    total = sum(weights)
    return [FRAME_WIDTH * weight / total for weight in weights]


def _table(block: exports.Table) -> list[Any]:
    flowables: list[Any] = [_paragraph(block.title, HEADING)]
    if block.rows:
        data = [[_paragraph(cell, HEAD_CELL) for cell in block.header]]
        data += [
            [
                _paragraph(cell, NUMBER if index in block.numeric else CELL)
                for index, cell in enumerate(row)
            ]
            for row in block.rows
        ]
        table = PdfTable(data, colWidths=_widths(block.header, block.rows), repeatRows=1)
        table.setStyle(TABLE_STYLE)
        flowables.append(table)
    if block.note:
        flowables += [Spacer(1, 1.5 * mm), _paragraph(block.note, NOTE)]
    return flowables


def _facts(block: exports.Facts) -> list[Any]:
    data = [[_paragraph(label, HEAD_CELL), _paragraph(value, CELL)] for label, value in block.items]
    table = PdfTable(data, colWidths=[55 * mm, FRAME_WIDTH - 55 * mm])
    table.setStyle(FACTS_STYLE)
    return [KeepTogether([_paragraph(block.title, HEADING), table])]


def render_pdf(report: ComplianceReport) -> bytes:
    """The report as PDF bytes; the same report always gives the same bytes."""
    heading = exports.title(report)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=pdf_text(heading),
        author="CryptoPulse",
        subject="Compliance report",
        creator="CryptoPulse",
        invariant=1,
        pageCompression=0,
    )
    story: list[Any] = [_paragraph(heading, TITLE)]
    for block in exports.report_blocks(report):
        if isinstance(block, exports.Table):
            story += _table(block)
        elif isinstance(block, exports.Facts):
            story += _facts(block)
        else:
            story += [
                _paragraph(block.title, HEADING),
                _paragraph(block.text or exports.DASH, BODY),
            ]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(MARGIN, 8 * mm, anyascii(f"CryptoPulse - {heading}"))
        canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
