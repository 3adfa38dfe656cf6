"""Reading the text back out of our uncompressed reportlab PDFs, for the tests.

reportlab draws every string with a literal string and `Tj`; with page compression off the
content streams are plain, so a regular expression finds them. This is not a PDF parser: it
reads what `compliance.reports.pdf` writes, nothing more.
"""

from __future__ import annotations

import re

_STRING_TJ = re.compile(rb"\(((?:\\.|[^\\()])*)\)\s*Tj", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.DOTALL)


def _unescape(raw: bytes) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        token = match.group(1)
        if token[:1].isdigit():
            return bytes([int(token, 8)])
        return _ESCAPES.get(token, token)

    return _ESCAPE.sub(replace, raw)


def pdf_strings(pdf: bytes) -> list[str]:
    """Every string drawn, in drawing order (standard fonts: Windows-1252)."""
    return [_unescape(raw).decode("cp1252") for raw in _STRING_TJ.findall(pdf)]


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))
