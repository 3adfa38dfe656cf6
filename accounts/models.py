"""Identity: one user base for traders, compliance officers and administrators."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from compliance.encoders import AuditJSONEncoder


class UserManager(DjangoUserManager["User"]):
    """Creates users keyed by email; there is no username."""

    def _create_user_by_email(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user_by_email(email, password, **extra_fields)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user_by_email(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an email address (unique, stored lower-case).

    `full_name` is the name the person goes by, optional, asked at sign-up and editable on
    the profile page; it is screened against the sanctions lists until a KYC identity
    (compliance) gives the legal name."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField("full name", max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ("email",)

    def __str__(self) -> str:
        return self.email


class ApiKeyScope(models.TextChoices):
    """What a personal API key may do. There is deliberately no withdraw scope."""

    READ = "read", "Read"
    TRADE = "trade", "Trade"


class ApiKey(models.Model):
    """A personal API key: `cp_<prefix>_<secret>`, shown once, stored as a SHA-256 digest.

    The secret is 256 random bits, so a fast digest is safe (no guessing to slow down), and
    the prefix finds the row without scanning. A key is usable while not revoked, not
    expired, and (with an allow-list) only from the listed addresses or networks.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=10, choices=ApiKeyScope.choices))
    allowed_ips = ArrayField(models.CharField(max_length=64), blank=True, default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["user", "revoked_at"], name="apikey_user_active")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scopes__contained_by=[s.value for s in ApiKeyScope])
                & ~models.Q(scopes=[]),
                name="apikey_known_scopes",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (cp_{self.prefix}…)"


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class IdempotentRequest(models.Model):
    """One `Idempotency-Key` of one user: the request it was first used for, and its answer.

    At most one row per (user, key). While `in_progress` the first request is still running
    (a repeat gets 409); once `done` it holds the status and body every repeat with the same
    fingerprint (sha256 of method, path and raw body) is answered with. A row past
    `expires_at` counts as absent: it is replaced by the next use of its key and purged.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="idempotent_requests")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(
        max_length=11, choices=IdempotencyState.choices, default=IdempotencyState.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # Decimals stay exact strings, as in the audit trail; null for an empty body (204).
    response_body = models.JSONField(null=True, blank=True, encoder=AuditJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_user_key"),
            models.CheckConstraint(
                condition=models.Q(state=IdempotencyState.IN_PROGRESS)
                | models.Q(response_status__isnull=False),
                name="idempotent_request_done_has_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
