from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.http import HttpRequest

from varde.lib.crypto import decrypt_text, encrypt_text
from varde.people.oidc import nonce_check

# What two-factor secrets are sealed to. Migration 0002_seal_mfa_secrets seals the secrets
# stored before with this same context, so the two must not drift apart.
MFA_SECRET_CONTEXT = "mfa.authenticator.secret"


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by an administrator or by import, never by sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class MFAAdapter(DefaultMFAAdapter):
    """Two-factor secrets (TOTP secrets, recovery-code seeds) sealed with the keyring.

    allauth keeps them in its Authenticator rows and passes each through these two hooks,
    which by default store them as they are: anyone reading the database, a dump or a
    backup could then make a user's codes. Sealed, they read only with the keyring.

    Only sealed values are opened: a secret stored in plain text is refused, not read. The
    secrets stored before sealing began are sealed once by the people app's migration
    0002_seal_mfa_secrets, which reads them itself, so this adapter never has to tell an
    old plain secret from a tampered one.
    """

    def encrypt(self, text: str) -> str:
        return encrypt_text(text, context=MFA_SECRET_CONTEXT)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text, context=MFA_SECRET_CONTEXT)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Bind every social login to the nonce its login view sent (varde.people.oidc).

        allauth calls this with `sociallogin.state` set to the login's stashed state, before
        anyone is logged in, connected or signed up (its lookup of an already linked account
        has by then saved that account's `extra_data` from the verified ID token). Varde's
        only social logins are OpenID Connect (Feide, ID-porten), so a login that fails the
        check, or did not go through Varde's login view, is refused the way allauth
        documents: ImmediateHttpResponse, with the same authentication-error page a failed ID
        token check gives.
        """
        super().pre_social_login(request, sociallogin)
        try:
            nonce_check(sociallogin)
        except OAuth2Error as exc:
            raise ImmediateHttpResponse(
                render_authentication_error(request, sociallogin.provider, exception=exc)
            ) from None
