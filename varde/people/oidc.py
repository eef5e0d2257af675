"""OpenID Connect login (Feide, ID-porten) through allauth, with the checks allauth leaves out.

allauth's openid_connect provider checks state, issuer, audience and expiry, but sends
no nonce, skips the ID token's signature when the token came straight from the token
endpoint, and ignores the authentication level. Varde serves the same two addresses
with an adapter that always verifies the signature, requires exp, iat, iss, aud and sub,
checks that userinfo speaks of the same subject, and refuses an `acr` below the app's
`min_acr` setting. The login view sends a fresh nonce and keeps it in the login's state;
`nonce_check` binds the ID token to it. allauth hands that state to no public method of
the provider adapter, so the nonce is checked in the social account adapter's
`pre_social_login` hook (`varde.people.adapters`), the first public place where the
login's state and the ID token meet, and still before anyone is logged in, connected or
signed up.

Only allauth's and PyJWT's public API is used here: no `_`-prefixed names, no
`internal` modules.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

import jwt
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp, SocialLogin, SocialToken
from allauth.socialaccount.providers.base.utils import respond_to_login_on_get
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.contrib.auth.decorators import login_not_required
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
    def complete_login(
        self, request: HttpRequest, app: SocialApp, token: SocialToken, **kwargs: Any
    ) -> SocialLogin:
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("The provider sent no ID token.")
        claims = self.verified_claims(app, id_token)
        acr_check(claims.get("acr"), app.settings.get("min_acr"))
        data: dict[str, Any] = {"id_token": claims}
        if app.settings.get("fetch_userinfo", True):
            userinfo = self.fetch_userinfo(token.token)
            if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
                raise OAuth2Error("Userinfo speaks of another subject than the ID token.")
            data["userinfo"] = userinfo
        # The nonce is checked against the login's state in pre_social_login (nonce_check).
        return self.get_provider().sociallogin_from_response(request, data)

    def verified_claims(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
            alg = header.get("alg")
            if alg not in SIGNING_ALGORITHMS:
                raise OAuth2Error(f"ID token signed with {alg!r} is not accepted.")
            return jwt.decode(
                id_token,
                key=self.signing_key(header.get("kid"), alg),
                algorithms=[alg],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, KeyError) as exc:
            raise OAuth2Error(f"Invalid ID token: {exc}") from None

    def signing_key(self, kid: object, alg: str) -> jwt.PyJWK:
        """The provider's published signing key `kid`, as a key for `alg` only."""
        if not kid or not isinstance(kid, str):
            raise OAuth2Error("The ID token names no signing key.")
        jwks = self.fetch_json(self.openid_config["jwks_uri"])
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        for jwk in keys if isinstance(keys, list) else []:
            if not isinstance(jwk, dict) or jwk.get("kid") != kid:
                continue
            if jwk.get("use", "sig") != "sig":
                continue
            if jwk.get("alg", alg) != alg:
                raise OAuth2Error(f"Key {kid!r} is for {jwk['alg']!r}, not {alg!r}.")
            # Bound to `alg`: PyJWT then verifies with exactly this algorithm, and refuses a
            # key of another type (an EC key for RS256, say).
            return jwt.PyJWK(jwk, algorithm=alg)
        raise OAuth2Error(f"The provider publishes no signing key {kid!r}.")

    def fetch_userinfo(self, access_token: str) -> Any:
        return self.fetch_json(self.profile_url, {"Authorization": f"Bearer {access_token}"})

    @staticmethod
    def fetch_json(url: str, headers: dict[str, str] | None = None) -> Any:
        # allauth's requests session, as for discovery and the token: its timeout, CA and proxies.
        with get_adapter().get_requests_session() as session:
            response = session.get(url, headers=headers)
            response.raise_for_status()
        return response.json()


def nonce_check(sociallogin: SocialLogin) -> None:
    """Refuse a login whose ID token does not carry the nonce this login sent.

    Called from `SocialAccountAdapter.pre_social_login`, where allauth has put the login's
    stashed state (which holds the nonce `_LoginView` made) on `sociallogin.state`, and the
    verified ID token claims are in `sociallogin.account.extra_data["id_token"]`. A login
    without a nonce in its state was not started by `_LoginView` and is refused too.
    """
    extra_data = sociallogin.account.extra_data
    claims = extra_data.get("id_token") if isinstance(extra_data, dict) else None
    received = claims.get("nonce") if isinstance(claims, dict) else None
    expected = sociallogin.state.get("nonce")
    if not (
        isinstance(expected, str)
        and expected
        and isinstance(received, str)
        and hmac.compare_digest(received.encode(), expected.encode())
    ):
        raise OAuth2Error("The ID token's nonce does not belong to this login.")


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
        # `nonce` is kept in the login's state, which allauth puts on sociallogin.state.
        return provider.redirect(request, nonce=nonce, **kwargs)


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return _LoginView.adapter_view(VardeOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return OAuth2CallbackView.adapter_view(VardeOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


# Served ahead of allauth's own patterns at the same addresses and names.
urlpatterns = [
    path("<str:provider_id>/login/", login, name="openid_connect_login"),
    path("<str:provider_id>/login/callback/", callback, name="openid_connect_callback"),
]
