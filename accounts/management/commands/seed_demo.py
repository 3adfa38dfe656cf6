from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services.users import seed_demo_users


class Command(BaseCommand):
    help = "Create the demo trader and officer (development only); password from DEMO_PASSWORD."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo users are never created in production.")
        users = seed_demo_users(password=settings.DEMO_PASSWORD)
        self.stdout.write("demo users: " + ", ".join(user.email for user in users))
