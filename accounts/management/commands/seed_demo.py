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
        # The trader gets a connection to the loopback exchange's demo account, whose key the
        # simulator process reads from the same file under .run/.
        from trading.exchanges.simulator.__main__ import default_credentials_file, demo_credentials
        from trading.services.connections import ensure_demo_connection

        api_key, secret, _ = demo_credentials(default_credentials_file())
        connection = ensure_demo_connection(user=users[0], api_key=api_key, secret=secret)
        self.stdout.write(f"demo connection: {connection.label} for {users[0].email}")
        from papertrading.services import default_account

        account = default_account(user=users[0])
        self.stdout.write(f"demo paper account: {account.name} for {users[0].email}")
        from trading.services.bots import ensure_demo_bot

        bot = ensure_demo_bot(user=users[0], account=account)
        self.stdout.write(f"demo bot: {bot.name} on {account.name}")
        # Compliance: a second officer (four eyes), a trader with level-1 KYC pending review,
        # and a screening case and a monitoring case assigned to the demo officer.
        from compliance.demo import seed_demo_compliance

        demo = seed_demo_compliance(password=settings.DEMO_PASSWORD, officer=users[1])
        self.stdout.write(
            f"demo compliance: {demo.second_officer.email} (officer), {demo.applicant.email} "
            f"(KYC level 1 pending), cases #{demo.screening_case.pk} and "
            f"#{demo.monitoring_case.pk} assigned to {users[1].email}"
        )
