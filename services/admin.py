from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from reversion.admin import VersionAdmin

from services import views
from services.models import Question, Service, ServiceLength


class ServiceForm(forms.ModelForm):
    publish = forms.BooleanField(
        label="publish the draft",
        required=False,
        help_text="Make the body above live on the public page when you save.",
    )

    class Meta:
        model = Service
        fields = [
            "title",
            "slug",
            "summary",
            "hero",
            "draft_body",
            "published",
            "ordering",
            "seo_description",
            "colour",
        ]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}


class ServiceLengthInline(admin.TabularInline):
    model = ServiceLength
    extra = 1
    fields = ["minutes", "price", "buffer_before", "buffer_after"]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["question", "answer", "ordering"]


@admin.register(Service)
class ServiceAdmin(VersionAdmin):
    """Service pages: the body is a draft until published; every save is kept (History)."""

    form = ServiceForm
    list_display = ["title", "published", "draft_state", "ordering", "updated_at"]
    list_editable = ["published", "ordering"]
    list_filter = ["published"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ServiceLengthInline, QuestionInline]
    autocomplete_fields = ["hero"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "hero", "draft_body", "preview"]}),
        ("Publishing", {"fields": ["publish", "published", "ordering", "seo_description"]}),
        ("Front desk calendar", {"fields": ["colour"]}),
    ]
    readonly_fields = ["preview"]

    @admin.display(description="draft")
    def draft_state(self, obj: Service) -> str:
        return "unpublished changes" if obj.has_unpublished_draft else "live"

    @admin.display(description="preview")
    def preview(self, obj: Service) -> str:
        if not obj.pk:
            return "Save the draft to preview it."
        url = reverse("admin:services_service_preview", kwargs={"slug": obj.slug})
        note = "The draft differs from the live page." if obj.has_unpublished_draft else ""
        return format_html('<a href="{}">Preview the saved draft</a> {}', url, note)

    def get_urls(self) -> list:
        preview = path(
            "preview/<slug:slug>/",
            self.admin_site.admin_view(views.service_preview),
            name="services_service_preview",
        )
        return [preview, *super().get_urls()]

    def save_model(self, request: HttpRequest, obj: Service, form, change: bool) -> None:
        if form.cleaned_data.get("publish"):
            obj.body = obj.draft_body
        super().save_model(request, obj, form, change)
