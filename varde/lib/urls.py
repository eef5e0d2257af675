"""URL reversing, remembered per process.

Django works a URL out again on every `reverse()`: it walks the namespaces and matches the
pattern against the arguments, about 30 µs a link. A page lists up to fifty cases with a
few links each, so Varde remembers each (name, arguments) it has reversed. The answer
depends only on the URL configuration and the script prefix, and both are part of the key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import Library
from django.template.defaulttags import URLNode, url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

# Enough for every link of a busy day's pages; older ones are dropped first.
CACHE_SIZE = 20_000


@lru_cache(maxsize=CACHE_SIZE)
def _reversed(
    key: tuple[Any, ...],
    viewname: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
) -> str:
    return reverse(viewname, args=args, kwargs=dict(kwargs), current_app=current_app)


def reverse_cached(
    viewname: str,
    args: tuple[Any, ...] | list[Any] = (),
    kwargs: dict[str, Any] | None = None,
    current_app: str | None = None,
) -> str:
    """`reverse()` for a view name and plain (int or str) arguments, remembered; anything
    else is reversed as usual."""
    args = tuple(args)
    items = tuple(sorted(kwargs.items())) if kwargs else ()
    if not isinstance(viewname, str) or not all(
        type(v) in (int, str) for v in (*args, *(v for _, v in items))
    ):
        return reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return _reversed(key, viewname, args, items, current_app)


def forget() -> None:
    """Drop every remembered URL (a test changed the URL configuration in place)."""
    _reversed.cache_clear()


register = Library()


class CachedURLNode(URLNode):
    """Django's `{% url %}`, reversed through `reverse_cached`."""

    def render(self, context: Any) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        link = ""
        try:
            link = reverse_cached(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = link
            return ""
        return conditional_escape(link) if context.autoescape else link


@register.tag(name="url")
def cached_url(parser: Any, token: Any) -> CachedURLNode:
    node = url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
