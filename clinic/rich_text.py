"""Rich text written in the admin: one editor configuration, sanitized on save and on render.

django-prose-editor's field sanitizes with nh3 on every admin save, allowing exactly what
the editor can make. Rendering sanitizes again with the same allow-list, because rows can
also arrive by other doors (seed data, migrations, the shell).
"""

import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django_prose_editor.config import allowlist_from_extensions, expand_extensions
from django_prose_editor.fields import ProseEditorField

EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "Image": True,
    "Figure": True,
    "Caption": True,
    # A "callout" paragraph: a highlighted note, styled on the public page.
    "NodeClass": {"cssClasses": {"paragraph": [{"className": "callout", "title": "Callout"}]}},
    "History": True,
}


def _allow_list() -> dict:
    """Return the editor's nh3 allow-list, narrowed: one class, our own images, safe rel."""
    allow = allowlist_from_extensions(expand_extensions(EXTENSIONS))
    attributes = {tag: set(names) - {"class", "rel"} for tag, names in allow["attributes"].items()}
    return allow | {
        "attributes": attributes,
        "allowed_classes": {"p": {"callout"}},
        "url_schemes": {"http", "https", "mailto", "tel"},
        "link_rel": "noopener noreferrer",
        "attribute_filter": _own_images_only,
    }


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    """Keep an image's src only when it is one of the site's own (no tracking pixels)."""
    if tag == "img" and attribute == "src":
        own = value.startswith((settings.MEDIA_URL, settings.STATIC_URL)) and ".." not in value
        return value if own else None
    return value


_CLEANER = nh3.Cleaner(**_allow_list())


def rich_text_field(*args, **kwargs) -> ProseEditorField:
    """Return a model field edited with the clinic's rich-text editor and sanitized on save."""
    return ProseEditorField(
        *args,
        config={"extensions": EXTENSIONS},
        preset="clinic",
        sanitize=[_CLEANER.clean],
        **kwargs,
    )


def render_rich_text(html: str) -> SafeString:
    """Return admin-written HTML with everything the editor cannot make removed."""
    return mark_safe(_CLEANER.clean(html))  # noqa: S308 - nh3 has removed everything unsafe
