"""Ids from addresses and forms."""

from __future__ import annotations

from django.http import Http404

# The largest id a database column (a 64-bit integer) holds.
ID_MAX = 2**63 - 1


def id_or_404(pk: object) -> int:
    """An id from a URL or form; anything that is not a number a row could have is simply
    not found."""
    try:
        value = int(str(pk))
    except ValueError as exc:
        raise Http404 from exc
    if not 0 < value <= ID_MAX:
        raise Http404
    return value
