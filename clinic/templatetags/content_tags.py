"""Template helpers for the public content pages."""

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage

register = template.Library()


@register.simple_tag
def static_if_exists(path: str) -> str:
    """Return the static URL of `path`, or "" when no such static file was collected.

    The manifest storage raises for an unknown name, and an admin-typed path or a new
    service without artwork must not turn a page into a 500.
    """
    if not path:
        return ""
    try:
        return staticfiles_storage.url(path)
    except ValueError:
        return ""
