from __future__ import annotations

from django.contrib import admin

from compliance.models import AuditEvent
from cryptopulse.admin import ReadOnlyAdminMixin

# AuditStreamHead is not registered: it is bookkeeping for writers (one lock row per stream)
# that officers have no use for, and verify_audit_chain already checks it against the events.


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: staff with the view permission may look; nobody adds, edits or deletes."""

    list_display = (
        "occurred_at",
        "action",
        "actor_repr",
        "target_repr",
        "ip",
        "request_id",
        "stream",
        "seq",
    )
    list_filter = ("action", "actor_kind", "occurred_at")
    date_hierarchy = "occurred_at"
    # request_id is matched exactly: ids are opaque, a substring of one means nothing.
    search_fields = ("actor_repr", "target_repr", "=request_id")
    ordering = ("-id",)
    # The list shows only copied columns (actor_repr, target_repr), so it needs no join; the
    # change view follows the FKs for one row. A query-count test keeps the list flat.
    list_select_related = False
    # Counting the whole table for "N total" is a full scan once the trail is large.
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("occurred_at", "action", "data")}),
        (
            "Actor",
            {
                "fields": (
                    "actor_kind",
                    "actor_repr",
                    ("actor_user", "actor_user_ref"),
                    ("actor_api_key", "actor_api_key_ref"),
                )
            },
        ),
        ("Target", {"fields": ("target_repr", "target_ct", "target_id")}),
        ("Client", {"fields": ("ip", "user_agent", "request_id")}),
        ("Chain", {"fields": ("stream", "seq", "prev_hash", "hash")}),
    )
