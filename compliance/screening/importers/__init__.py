"""The lists' published formats, one module per source; each parser is pure (files in,
`ParsedList` out) and `parse_watchlist()` picks the one for a source.

`records` is what they all yield, `dates` / `chains` / `text` the shared normalisation
(dates of birth, wallet addresses, decoding); country names become ISO codes through
`compliance.countries`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from compliance.models import WatchlistSource
from compliance.screening.importers import eu, ofac, pep, uk, un
from compliance.screening.importers.records import ParsedList, WatchlistFileError

Parser = Callable[[str, list[Path]], ParsedList]

PARSERS: dict[str, Parser] = {
    WatchlistSource.OFAC_SDN: ofac.parse,
    WatchlistSource.OFAC_CONS: ofac.parse,
    WatchlistSource.UN: un.parse,
    WatchlistSource.EU: eu.parse,
    WatchlistSource.UK: uk.parse,
    WatchlistSource.PEP: pep.parse,
}


def parse_watchlist(source: str, paths: list[Path]) -> ParsedList:
    """Parse one list's files; WatchlistFileError when a file is missing or unreadable."""
    parser = PARSERS.get(source)
    if parser is None:
        raise WatchlistFileError(f"unknown watchlist source {source!r}")
    if not paths:
        raise WatchlistFileError("no files given")
    for path in paths:
        if not path.is_file():
            raise WatchlistFileError(f"cannot read {path}: no such file")
    return parser(source, paths)


__all__ = ["PARSERS", "ParsedList", "WatchlistFileError", "parse_watchlist"]
