"""The attack from the issue, as a user would make it: two exports, one subtraction.

An administrator of Lunner sees both its schools. In 2025 Lunner ungdomsskole opened seven
worries in March about pupils in 8.-10. trinn and Harestua skole two. The export for all
schools and the export for Lunner ungdomsskole alone must not together give Harestua's two.
"""

from __future__ import annotations

import csv
import io

from varde.insights.services import insights_refresh

from .test_trends import at, pupils, worries

CSV_URL = "/ansatt/innsikt/eksport.csv"
# A period both the month filter of old and the year filter of now read as the year 2025.
YEAR = "fra=2025-01&til=2025-12"
TITLE = "Undringer per måned og trinn"


def worry_table(client, query: str) -> dict[tuple[str, str], str]:
    response = client.get(f"{CSV_URL}?{query}")
    assert response.status_code == 200
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return {(row[1], row[2]): row[3] for row in rows if len(row) == 4 and row[0] == TITLE}


def test_filtering_to_one_school_and_subtracting_from_the_total_reveals_no_small_count(
    client, world
):
    worries(world, pupils(world, world.school, 9, 7), at(3, year=2025))
    worries(world, pupils(world, world.other_school, 9, 2), at(3, year=2025))
    insights_refresh()
    # Harestua's true counts in 2025, by hand: two worries, in March, 8.-10. trinn.
    harestua = {
        ("mars 2025", "8.–10. trinn"): 2,
        ("mars 2025", "Sum"): 2,
        ("Sum", "8.–10. trinn"): 2,
        ("Sum", "Sum"): 2,
    }
    client.force_login(world.admin)
    everyone = worry_table(client, YEAR)
    one_school = worry_table(client, f"{YEAR}&skole={world.school.pk}")
    worked_out = {
        key: int(everyone[key]) - int(one_school[key])
        for key in everyone.keys() & one_school.keys()
        if everyone[key].isdigit() and one_school[key].isdigit()
    }
    revealed = {key: n for key, n in worked_out.items() if harestua.get(key) == n}
    assert revealed == {}, f"Harestua's small counts, worked out by subtraction: {revealed}"
