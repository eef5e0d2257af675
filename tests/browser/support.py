"""Helpers for the browser tests: logging in through the real forms, axe, layout checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

from tests.totp import totp_counter

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

# Filled by check_page(), printed by conftest's terminal summary.
AXE_TALLY: dict = {"pages": set(), "runs": 0, "violations": 0}

_axe = Axe()


@dataclass
class ConsoleWatch:
    messages: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda msg: self.messages.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda err: self.messages.append(f"pageerror: {err}"))

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]


def totp_code(user) -> str:
    """The code the user's authenticator app shows right now."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import decrypt, format_hotp_value, hotp_value

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.wrap().instance.data["secret"])
    return format_hotp_value(hotp_value(secret, totp_counter()))


def forget_used_totp_codes() -> None:
    """allauth refuses a code already used in this 30-second window; tests log in often.

    The live server runs in this process and shares the test's local-memory cache.
    """
    from django.core.cache import cache

    cache.clear()


def login(
    page,
    live_server,
    user,
    *,
    on_code_page: Callable | None = None,
    password: str | None = None,
) -> None:
    """Log `user` in through the real form at /konto/login/, then the TOTP step if asked."""
    from tests.world import PASSWORD

    page.goto(f"{live_server.url}/konto/login/")
    page.get_by_label("E-post").fill(user.email)
    page.get_by_label("Passord").fill(password or PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    if "/konto/2fa/authenticate" in page.url:
        if on_code_page:
            on_code_page(page)
        forget_used_totp_codes()
        page.get_by_label("Kode").fill(totp_code(user))
        with page.expect_navigation():
            page.get_by_role("button", name="Logg inn").click()
    assert "/konto/login" not in page.url, f"login failed for {user.email}: {page.url}"
    assert "/2fa/authenticate" not in page.url, f"TOTP refused for {user.email}: {page.url}"


def login_by_session(page, live_server, user) -> None:
    """Sign `user` in with a session made on the server, as a finished login leaves it: for
    tests whose subject is not the login (the login form and its TOTP step are walked by
    test_keyboard and the accessibility walk)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"      {', '.join(map(str, node['target']))}: {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"      … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def overflowing(page, limit: int) -> list[str]:
    """The outermost elements that stick out past `limit` px unclipped, to say what to fix."""
    return page.evaluate(
        """(limit) => {
            // Is el clipped by an overflow container (which then scrolls, not the page)?
            const clipped = (el) => {
                const abs = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
                let inContainingBlock = !abs;
                for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
                    if (n === el.offsetParent) inContainingBlock = true;
                    const clips = getComputedStyle(n).overflowX !== 'visible';
                    if (inContainingBlock && clips) return true;
                }
                return false;
            };
            const out = new Set();
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.right > limit + 1 && !clipped(el)) out.add(el);
            }
            return [...out]
                .filter((el) => !out.has(el.parentElement))
                .slice(0, 5)
                .map((el) => `${el.tagName.toLowerCase()}.${el.className} `
                    + `"${(el.textContent || '').trim().slice(0, 40)}" → `
                    + `${Math.round(el.getBoundingClientRect().right)}px`);
        }""",
        limit,
    )


def split_isolates(page) -> list[str]:
    """<bdi> elements that sit beside text in a flex or grid box (a .ds-button, a .ds-tag):
    there each piece becomes a box of its own, spaced apart on screen and read with a pause,
    so the label no longer reads as one phrase. Wrap the label in a <span> instead."""
    return page.evaluate(
        """() => [...document.querySelectorAll('bdi')]
            .filter((el) => /flex|grid/.test(getComputedStyle(el.parentElement).display))
            .filter((el) => [...el.parentElement.childNodes].some(
                (n) => n !== el && (n.nodeType === Node.TEXT_NODE ? n.textContent.trim()
                    : getComputedStyle(n).position !== 'absolute')))
            .map((el) => `${el.parentElement.tagName.toLowerCase()}.`
                + `${el.parentElement.className} "${el.parentElement.textContent.trim()
                    .slice(0, 60)}"`)"""
    )


def check_page(page, url: str, *, expect_path: str | None = None, label: str = "") -> list[str]:
    """Load `url` at 1280×800 and at 320×640; run axe at both, and look for sideways scroll.

    Returns readable problems; an empty list means the page passed.
    """
    problems: list[str] = []
    expect_path = expect_path or urlsplit(url).path
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        response = page.goto(url)
        width = size["width"]
        where = f"{url} @ {width}px"
        if response is None or response.status != 200:
            problems.append(f"{where}: HTTP {response.status if response else '?'}")
            continue
        path = urlsplit(page.url).path
        if path != expect_path:
            problems.append(f"{where}: ended up at {path}")
            continue
        problems += _check_shown(page, where, f"{label} {expect_path}".strip(), width)
    page.set_viewport_size(WIDE)
    return problems


def check_shown_page(page, *, label: str) -> list[str]:
    """The checks of check_page on the page as it stands (the answer to a form, which a new
    GET would not show), at 1280 and at 320 px wide."""
    problems: list[str] = []
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        where = f"{page.url} ({label}) @ {size['width']}px"
        problems += _check_shown(page, where, label, size["width"])
    page.set_viewport_size(WIDE)
    return problems


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands. Its script (half a megabyte) is put into
    a document only once: check_shown_page runs it on one document at both widths."""
    if not page.evaluate("() => typeof window.axe === 'object' && 'run' in window.axe"):
        page.evaluate(_axe.axe_script)
    return page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)["violations"]


def _check_shown(page, where: str, label: str, width: int) -> list[str]:
    problems: list[str] = []
    violations = axe_violations(page)
    AXE_TALLY["pages"].add(label)
    AXE_TALLY["runs"] += 1
    AXE_TALLY["violations"] += len(violations)
    if violations:
        problems.append(
            f"{where}: {len(violations)} axe violations\n{describe_violations(violations)}"
        )
    if split := split_isolates(page):
        problems.append(f"{where}: a <bdi> beside text in a flex or grid box: {split}")
    if width == NARROW["width"]:
        sw = scroll_width(page)
        if sw > width + 1:
            problems.append(
                f"{where}: scrolls sideways (scrollWidth {sw}); "
                f"sticking out: {overflowing(page, width)}"
            )
    return problems
