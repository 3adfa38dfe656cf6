from __future__ import annotations

from typing import Any

from allauth.usersessions.models import UserSession
from rest_framework import serializers

from accounts.models import ApiKey, ApiKeyScope, User
from accounts.services import two_factor


class LoginInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=4096)
    otp_code = serializers.CharField(required=False, allow_blank=True, max_length=16)


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=4096)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200)


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class UserOutput(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    two_factor_enabled = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = (
            "id",
            "email",
            "full_name",
            "first_name",
            "last_name",
            "roles",
            "two_factor_enabled",
            "is_staff",
            "date_joined",
        )
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return sorted(group.name for group in user.groups.all())

    def get_two_factor_enabled(self, user: User) -> bool:
        return two_factor.is_enabled(user)


class LoginOutput(TokenPairOutput):
    user = UserOutput()


class ApiKeyInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKeyScope.choices), min_length=1, max_length=2
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    allowed_ips = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50
    )


class ApiKeyOutput(serializers.ModelSerializer):
    """A key as it may be shown at any time: never its secret (nor its hash)."""

    class Meta:
        model = ApiKey
        fields: tuple[str, ...] = (
            "id",
            "name",
            "prefix",
            "scopes",
            "allowed_ips",
            "expires_at",
            "created_at",
            "last_used_at",
            "revoked_at",
        )
        read_only_fields: tuple[str, ...] = fields


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.SerializerMethodField()

    class Meta(ApiKeyOutput.Meta):
        fields = (*ApiKeyOutput.Meta.fields, "key")
        read_only_fields: tuple[str, ...] = fields

    def get_key(self, api_key: ApiKey) -> str:
        plaintext: str = self.context["plaintext"]
        return plaintext


class SessionOutput(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = ("id", "ip", "user_agent", "created_at", "last_seen_at", "current")
        read_only_fields = fields

    def get_current(self, session: UserSession) -> bool:
        current_key: Any = self.context.get("session_key")
        return bool(current_key) and session.session_key == current_key
