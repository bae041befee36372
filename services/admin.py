from django.contrib import admin

from services.models import Question, Service, ServiceLength


class ServiceLengthInline(admin.TabularInline):
    model = ServiceLength
    extra = 1
    fields = ["minutes", "price", "buffer_before", "buffer_after"]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["question", "answer", "ordering"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["title", "published", "ordering", "updated_at"]
    list_editable = ["published", "ordering"]
    list_filter = ["published"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ServiceLengthInline, QuestionInline]
    autocomplete_fields = ["hero"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "hero", "body"]}),
        ("Publishing", {"fields": ["published", "ordering", "seo_description"]}),
    ]
