"""The main routines with the keyboard alone: Tab, Enter and typing."""

from __future__ import annotations

import pytest

from tests.browser.support import forget_used_totp_codes, totp_code

pytestmark = pytest.mark.browser

MAX_TABS = 20

# What the focused element is, and whether the eye can see that it has focus.
FOCUSED = """() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0)
        || (cs.boxShadow && cs.boxShadow !== 'none');
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        cls: el.className,
        text: (el.innerText || el.value || '').trim(),
        href: el.getAttribute('href'),
        ring: ring,
        onScreen: r.width > 1 && r.height > 1,
    };
}"""


def tab(page) -> dict:
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


def tab_until(page, matches, what: str) -> tuple[dict, int]:
    seen = []
    for presses in range(1, MAX_TABS + 1):
        focused = tab(page)
        seen.append(focused["text"] or focused["id"] or focused["tag"])
        if matches(focused):
            return focused, presses
    raise AssertionError(f"{what} not reached in {MAX_TABS} Tab presses; went through {seen}")


def test_worried_about_a_pupil_by_keyboard(live_server, world, page, console):
    from varde.plan.document import PlanDocument
    from varde.plan.selectors import plan_current

    document = PlanDocument(plan_current(municipality=world.lunner).content)
    title = document.situation("worried")["title"]

    page.goto(live_server.url + "/")
    stops = []
    for presses in range(1, MAX_TABS + 1):
        focused = tab(page)
        stops.append(focused)
        # Every stop on the way shows where focus is (the skip link by appearing).
        visible = focused["ring"] or (focused["cls"] == "ds-skip-link" and focused["onScreen"])
        assert visible, f"focus is invisible on Tab stop {presses}: {focused}"
        if focused["text"] == title:
            break
    else:
        raise AssertionError(f"'{title}' not reached in {MAX_TABS} Tab presses: {stops}")
    assert focused["ring"], f"no focus ring on '{title}': {focused}"
    assert presses <= 12, f"{presses} Tab presses to reach '{title}'"
    print(f"keyboard: '{title}' after {presses} Tab presses")

    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/k/lunner/ring/worried/"), page.url
    phone = page.locator("main a[href^='tel:']").first
    assert phone.is_visible()
    # And the first number is itself a few Tab presses away, via the skip link.
    assert tab(page)["cls"] == "ds-skip-link"
    page.keyboard.press("Enter")
    focused, _ = tab_until(page, lambda f: (f["href"] or "").startswith("tel:"), "a tel: link")
    assert focused["href"] == phone.get_attribute("href")
    assert focused["ring"], focused
    assert not console.csp_violations(), console.csp_violations()


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_main(live_server, world, page):
    page.goto(live_server.url + "/k/lunner/")
    first = tab(page)
    assert first["cls"] == "ds-skip-link", first
    assert first["href"] == "#main"
    assert first["onScreen"], "the skip link stays hidden when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab continues inside main, not back at the header.
    after = tab(page)
    inside = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside, after


def test_the_login_form_works_by_keyboard(live_server, world, page):
    page.goto(live_server.url + "/konto/login/")
    focused, _ = tab_until(page, lambda f: f["id"] == "id_login", "the e-mail field")
    assert focused["ring"], focused
    page.keyboard.type(world.teacher.email)
    focused = tab(page)
    assert focused["id"] == "id_password", focused
    from tests.world import PASSWORD

    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/konto/2fa/authenticate/" in page.url, page.url

    tab_until(page, lambda f: f["id"] == "id_code", "the code field")
    forget_used_totp_codes()
    page.keyboard.type(totp_code(world.teacher))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/ansatt/"), page.url
    assert page.get_by_role("button", name="Logg ut").is_visible()
