"""Where the real list files are, and builders for small files in the lists' layouts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from compliance.screening.watchlists import import_watchlist

# The real files live next to the repository (never copied into it): ../shared/data/sanctions.
SANCTIONS = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "sanctions"
SDN_FILES = ("ofac_sdn.csv", "ofac_alt.csv", "ofac_add.csv", "ofac_sdn_comments.csv")
CONS_FILES = (
    "ofac_cons_prim.csv",
    "ofac_cons_alt.csv",
    "ofac_cons_add.csv",
    "ofac_cons_comments.csv",
)
UN_FILE = "un_consolidated.xml"

needs_real_lists = pytest.mark.skipif(
    not (SANCTIONS / "ofac_sdn.csv").is_file(),
    reason=f"the real sanctions files are not in {SANCTIONS} (see its README)",
)


def real(*names: str) -> list[Path]:
    return [SANCTIONS / name for name in names]


def ofac_rows(name: str) -> list[list[str]]:
    """A real OFAC file's rows, read plainly (the independent reading the tests compare to)."""
    text = (SANCTIONS / name).read_bytes().decode("ascii").rstrip("\x1a")
    return list(csv.reader(io.StringIO(text, newline="")))


def ofac_csv(rows: Iterable[Iterable[str]]) -> bytes:
    """Rows in OFAC's legacy layout: CRLF, `-0- ` for empty, text quoted, a 0x1A at the end."""
    lines = []
    for row in rows:
        cells = []
        for number, cell in enumerate(row):
            if cell in ("", "-0- "):
                cells.append("-0- ")
            elif number < 2 and cell.isdigit():
                cells.append(cell)
            else:
                cells.append('"' + cell.replace('"', '""') + '"')
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("ascii") + b"\x1a"


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def csv_text(header: list[str], rows: list[dict[str, str]], *, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in header})
    return out.getvalue()


def import_wallet_list(tmp_path: Path, wallets: list[tuple[str, str]], name: str = "peps.jsonl"):
    """Import a FollowTheMoney list with one person holding `wallets` [(currency, address)]."""
    lines = [{"id": "p1", "schema": "Person", "properties": {"name": ["Listed Person"]}}]
    lines += [
        {"id": f"w{n}", "schema": "CryptoWallet",
         "properties": {"publicKey": [address], "currency": [currency], "holder": ["p1"]}}
        for n, (currency, address) in enumerate(wallets)
    ]  # fmt: skip
    path = write(tmp_path / name, "\n".join(json.dumps(line) for line in lines))
    return import_watchlist(source="pep", paths=[path])
