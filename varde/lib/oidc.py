"""OpenID Connect login (Feide, ID-porten) through allauth, with the checks allauth leaves out.

allauth's openid_connect provider checks state, issuer, audience and expiry, but sends
no nonce, skips the ID token's signature when the token came straight from the token
endpoint, and ignores the authentication level. Varde serves the same two addresses
with an adapter that always verifies the signature, requires exp, iat and sub, binds
the login to a nonce kept in the login's state, checks that userinfo speaks of the same
subject, and refuses an `acr` below the app's `min_acr` setting.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

import jwt
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.socialaccount.providers.base.utils import respond_to_login_on_get
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

# Levels of assurance, weakest first. ID-porten's names, then the older ones it replaced.
ACR_ORDER = {
    "idporten-loa-low": 1,
    "Level3": 2,
    "idporten-loa-substantial": 2,
    "Level4": 3,
    "idporten-loa-high": 3,
}
SIGNING_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}
CLOCK_LEEWAY_SECONDS = 30


class VardeOIDCAdapter(OpenIDConnectOAuth2Adapter):
    state: dict[str, Any]

    def complete_login(
        self, request: HttpRequest, app: SocialApp, token: SocialToken, **kwargs: Any
    ) -> Any:
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("The provider sent no ID token.")
        claims = self._verified_claims(app, id_token)
        expected_nonce = getattr(self, "state", {}).get("nonce") or ""
        if not hmac.compare_digest(str(claims.get("nonce", "")), expected_nonce):
            raise OAuth2Error("The ID token's nonce does not belong to this login.")
        acr_check(claims.get("acr"), app.settings.get("min_acr"))
        data: dict[str, Any] = {"id_token": claims}
        if app.settings.get("fetch_userinfo", True):
            userinfo = self._fetch_user_info(token.token)
            if userinfo.get("sub") != claims["sub"]:
                raise OAuth2Error("Userinfo speaks of another subject than the ID token.")
            data["userinfo"] = userinfo
        return self.get_provider().sociallogin_from_response(request, data)

    def _verified_claims(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
            if header.get("alg") not in SIGNING_ALGORITHMS:
                raise OAuth2Error(f"ID token signed with {header.get('alg')!r} is not accepted.")
            alg, key = jwtkit.fetch_key(
                id_token, self.openid_config["jwks_uri"], jwtkit.lookup_kid_jwk
            )
            return jwt.decode(
                id_token,
                key=key,
                algorithms=[alg],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, KeyError) as exc:
            raise OAuth2Error(f"Invalid ID token: {exc}") from None


def acr_check(acr: object, minimum: str | None) -> None:
    """Refuse a login whose level of assurance is below the configured minimum."""
    if not minimum:
        return
    if minimum not in ACR_ORDER:
        raise OAuth2Error(f"Unknown minimum acr {minimum!r} in the settings.")
    if ACR_ORDER.get(str(acr), 0) < ACR_ORDER[minimum]:
        raise OAuth2Error(f"The login's level {acr!r} is below the required {minimum!r}.")


class _LoginView(OAuth2LoginView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider = self.get_provider()
        confirm = respond_to_login_on_get(request, provider)
        if confirm:
            return confirm
        kwargs = provider.get_redirect_from_request_kwargs(request)
        nonce = secrets.token_urlsafe(32)
        kwargs["auth_params"] = {**kwargs.get("auth_params", {}), "nonce": nonce}
        if provider.app.settings.get("min_acr"):
            kwargs["auth_params"]["acr_values"] = provider.app.settings["min_acr"]
        return provider.redirect(request, nonce=nonce, **kwargs)


class _CallbackView(OAuth2CallbackView):
    def _get_state(self, request: HttpRequest, provider: Any) -> Any:
        state, response = super()._get_state(request, provider)
        self.adapter.state = state or {}  # type: ignore[attr-defined]
        return state, response


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return _LoginView.adapter_view(VardeOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return _CallbackView.adapter_view(VardeOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


# Served ahead of allauth's own patterns at the same addresses and names.
urlpatterns = [
    path("<str:provider_id>/login/", login, name="openid_connect_login"),
    path("<str:provider_id>/login/callback/", callback, name="openid_connect_callback"),
]
