from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import HttpRequest

from accounts.models import ApiKey, User
from accounts.services.users import record_roles_changed
from cryptopulse.admin import ReadOnlyAdminMixin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Role (group) changes made here are audited, with who made them."""
        user: User = form.instance
        before = sorted(user.groups.values_list("name", flat=True)) if change else []
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            after = sorted(user.groups.values_list("name", flat=True))
            if before != after:
                record_roles_changed(actor=request.user, user=user, old=before, new=after)  # type: ignore[arg-type]


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: keys are created and revoked by their owners; staff can see that they exist."""

    list_display = ("name", "user", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__email")
    exclude = ("key_hash",)
