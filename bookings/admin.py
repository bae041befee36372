from collections import defaultdict
from datetime import time
from itertools import pairwise

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone

from bookings import clock
from bookings.models import (
    Appointment,
    BookingPolicy,
    Client,
    ClinicClosure,
    DateHours,
    LookupToken,
    Room,
    Therapist,
    TimeOff,
    WeeklyHours,
)
from clinic.models import OpeningHours


class NoOverlapFormSet(BaseInlineFormSet):
    """Rejects intervals on one day that overlap each other within one submission.

    Each row's own ``clean()`` compares it with the saved rows; this compares the new values.
    A row without times (a day off) overlaps everything on its day.
    """

    day_field = "weekday"

    def day_label(self, day) -> str:
        return OpeningHours.Weekday(day).label

    def clean(self) -> None:
        super().clean()
        by_day = defaultdict(list)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data and not data.get("DELETE") and not form.errors:
                start, end = data.get("start"), data.get("end")
                by_day[data[self.day_field]].append((start or time.min, end or time.max))
        for day, intervals in by_day.items():
            for (a, b), (c, d) in pairwise(sorted(intervals)):
                if c < b and (time.min, time.max) in ((a, b), (c, d)):
                    raise ValidationError(f"{self.day_label(day)}: a day off cannot have hours.")
                if c < b:
                    raise ValidationError(
                        f"{self.day_label(day)}: {clock.time_range(a, b)} overlaps "
                        f"{clock.time_range(c, d)}."
                    )


class DateHoursFormSet(NoOverlapFormSet):
    day_field = "date"

    def day_label(self, day) -> str:
        return clock.day(day, year=True)


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    formset = NoOverlapFormSet
    extra = 1
    verbose_name_plural = "weekly hours (local time; gaps between intervals are breaks)"


class DateHoursInline(admin.TabularInline):
    model = DateHours
    formset = DateHoursFormSet
    extra = 0
    verbose_name_plural = "hours for one date (replace that date's weekly hours)"


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "user", "active", "ordering"]
    list_editable = ["active", "ordering"]
    list_filter = ["active", "services"]
    list_select_related = ["user"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["services"]
    fields = [
        "name",
        "slug",
        "user",
        "credentials",
        "bio",
        "services",
        "active",
        "ordering",
        "max_sessions_per_day",
    ]
    inlines = [WeeklyHoursInline, DateHoursInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_editable = ["active"]
    filter_horizontal = ["services"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Online booking", {"fields": ["slot_step_minutes", "min_notice_hours", "horizon_days"]}),
        ("Changes", {"fields": ["change_cutoff_hours", "reminder_hours_before"]}),
        ("Therapists", {"fields": ["max_sessions_per_day"]}),
        ("Front desk", {"fields": ["check_in_opens_minutes"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One policy only; seed_demo (or the first save) creates it.
        return super().has_add_permission(request) and not BookingPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: BookingPolicy | None = None) -> bool:
        return False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "created_at"]
    search_fields = ["last_name", "first_name", "email", "phone"]


class AppointmentForm(forms.ModelForm):
    class Meta:
        model = Appointment
        fields = [
            "client",
            "therapist",
            "room",
            "service_length",
            "start",
            "end",
            "status",
            "cancel_reason",
        ]

    def clean(self) -> dict:
        data = super().clean()
        # A moved or re-typed session keeps its length unless the end was edited too, and a
        # new service length brings its own buffers; the model fills what is cleared here.
        if {"start", "service_length"} & set(self.changed_data) and "end" not in self.changed_data:
            data["end"] = None
        if "service_length" in self.changed_data:
            self.instance.buffer_before = self.instance.buffer_after = None
        return data


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    form = AppointmentForm
    list_display = ["start", "client", "therapist", "room", "service_length", "status"]
    list_filter = ["status", "therapist", "room"]
    list_select_related = ["client", "therapist", "room", "service_length__service"]
    search_fields = ["client__last_name", "client__first_name", "client__email"]
    date_hierarchy = "start"
    autocomplete_fields = ["client"]
    readonly_fields = ["occupied", "created_at", "created_by", "updated_at", "updated_by"]

    @admin.display(description="occupied (with turnover)")
    def occupied(self, obj: Appointment) -> str:
        if obj.occupied_from is None:
            return "-"
        return f"{obj.buffer_before} min before, {obj.buffer_after} min after"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "service_length":
            kwargs["queryset"] = db_field.related_model.objects.select_related("service")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Appointment, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class LookupStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [("open", "not yet opened"), ("used", "opened"), ("expired", "expired unopened")]

    def queryset(self, request, queryset):
        now = timezone.now()
        return {
            "open": lambda: queryset.filter(used_at=None, expires_at__gt=now),
            "used": lambda: queryset.exclude(used_at=None),
            "expired": lambda: queryset.filter(used_at=None, expires_at__lte=now),
        }.get(self.value(), lambda: queryset)()


@admin.register(LookupToken)
class LookupTokenAdmin(admin.ModelAdmin):
    """ "Find my bookings" links, to answer "did my link arrive, did it work?": read only.

    The digest is never shown (it is useless to a person and only a key's shadow), and
    there is no search: a search would put the email address in the admin's URL.
    """

    list_display = ["pk", "email", "created_at", "expires_at", "used_at", "state"]
    list_filter = [LookupStateFilter]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    fields = ["email", "created_at", "expires_at", "used_at", "state"]
    readonly_fields = fields

    @admin.display(description="state")
    def state(self, obj: LookupToken) -> str:
        if obj.used_at:
            return "opened"
        return "expired unopened" if obj.expires_at <= timezone.now() else "not yet opened"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # links are only ever made by "find my bookings", which emails them

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # revoking is "Revoke all links" on the client's page, with its history
