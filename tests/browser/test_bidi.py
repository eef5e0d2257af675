"""Names holding a right-to-left override, seen in Chromium at 1280 and 320 px.

The words after such a name must still read left to right on screen: the override turns
only the name itself, inside its <bdi>. The pages pass axe at both widths as before.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone

from tests.browser.support import NARROW, WIDE, check_page, login

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VARDE_SCREENSHOTS", "")
RLO = "\u202e"


@pytest.fixture
def turned(world):
    """Petra, whose surname holds an override, in a case owned by Tina, whose name holds one
    too: as an old import or a database administrator could have left them."""
    from varde.cases.services import case_open
    from varde.people.models import Pupil

    world.teacher.full_name = f"Tina {RLO}reræL"
    world.teacher.save(update_fields=["full_name"])
    pupil = Pupil.objects.create(
        municipality=world.lunner,
        school=world.school,
        external_id="RLO1",
        first_name="Petra",
        last_name=f"Lie{RLO}enitsrik",
        birth_date=dt.date(2011, 3, 14),
        grade=9,
    )
    return case_open(
        actor=world.teacher,
        pupil=pupil,
        observed="Sovnet i timen.",
        observed_on=timezone.localdate(),
        seriousness=2,
    )


def reads_forwards(page, selector: str, word: str) -> bool:
    """Whether `word`, in the first text under `selector` that holds it, is laid out left to
    right: its first letter left of its last. Backwards text puts the first letter right."""
    return page.evaluate(
        """([selector, word]) => {
            const root = document.querySelector(selector);
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.textContent.indexOf(word);
                if (at < 0) continue;
                const box = (i) => {
                    const range = document.createRange();
                    range.setStart(node, i);
                    range.setEnd(node, i + 1);
                    return range.getBoundingClientRect();
                };
                return box(at).left < box(at + word.length - 1).left;
            }
            throw new Error(`${word} not found under ${selector}`);
        }""",
        [selector, word],
    )


def test_the_words_after_a_turned_name_read_forwards_at_both_widths(
    live_server, world, turned, page, console
):
    login(page, live_server, world.principal)
    # (path, the element holding a name and what follows it, a word after the name); in the
    # case list each name has a cell of its own, so nothing follows it there.
    pages = [
        (f"/ansatt/saker/{turned.pk}/", "main .ds-paragraph", "Opprettet"),
        ("/ansatt/saker/", "", ""),
        ("/ansatt/elever/", "main tbody", "Petra"),
        (f"/ansatt/elever/{turned.pupil_id}/", "main", "Skole"),
    ]
    problems: list[str] = []
    for path, selector, word in pages:
        problems += check_page(page, live_server.url + path, label="principal")
        for size in (WIDE, NARROW):
            page.set_viewport_size(size)
            page.goto(live_server.url + path)
            if word and not reads_forwards(page, selector, word):
                problems.append(f"{path} @ {size['width']}px: «{word}» runs backwards")
            if SHOTS:
                name = path.strip("/").replace("/", "_")
                page.screenshot(
                    path=os.path.join(SHOTS, f"bidi-{name}-{size['width']}.png"), full_page=True
                )
    assert not problems, "\n".join(problems)
    assert not console.csp_violations(), console.csp_violations()
