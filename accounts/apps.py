from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(**_: Any) -> None:
    """Roles follow accounts/roles.py after every migrate (permissions created first)."""
    from django.contrib.auth.management import create_permissions

    from accounts.roles import sync_roles

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    sync_roles()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401 - connects the audit receivers

        post_migrate.connect(_sync_roles_after_migrate, sender=self, dispatch_uid="accounts.roles")
