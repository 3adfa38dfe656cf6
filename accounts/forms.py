from __future__ import annotations

from datetime import timedelta

from django import forms

from accounts.models import ApiKeyScope

FULL_NAME_HELP = "Optional: the name you go by, e.g. as on your ID. You can change it later."


class SignupExtraForm(forms.Form):
    """What allauth's sign-up form asks besides email and password (ACCOUNT_SIGNUP_FORM_CLASS);
    the adapter stores it."""

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        required=False,
        help_text=FULL_NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request: object, user: object) -> None:
        """allauth calls this after saving; AccountAdapter.save_user has done the work."""


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        required=False,
        help_text=FULL_NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Authentication code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
    )


class DisableTwoFactorForm(CodeForm):
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


EXPIRY_CHOICES = [
    ("", "Never"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
]


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(
        choices=ApiKeyScope.choices, widget=forms.CheckboxSelectMultiple, initial=["read"]
    )
    expires_in_days = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False)
    allowed_ips = forms.CharField(
        required=False,
        help_text="Optional: addresses or networks, comma-separated (203.0.113.7, 10.0.0.0/8).",
    )

    def expires_after(self) -> timedelta | None:
        days = self.cleaned_data.get("expires_in_days")
        return timedelta(days=int(days)) if days else None

    def allowed_ip_list(self) -> list[str]:
        raw = self.cleaned_data.get("allowed_ips") or ""
        return [part.strip() for part in raw.split(",") if part.strip()]
