from typing import Any

from django.core.management.base import BaseCommand

from monitoring.services import sync_periodic_tasks


class Command(BaseCommand):
    help = "Write the periodic tasks declared in monitoring/periodic.py to beat's schedule."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sync_periodic_tasks()
        self.stdout.write(
            f"periodic tasks: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.removed)} removed"
        )
