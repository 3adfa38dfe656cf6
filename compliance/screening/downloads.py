"""The scheduled download of the lists from the authorities' URLs (settings.WATCHLIST_DOWNLOADS).

Off by default. Each source's URLs are fetched into one temporary directory (file names
from the URL, so OFAC's SDN.CSV / ALT.CSV / ADD.CSV / SDN_COMMENTS.CSV keep the names their
roles are recognised by) and imported as one version with `import_watchlist`. A source that
fails to download or parse is reported and does not stop the others; an unchanged list
imports as a version with nothing added, so running twice has the effect of once.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from compliance.models import WatchlistSource
from compliance.screening.importers.records import WatchlistFileError
from compliance.screening.watchlists import import_watchlist

logger = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_CHUNK = 1024 * 1024


class DownloadFailed(Exception):
    """A list file could not be fetched (network, HTTP status, size)."""


def download_watchlists(*, sources: list[str] | None = None) -> list[dict[str, Any]]:
    """Download and import every configured source (or the given ones); one result each:
    {"source", "status": "imported" | "failed", and the version's counts or the error}."""
    config = settings.WATCHLIST_DOWNLOADS
    results = []
    for source in sources or list(WatchlistSource.values):
        urls = config["urls"].get(source) or []
        if urls:
            results.append(_download_and_import(source, urls, config))
    return results


def _download_and_import(source: str, urls: list[str], config: dict[str, Any]) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix=f"watchlist-{source}-"))
    try:
        paths = [
            fetch(url, directory / _file_name(url, number), config)
            for number, url in enumerate(urls, start=1)
        ]
        version = import_watchlist(source=source, paths=paths)
    except (DownloadFailed, WatchlistFileError) as error:
        logger.warning("watchlist download failed", extra={"source": source, "error": str(error)})
        return {"source": source, "status": "failed", "error": str(error)}
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return {
        "source": source,
        "status": "imported",
        "version": version.version,
        "version_id": version.pk,
        "entries": version.entries,
        "added": version.added,
        "removed": version.removed,
        "changed": version.changed,
        "skipped": version.skipped,
    }


def _file_name(url: str, number: int) -> str:
    name = _SAFE_NAME.sub("_", Path(urlsplit(url).path).name).strip("._")
    return name or f"file-{number}"


def fetch(url: str, target: Path, config: dict[str, Any]) -> Path:
    """Stream `url` to `target` (at most config["max_bytes"]); DownloadFailed otherwise."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadFailed(f"{url}: only http(s) URLs are fetched")
    headers = {"User-Agent": "CryptoPulse watchlist sync"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (scheme checked)
    limit, timeout = config["max_bytes"], config["timeout_seconds"]
    try:
        with (
            urllib.request.urlopen(request, timeout=timeout) as response,  # noqa: S310
            target.open("wb") as output,
        ):
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise DownloadFailed(f"{url}: larger than {limit} bytes")
                output.write(chunk)
    except urllib.error.HTTPError as error:
        raise DownloadFailed(f"{url}: HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise DownloadFailed(f"{url}: {getattr(error, 'reason', error)}") from error
    return target
