"""Login with Feide and ID-porten against a real OpenID Connect provider (npm oidc-provider,
run with Node.js on 127.0.0.1), and every way a login must be refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import jwt
import pytest
import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from tests.people.test_login import current_code
from tests.proofs.server import free_port
from varde.people.models import User
from varde.people.oidc import VardeOIDCAdapter, acr_check

pytestmark = pytest.mark.proof("OIDC login")

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc"
CALLBACK = "http://testserver/konto/oidc/{}/login/callback/"
CLIENTS = {"feide": ("varde-feide", "feide-hemmelig"), "idporten": ("varde-idp", "idp-hemmelig")}


def new_key(kid: str) -> tuple[rsa.RSAPrivateKey, dict]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True)
    return key, {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


class Provider:
    def __init__(self, tmp: Path) -> None:
        self.key, jwk = new_key("varde-test-1")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "jwks": {"keys": [jwk]},
            "clients": [
                {"client_id": cid, "client_secret": secret, "redirect_uris": [CALLBACK.format(p)]}
                for p, (cid, secret) in CLIENTS.items()
            ],
        }
        (tmp / "oidc.json").write_text(json.dumps(config))
        self.log = tmp / "oidc.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                ["node", "provider.mjs", str(self.port), str(tmp / "oidc.json")],
                cwd=PROVIDER_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while "ready" not in self.log.read_text() and self.process.poll() is None:
            assert time.monotonic() < deadline, "the OIDC provider did not start in 30 s"
            time.sleep(0.1)
        assert self.process.poll() is None, f"the OIDC provider died: {self.log.read_text()}"
        self.requests = 0

    def next_login(self, account: str, acr: str = "idporten-loa-substantial") -> None:
        requests.post(f"{self.url}/test/next-login", json={"account": account, "acr": acr})

    def authorize(self, authorize_url: str) -> str:
        """Play the browser at the provider; return the callback address it sends back to."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            self.requests += 1
            location = response.headers.get("Location", "")
            assert response.status_code in (302, 303), response.text[:500]
            if location.startswith("http://testserver/"):
                return location.removeprefix("http://testserver")
            url = urljoin(self.url, location)
        raise AssertionError("the provider never sent the browser back")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def provider(tmp_path_factory) -> Iterator[Provider]:
    assert shutil.which("node"), "Node.js is needed for the OIDC provider (make install-test)"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, check=True)
    running = Provider(tmp_path_factory.mktemp("oidc"))
    yield running
    running.stop()


@pytest.fixture
def oidc(settings, provider) -> Provider:
    def app(provider_id: str, name: str, **extra: object) -> dict:
        client_id, secret = CLIENTS[provider_id]
        return {
            "provider_id": provider_id,
            "name": name,
            "client_id": client_id,
            "secret": secret,
            "settings": {
                "server_url": provider.url,
                "token_auth_method": "client_secret_basic",
                "scope": ["openid", "email", "profile"],
                **extra,
            },
        }

    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                app("feide", "Feide"),
                app("idporten", "ID-porten", min_acr="idporten-loa-high"),
            ],
            "OAUTH_PKCE_ENABLED": True,
        }
    }
    return provider


def begin(client, provider_id: str) -> str:
    response = client.post(f"/konto/oidc/{provider_id}/login/")
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def with_param(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | params
    return urlunsplit(parts._replace(query=urlencode(query)))


def logged_in_as(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def refused(client, response) -> bool:
    """allauth's authentication-error page, and nobody logged in. Not being logged in alone
    proves little: an accepted login of someone with TOTP is not logged in yet either."""
    return response.status_code == 401 and logged_in_as(client) is None


def finish_mfa(client, response, user) -> None:
    """Varde's own TOTP step still follows a login through Feide for those who have it."""
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith("/konto/2fa/authenticate/")
    assert logged_in_as(client) is None
    client.post("/konto/2fa/authenticate/", {"code": current_code(user)})


def test_a_staff_member_logs_in_with_feide_by_matching_e_mail(client, world, oidc, proof_figures):
    oidc.next_login(world.teacher.email)
    callback = oidc.authorize(begin(client, "feide"))
    finish_mfa(client, client.get(callback), world.teacher)
    assert logged_in_as(client) == world.teacher.pk
    assert client.get("/ansatt/").status_code == 200
    assert SocialAccount.objects.get(user=world.teacher).provider == "feide"
    proof_figures.add(requests=oidc.requests + 4, inputs=1, checked=1)


def test_id_porten_at_the_required_level_logs_in(client, world, oidc, proof_figures):
    oidc.next_login(world.principal.email, acr="idporten-loa-high")
    authorize = begin(client, "idporten")
    assert parse_qs(urlsplit(authorize).query)["acr_values"] == ["idporten-loa-high"]
    finish_mfa(client, client.get(oidc.authorize(authorize)), world.principal)
    assert logged_in_as(client) == world.principal.pk
    proof_figures.add(inputs=1, checked=1)


@pytest.mark.parametrize(
    "who, why",
    [
        ("stranger@lunner.test", "no account has that address: nobody signs up"),
        ("dag@lunner.test", "the account is deactivated"),
    ],
)
def test_nobody_gets_in_without_an_active_account(client, world, oidc, who, why, proof_figures):
    users = User.objects.count()
    oidc.next_login(who)
    client.get(oidc.authorize(begin(client, "feide")))
    assert logged_in_as(client) is None, why
    assert User.objects.count() == users
    proof_figures.add(inputs=1, faults=1, checked=1)


def test_an_acr_below_the_minimum_is_refused(client, world, oidc, proof_figures):
    oidc.next_login(world.principal.email, acr="idporten-loa-substantial")
    assert refused(client, client.get(oidc.authorize(begin(client, "idporten"))))
    assert client.get("/ansatt/").status_code == 302
    proof_figures.add(inputs=1, faults=1, checked=1)


def test_a_wrong_state_is_refused(client, world, oidc, proof_figures):
    oidc.next_login(world.teacher.email)
    callback = oidc.authorize(begin(client, "feide"))
    assert refused(client, client.get(with_param(callback, state="forfalsket-state")))
    # The untouched callback then works, so it was the state that was refused.
    finish_mfa(client, client.get(callback), world.teacher)
    assert logged_in_as(client) == world.teacher.pk
    proof_figures.add(inputs=2, faults=1, checked=2)


def test_a_wrong_nonce_is_refused(client, world, oidc, proof_figures):
    oidc.next_login(world.teacher.email)
    # The provider signs whatever nonce the browser carries: an attacker's, here.
    authorize = with_param(begin(client, "feide"), nonce="angriperens-nonce")
    assert refused(client, client.get(oidc.authorize(authorize)))
    proof_figures.add(inputs=1, faults=1, checked=1)


def test_a_wrong_issuer_is_refused(client, world, oidc, settings, proof_figures):
    apps = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
    apps[0]["settings"]["openid_configuration_overrides"] = {"issuer": "http://127.0.0.1:1/x"}
    oidc.next_login(world.teacher.email)
    assert refused(client, client.get(oidc.authorize(begin(client, "feide"))))
    proof_figures.add(inputs=1, faults=1, checked=1)


# --- Forged ID tokens: the provider's real discovery and keys, tokens made here ---------------


def forged(provider: Provider, *, key=None, kid="varde-test-1", **claims: object) -> str:
    now = int(time.time())
    body = {
        "iss": provider.url,
        "aud": CLIENTS["feide"][0],
        "sub": "tina@lunner.test",
        "email": "tina@lunner.test",
        "email_verified": True,
        "iat": now,
        "exp": now + 300,
        "nonce": "riktig-nonce",
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key or provider.key, algorithm="RS256", headers={"kid": kid})


def complete(oidc: Provider, id_token: str):
    """The ID token's checks (complete_login), then the nonce's (pre_social_login), as in a
    login whose state carries the nonce "riktig-nonce"."""
    from allauth.socialaccount.adapter import get_adapter

    request = RequestFactory().get("/")
    request.session = {}
    request.user = AnonymousUser()
    adapter = VardeOIDCAdapter(request, "feide")
    app = get_adapter().get_app(request, provider="feide")
    app.settings["fetch_userinfo"] = False
    login = adapter.complete_login(request, app, None, response={"id_token": id_token})
    login.state = {"nonce": "riktig-nonce"}
    get_adapter(request).pre_social_login(request, login)
    return login


@pytest.mark.any_database
def test_a_well_formed_token_is_accepted_so_the_refusals_below_mean_something(db, oidc):
    login = complete(oidc, forged(oidc))
    assert login.account.uid == "tina@lunner.test"


@pytest.mark.any_database
@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"aud": "en-annen-klient"}, id="wrong audience"),
        pytest.param({"exp": int(time.time()) - 120, "iat": int(time.time()) - 900}, id="expired"),
        pytest.param({"iss": "http://127.0.0.1:1/falsk"}, id="wrong issuer"),
        pytest.param({"nonce": "feil-nonce"}, id="wrong nonce"),
        pytest.param({"nonce": None}, id="no nonce"),
        pytest.param({"exp": None}, id="no expiry"),
    ],
)
def test_a_forged_token_is_refused(db, oidc, change, proof_figures):
    if "nonce" in change:
        # Refused in pre_social_login, with allauth's authentication-error page.
        with pytest.raises(ImmediateHttpResponse) as refused:
            complete(oidc, forged(oidc, **change))
        assert refused.value.response.status_code == 401
    else:
        with pytest.raises(OAuth2Error):
            complete(oidc, forged(oidc, **change))
    proof_figures.add(inputs=1, faults=1, checked=1)


@pytest.mark.any_database
def test_a_token_signed_with_another_key_is_refused(db, oidc, proof_figures):
    other, _jwk = new_key("varde-test-1")
    with pytest.raises(OAuth2Error):
        complete(oidc, forged(oidc, key=other))
    with pytest.raises(OAuth2Error):
        complete(oidc, forged(oidc, key=other, kid="ukjent-nokkel"))
    unsigned = jwt.encode({"sub": "x"}, None, algorithm="none")
    with pytest.raises(OAuth2Error):
        complete(oidc, unsigned)
    proof_figures.add(inputs=3, faults=3, checked=3)


@pytest.mark.any_database
@pytest.mark.parametrize(
    "acr, allowed",
    [
        ("idporten-loa-high", True),
        ("Level4", True),
        ("idporten-loa-substantial", False),
        ("Level3", False),
        (None, False),
        ("noe-annet", False),
    ],
)
def test_the_acr_ladder(acr, allowed):
    if allowed:
        acr_check(acr, "idporten-loa-high")
    else:
        with pytest.raises(OAuth2Error):
            acr_check(acr, "idporten-loa-high")
