from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse

from clinic.drafts import DraftAdmin, DraftForm
from services import views
from services.models import Question, Service, ServiceLength


class ServiceForm(DraftForm):
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
    fields = ["question", "draft_answer", "ordering"]


@admin.register(Service)
class ServiceAdmin(DraftAdmin):
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

    def preview_url(self, obj: Service) -> str:
        return reverse("admin:services_service_preview", kwargs={"slug": obj.slug})

    def get_urls(self) -> list:
        preview = path(
            "preview/<slug:slug>/",
            self.admin_site.admin_view(views.service_preview),
            name="services_service_preview",
        )
        return [preview, *super().get_urls()]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("questions")  # the draft state

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The answers' drafts go live with the body's, once the inline rows are saved.
        if form.cleaned_data.get("publish"):
            for question in form.instance.questions.all():
                question.publish_draft()
                question.save(update_fields=["answer"])
