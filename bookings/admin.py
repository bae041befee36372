from django.contrib import admin

from bookings.models import Therapist


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "active", "ordering"]
    list_editable = ["active", "ordering"]
    list_filter = ["active", "services"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["services"]
