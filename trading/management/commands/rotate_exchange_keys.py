from typing import Any

from django.core.management.base import BaseCommand

from trading.services.connections import rotate_encryption


class Command(BaseCommand):
    help = (
        "Re-encrypt every exchange secret with the first key of FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, run this, then drop the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rotate_encryption()
        self.stdout.write(f"re-encrypted {rows} exchange connection(s) with the newest key")
