"""Read-only copies of decoded JSON, for values kept between requests."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any


def read_only(value: Any) -> Any:
    """A deep copy of `value` that cannot be changed: dicts become read-only mappings and
    lists become tuples. Strings, numbers, booleans and None are immutable already."""
    if isinstance(value, dict):
        return MappingProxyType({key: read_only(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(read_only(item) for item in value)
    return value
