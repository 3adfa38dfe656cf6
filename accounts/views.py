"""Pages: the second-factor login step, 2FA set-up, and the security settings page.

Thin: forms validate, services change things, selectors read.
"""

from __future__ import annotations

import segno
from allauth.account.internal.decorators import login_stage_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.forms import ApiKeyForm, CodeForm, DisableTwoFactorForm, ProfileForm
from accounts.models import ApiKey, User
from accounts.receivers import LOGIN_METHOD_SESSION_KEY
from accounts.selectors import api_keys_of, sessions_of
from accounts.services import api_keys, sessions, two_factor, users
from accounts.stages import SecondFactorStage
from compliance.selectors import security_events_for


def _safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_stage_required(stage=SecondFactorStage.key, redirect_urlname="account_login")
def second_factor(request: HttpRequest) -> HttpResponse:
    """Step two of signing in for a user with 2FA: a TOTP code or a backup code."""
    stage = request._login_stage  # type: ignore[attr-defined]
    user: User = stage.login.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = two_factor.verify_second_factor(user=user, code=form.cleaned_data["code"])
        if device is not None:
            # Survives the session-key rotation at sign-in; OTPMiddleware then marks the
            # user verified, which the admin requires.
            request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            request.session[LOGIN_METHOD_SESSION_KEY] = (
                "password+backup_code" if isinstance(device, StaticDevice) else "password+totp"
            )
            return stage.exit()
        users.record_login_failed(email=user.email, reason="invalid_second_factor")
        form.add_error("code", "That code is not valid. Try the current one or a backup code.")
    return render(request, "accounts/second_factor.html", {"form": form})


def _qr_svg(data: str) -> str:
    return segno.make(data, error="m").svg_inline(scale=5, border=2, dark="#111")


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: scan the QR code (or type the secret), confirm with a code."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request, default="/accounts/security/")
    if two_factor.is_enabled(user):
        return redirect("account_security")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.confirm_enrolment(user=user, code=form.cleaned_data["code"])
        except two_factor.TwoFactorError as error:
            form.add_error(error.field or None, error.message)
        else:
            otp_login(request, two_factor.confirmed_totp(user))
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "next_url": next_url}
            )
    enrolment = two_factor.start_enrolment(user=user)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "secret": enrolment.secret_base32,
            "qr_svg": _qr_svg(enrolment.otpauth_url),
            "next_url": next_url,
            "required_for_staff": user.is_staff,
        },
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Pass the second factor in a session that signed in before 2FA was turned on."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request, default="/")
    if not two_factor.is_enabled(user):
        return redirect("account_2fa_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = two_factor.verify_second_factor(user=user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("code", "That code is not valid.")
    return render(request, "accounts/second_factor.html", {"form": form, "next_url": next_url})


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = DisableTwoFactorForm(request.POST)
    if form.is_valid():
        try:
            two_factor.disable(
                user=request.user,  # type: ignore[arg-type]
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except two_factor.TwoFactorError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Two-factor authentication is off.")
    else:
        messages.error(request, "Enter your password and a code to turn two-factor off.")
    return redirect("account_security")


@login_required
@require_POST
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = two_factor.regenerate_backup_codes(
                user=request.user,  # type: ignore[arg-type]
                code=form.cleaned_data["code"],
            )
        except two_factor.TwoFactorError as error:
            messages.error(request, error.message)
        else:
            return render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "next_url": "/accounts/security/"},
            )
    return redirect("account_security")


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """2FA state, API keys, sessions and recent security events of the signed-in user."""
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/security.html",
        {
            "two_factor_enabled": two_factor.is_enabled(user),
            "backup_codes_left": two_factor.backup_codes_left(user),
            "api_keys": api_keys_of(user=user),
            "api_key_form": ApiKeyForm(),
            "user_sessions": sessions_of(user=user),
            "current_session_key": request.session.session_key,
            "events": security_events_for(user=user, limit=20),
            "disable_form": DisableTwoFactorForm(),
            "code_form": CodeForm(),
        },
    )


@login_required
@require_POST
def api_key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The API key was not created: " + form.errors.as_text())
        return redirect("account_security")
    expires_after = form.expires_after()
    try:
        issued = api_keys.create_api_key(
            user=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=timezone.now() + expires_after if expires_after else None,
            allowed_ips=form.allowed_ip_list(),
        )
    except api_keys.ApiKeyError as error:
        messages.error(request, error.message)
        return redirect("account_security")
    return render(request, "accounts/api_key_created.html", {"issued": issued})


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    try:
        revoked = api_keys.revoke_api_key(user=request.user, key_id=key_id)  # type: ignore[arg-type]
    except ApiKey.DoesNotExist:
        messages.error(request, "No such API key.")
    else:
        messages.success(request, f"API key {revoked.name} is revoked.")
    return redirect("account_security")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = sessions.end_other_sessions(
        user=request.user,  # type: ignore[arg-type]
        keep_session_key=request.session.session_key,
    )
    messages.success(request, f"Signed out {ended} other session(s).")
    return redirect("account_security")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own details: the name they go by (screened when it changes)."""
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name})
    if request.method == "POST" and form.is_valid():
        users.update_full_name(user=user, full_name=form.cleaned_data["full_name"])
        messages.success(request, "Your profile is saved.")
        return redirect("account_profile")
    return render(request, "accounts/profile.html", {"form": form})
