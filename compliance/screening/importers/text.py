"""Turning the lists' bytes into text, and finding wallet addresses in free text.

`decode()` never fails on bad bytes: the lists are meant to be UTF-8 (OFAC's plain ASCII),
but mirrors and old downloads come in Windows-1252, or with a stray byte. Each line is
decoded as UTF-8, else as Windows-1252 (noted in the report); bytes neither can read become
U+FFFD and are reported with their line and value. A UTF-8 BOM, the DOS end-of-file byte
(0x1A) OFAC appends, and NUL bytes (which PostgreSQL text cannot hold) are dropped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compliance.screening.importers.records import ParseContext, Record

_BOM = b"\xef\xbb\xbf"
_EOF = b"\x1a"
# "Digital Currency Address - XBT 1AbC…": the code, then the address up to a separator.
# (An address may be missing altogether: OFAC's cut can fall right after the code.)
WALLET = re.compile(r"Digital Currency Address - ([A-Za-z0-9]{2,10})\b\s*([^\s;,]*)")
_DECODING_NOTES_MAX = 200
_CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})


def decode(data: bytes, *, file: str, ctx: ParseContext) -> str:
    """The text of a file (see the module docstring for what is dropped and reported)."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    data = data.rstrip(_EOF)
    nuls = data.count(b"\x00")
    if nuls:
        ctx.decoding.append({"file": file, "note": f"{nuls} NUL bytes dropped"})
        data = data.replace(b"\x00", b"")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    return "\n".join(_decode_line(line, number, file, ctx) for number, line in enumerate(lines, 1))


def _decode_line(line: bytes, number: int, file: str, ctx: ParseContext) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = line.decode("cp1252")
    except UnicodeDecodeError:
        bad = sorted({f"0x{byte:02X}" for byte in line if byte in _CP1252_UNDEFINED})
        _note(ctx, file, number, f"undecodable bytes {', '.join(bad)} replaced by U+FFFD")
        return line.decode("cp1252", errors="replace")
    _note(ctx, file, number, "not UTF-8: decoded as Windows-1252")
    return text


def _note(ctx: ParseContext, file: str, line: int, note: str) -> None:
    if len(ctx.decoding) < _DECODING_NOTES_MAX:
        ctx.decoding.append({"file": file, "line": line, "note": note})


def clean(value: str | None) -> str:
    """Whitespace collapsed; OFAC's "-0-" empty marker is empty."""
    text = " ".join((value or "").split())
    return "" if text == "-0-" else text


def add_wallets(record: Record, text: str, ctx: ParseContext, file: str) -> None:
    """Add every "Digital Currency Address - CODE address" in `text` to the record; an
    address that is only a stump (a remark cut mid-address) is reported instead."""
    from compliance.screening.importers.chains import looks_like_address

    for code, raw in WALLET.findall(text):
        address = raw.rstrip(".")
        if looks_like_address(address):
            record.add_wallet(code, address)
        else:
            ctx.skip(
                file=file,
                ref=record.entity_ref,
                code="invalid_wallet",
                reason=f"{code} address {address!r} is too short or malformed (cut remark?)",
            )
