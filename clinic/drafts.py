"""Drafts of page copy: edits wait in a draft field until an admin publishes them.

A model with drafts names its pairs in DRAFTS (draft field -> the live field the public page
shows). The admin edits the draft fields only; ticking "publish the draft" copies them to
the live fields in the same save. django-reversion keeps every save (drafts and live copy
alike) with who and when, so any earlier version can be restored from History.
"""

from typing import ClassVar

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html
from reversion.admin import VersionAdmin


class Drafted:
    """Mixin for a model whose copy is drafted before it goes live."""

    DRAFTS: ClassVar[dict[str, str]] = {}

    @property
    def has_unpublished_draft(self) -> bool:
        """Return whether any draft differs from what the public page shows."""
        return any(getattr(self, d) != getattr(self, live) for d, live in self.DRAFTS.items())

    def publish_draft(self) -> None:
        """Copy every draft to its live field (the caller saves)."""
        for draft, live in self.DRAFTS.items():
            setattr(self, live, getattr(self, draft))


class DraftForm(forms.ModelForm):
    publish = forms.BooleanField(
        label="publish the draft",
        required=False,
        help_text="Make the text above live on the public page when you save.",
    )


class DraftAdmin(VersionAdmin):
    """Admin for a Drafted model: a preview link, a "publish the draft" box, the draft state.

    Subclasses list "preview" among their fields and "publish" where it should go, and say
    where the preview is (preview_url).
    """

    form = DraftForm
    readonly_fields = ["preview"]

    def preview_url(self, obj: Model) -> str:
        raise NotImplementedError

    @admin.display(description="draft")
    def draft_state(self, obj: Drafted) -> str:
        return "unpublished changes" if obj.has_unpublished_draft else "live"

    @admin.display(description="preview")
    def preview(self, obj: Drafted) -> str:
        if not obj.pk:
            return "Save the draft to preview it."
        note = "The draft differs from the live page." if obj.has_unpublished_draft else ""
        return format_html(
            '<a href="{}">Preview the saved draft</a> {}', self.preview_url(obj), note
        )

    def save_model(self, request: HttpRequest, obj: Drafted, form, change: bool) -> None:
        if form.cleaned_data.get("publish"):
            obj.publish_draft()
        super().save_model(request, obj, form, change)
