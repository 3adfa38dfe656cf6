"""Private file storage: KYC documents and case attachments, never under a public URL."""

from __future__ import annotations

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """The `private` storage from settings.STORAGES (a callable, so tests can point it away)."""
    return storages["private"]
