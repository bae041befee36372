from collections import defaultdict
from datetime import time
from itertools import pairwise

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from bookings import booking, client_records, clock, phones
from bookings.errors import BookingError
from bookings.models import (
    Appointment,
    BookingPolicy,
    Client,
    ClinicClosure,
    DateHours,
    IntakeChange,
    LookupToken,
    NudgeSettings,
    Room,
    RunnerIntake,
    Therapist,
    TimeOff,
    WaitlistHold,
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
        "notice_email",
        "hears_bookings",
        "hears_moves",
        "hears_cancellations",
    ]
    inlines = [WeeklyHoursInline, DateHoursInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_editable = ["active"]
    filter_horizontal = ["services"]


class TimeOffAddForm(forms.ModelForm):
    """Time off added here is blocked as the front desk blocks it (``booking.block_time``):
    refused over a booked session, recorded in the therapist's time-off history.

    The write is the form's last check, so a refusal shows on the form: the admin saves the
    row it made, and a failed submission leaves nothing behind.
    """

    user = None  # set per request by TimeOffAdmin.get_form

    class Meta:
        model = TimeOff
        fields = ["therapist", "start", "end", "reason"]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.instance = booking.block_time(
                therapist=data["therapist"],
                start=data["start"],
                end=data["end"],
                by=self.user,
                reason=data.get("reason", ""),
            )
        except BookingError as error:
            raise ValidationError(error.message) from None
        return data


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    """Time off through the same write functions as the staff pages: added as a block,
    removed with a history row; never edited in place (remove it and add the new one)."""

    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"
    fields = ["therapist", "start", "end", "reason"]
    actions = None  # no bulk delete: one at a time, each through lift_time_off

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TimeOffAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # a class made for this request
        return form

    def save_model(self, request: HttpRequest, obj: TimeOff, form, change: bool) -> None:
        """Nothing to save: TimeOffAddForm wrote the row through ``booking.block_time``."""

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TimeOff | None = None) -> bool:
        # A waitlist hold's time opens when the hold is claimed or runs out, not here.
        held = obj is not None and WaitlistHold.objects.filter(time_off=obj).exists()
        return super().has_delete_permission(request, obj) and not held

    def delete_model(self, request: HttpRequest, obj: TimeOff) -> None:
        try:
            booking.lift_time_off(time_off_id=obj.pk, by=request.user, now=timezone.now())
        except BookingError as error:
            self.message_user(request, f"{error.message} Nothing was changed.", messages.ERROR)


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]


@admin.register(NudgeSettings)
class NudgeSettingsAdmin(admin.ModelAdmin):
    """The rebook nudges' one row: on/off, when, for which services, and the email's lead."""

    fields = ["enabled", "days_after", "services", "lead_line", "look_ahead_days", "suggestions"]
    filter_horizontal = ["services"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not NudgeSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Online booking", {"fields": ["slot_step_minutes", "min_notice_hours", "horizon_days"]}),
        ("Changes", {"fields": ["change_cutoff_hours", "reminder_hours_before"]}),
        ("Therapists", {"fields": ["max_sessions_per_day"]}),
        (
            "Fees (recorded at checkout)",
            {"fields": ["late_cancellation_hours", "late_cancellation_fee", "no_show_fee"]},
        ),
        (
            "Front desk notices of online changes",
            {
                "fields": [
                    "desk_email",
                    "desk_hears_bookings",
                    "desk_hears_moves",
                    "desk_hears_cancellations",
                ]
            },
        ),
        ("Front desk", {"fields": ["check_in_opens_minutes"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One policy only; seed_demo (or the first save) creates it.
        return super().has_add_permission(request) and not BookingPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: BookingPolicy | None = None) -> bool:
        return False


class ClientAdminForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["first_name", "last_name", "email", "phone", "staff_notes"]

    def clean_phone(self) -> str:
        try:
            return phones.to_e164(self.cleaned_data["phone"])
        except phones.InvalidPhone as error:
            raise ValidationError(str(error)) from None


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """Clients' contact details; every save is recorded in the client's history."""

    form = ClientAdminForm
    list_display = ["last_name", "first_name", "email", "phone_display", "created_at"]
    search_fields = ["last_name", "first_name", "email", "phone"]

    @admin.display(description="phone")
    def phone_display(self, obj: Client) -> str:
        return obj.phone_display

    def save_model(self, request: HttpRequest, obj: Client, form, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                before = {name: form.initial.get(name, "") for name in form.changed_data}
                client_records.record_edit(
                    client=obj, before=before, by=request.user, door="admin", now=timezone.now()
                )

    def has_delete_permission(self, request: HttpRequest, obj: Client | None = None) -> bool:
        # Visits are kept for the books: erase a client from their staff page instead.
        return False


@admin.register(RunnerIntake)
class RunnerIntakeAdmin(admin.ModelAdmin):
    """Intake corrections; every save that changes an answer leaves an intake change row."""

    list_display = ["client", "updated_at"]
    list_select_related = ["client"]
    search_fields = ["client__last_name", "client__first_name"]
    raw_id_fields = ["client"]
    readonly_fields = ["policy_consent_at", "policy_version", "treatment_consent_at"]
    readonly_fields += ["treatment_version"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # given by the runner with their consent, never made up in the admin

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RunnerIntake, form, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changes = {
                name: [_as_json(form.initial.get(name)), _as_json(form.cleaned_data.get(name))]
                for name in form.changed_data
            }
            if changes:
                IntakeChange.objects.create(
                    intake=obj, changed_at=timezone.now(), by=request.user, changes=changes
                )


def _as_json(value) -> object:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return list(value) if isinstance(value, (list, tuple)) else value


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Appointments, read-only: every change goes through the staff pages' writes (the same
    rules, history and client emails as every other door), linked from each row."""

    list_display = ["start", "client", "therapist", "room", "service_length", "status", "staff"]
    list_filter = ["status", "therapist", "room"]
    list_select_related = ["client", "therapist", "room", "service_length__service"]
    search_fields = ["client__last_name", "client__first_name", "client__email"]
    date_hierarchy = "start"
    fields = [
        "staff",
        "client",
        "therapist",
        "room",
        "service_length",
        "start",
        "end",
        "status",
        "cancel_reason",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description="change it on")
    def staff(self, obj: Appointment) -> str:
        url = reverse("staff:appointment", args=[obj.pk])
        return format_html('<a href="{}">the staff page</a>', url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


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


from bookings import admin_race  # noqa: E402, F401 - the race rules register themselves
