from typing import Any

from django.core.management.base import BaseCommand, CommandError

from papertrading.models import PaperBalance
from papertrading.services import check_ledgers


class Command(BaseCommand):
    help = "Prove that every paper balance equals the sum of its ledger entries (exit 1 if not)."

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = check_ledgers()
        for m in mismatches:
            self.stderr.write(
                f"account {m.account_id} {m.asset} {m.bucket}: balance {m.balance} "
                f"!= ledger sum {m.ledger_sum}"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} balance(s) disagree with their ledger")
        self.stdout.write(f"ledgers consistent: {PaperBalance.objects.count()} balances checked")
