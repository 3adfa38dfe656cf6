"""The allauth login stage that asks for a TOTP (or backup) code when 2FA is on.

The session is not signed in until this stage passes: allauth keeps the half-done login
in the session, and `accounts.views.second_factor` finishes it.
"""

from __future__ import annotations

from typing import Any

from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response

from accounts.services import two_factor


class SecondFactorStage(LoginStage):
    key = "cryptopulse_second_factor"
    urlname = "account_second_factor"

    def handle(self) -> tuple[Any, bool]:
        user = self.login.user
        if user is None or not two_factor.is_enabled(user):
            return None, True
        return headed_redirect_response(self.urlname), True
