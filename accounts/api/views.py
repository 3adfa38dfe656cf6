"""Authentication, profile, API key and session endpoints (input → service → output)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from accounts.api import serializers as s
from accounts.models import ApiKey, User
from accounts.selectors import api_keys_of, sessions_of
from accounts.services import api_auth, api_keys, sessions, users

REGISTERED_MESSAGE = "Check your inbox: follow the link we sent to confirm your email address."


class AuthEndpoint(APIView):
    """Anonymous endpoints that take credentials: their own, stricter throttle."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class LoginView(AuthEndpoint):
    @extend_schema(request=s.LoginInput, responses={200: s.LoginOutput}, operation_id="auth_login")
    def post(self, request: Request) -> Response:
        data = s.LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        pair = api_auth.login(
            request=request._request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            otp_code=data.validated_data.get("otp_code", ""),
        )
        body = {
            "access": pair.access,
            "refresh": pair.refresh,
            "user": s.UserOutput(pair.user).data,
        }
        return Response(body)


class RefreshView(TokenRefreshView):
    """Rotate: a new pair for a valid refresh token; the old refresh token is blacklisted."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class LogoutView(AuthEndpoint):
    @extend_schema(request=s.RefreshInput, responses={204: None}, operation_id="auth_logout")
    def post(self, request: Request) -> Response:
        data = s.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        api_auth.logout(refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegisterView(AuthEndpoint):
    @extend_schema(request=s.RegisterInput, responses={202: None}, operation_id="auth_register")
    def post(self, request: Request) -> Response:
        """Same answer whether or not the address is taken, so it cannot probe accounts."""
        data = s.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"]
        try:
            users.register_user(
                request=request._request,
                email=email,
                password=data.validated_data["password"],
                full_name=data.validated_data.get("full_name", ""),
            )
        except users.EmailTaken:
            get_adapter(request._request).send_account_already_exists_mail(email)
        return Response(
            {"code": "verification_sent", "message": REGISTERED_MESSAGE},
            status=status.HTTP_202_ACCEPTED,
        )


class MeView(APIView):
    @extend_schema(responses={200: s.UserOutput}, operation_id="me")
    def get(self, request: Request) -> Response:
        user = User.objects.prefetch_related("groups").get(pk=request.user.pk or 0)
        return Response(s.UserOutput(user).data)


class ApiKeyListView(APIView):
    api_key_allowed = False

    @extend_schema(responses={200: s.ApiKeyOutput(many=True)}, operation_id="api_keys_list")
    def get(self, request: Request) -> Response:
        keys = api_keys_of(user=request.user)  # type: ignore[arg-type]
        return Response(s.ApiKeyOutput(keys, many=True).data)

    @extend_schema(
        request=s.ApiKeyInput,
        responses={201: s.ApiKeyCreatedOutput},
        operation_id="api_keys_create",
    )
    def post(self, request: Request) -> Response:
        data = s.ApiKeyInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = api_keys.create_api_key(
            user=request.user,  # type: ignore[arg-type]
            name=data.validated_data["name"],
            scopes=data.validated_data["scopes"],
            expires_at=data.validated_data.get("expires_at"),
            allowed_ips=data.validated_data.get("allowed_ips", []),
        )
        body = s.ApiKeyCreatedOutput(issued.api_key, context={"plaintext": issued.plaintext}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyDetailView(APIView):
    api_key_allowed = False

    @extend_schema(responses={200: s.ApiKeyOutput}, operation_id="api_keys_retrieve")
    def get(self, request: Request, key_id: int) -> Response:
        api_key = api_keys_of(user=request.user).filter(pk=key_id).first()  # type: ignore[arg-type]
        if api_key is None:
            raise ApiKey.DoesNotExist
        return Response(s.ApiKeyOutput(api_key).data)

    @extend_schema(responses={204: None}, operation_id="api_keys_revoke")
    def delete(self, request: Request, key_id: int) -> Response:
        api_keys.revoke_api_key(user=request.user, key_id=key_id)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionListView(APIView):
    api_key_allowed = False

    @extend_schema(responses={200: s.SessionOutput(many=True)}, operation_id="sessions_list")
    def get(self, request: Request) -> Response:
        rows = sessions_of(user=request.user)  # type: ignore[arg-type]
        context = {"session_key": request._request.session.session_key}
        return Response(s.SessionOutput(rows, many=True, context=context).data)


class SessionDetailView(APIView):
    api_key_allowed = False

    @extend_schema(responses={204: None}, operation_id="sessions_end")
    def delete(self, request: Request, session_id: int) -> Response:
        sessions.end_session(user=request.user, session_id=session_id)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
