"""The page for a request too large to read, in Chromium: axe-core (WCAG 2.0/2.1 A and AA) at
1280 and 320 px, no sideways scroll at 320 px, and nothing the Content Security Policy blocks."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import (  # noqa: F401  (Chromium as the browser tests launch it)
    browser_context_args,
    browser_type_launch_args,
)
from tests.browser.support import (
    AXE_OPTIONS,
    NARROW,
    WIDE,
    ConsoleWatch,
    describe_violations,
    overflowing,
    scroll_width,
)

pytestmark = pytest.mark.browser


def test_the_page_for_a_form_too_large_passes_axe_at_both_widths(live_server, world, page):
    from django.conf import settings

    console = ConsoleWatch()
    console.attach(page)
    page.goto(f"{live_server.url}/konto/login/")
    page.get_by_label("E-post").fill(world.teacher.email)
    # Typed by a script: filling 2.5 MB key by key would take minutes.
    page.eval_on_selector(
        "input[name=password]",
        "(el, size) => { el.value = 'x'.repeat(size); }",
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1,
    )
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Logg inn").click()
    assert navigation.value.status == 400
    assert page.get_by_role("heading", level=1).inner_text() == "Det du sendte kunne ikke tas imot"

    problems = []
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        if violations:
            problems.append(f"{size['width']} px:\n{describe_violations(violations)}")
    if scroll_width(page) > NARROW["width"] + 1:
        problems.append(f"scrolls sideways at 320 px: {overflowing(page, NARROW['width'])}")
    problems += console.csp_violations()
    assert not problems, "\n".join(problems)
