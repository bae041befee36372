"""Forms of the staff pages: they turn input into domain values; booking.py decides the rest.

Times are typed as a local date and a wall-clock time and become aware datetimes here.
Forms that change an appointment carry its version (when it was last changed), so a form
opened before someone else's change is refused instead of undoing that change.
"""

import hashlib
import uuid
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from bookings import clock, roles, series
from bookings.attendance import DeskAction
from bookings.booking import ClientDetails
from bookings.clock import clinic_tz
from bookings.frontdesk import queries as desk_queries
from bookings.models import Appointment, Client, Room, Therapist
from clinic.staff_auth import ThrottledSignIn
from services.models import ServiceLength

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOTIFY_LABEL = "Email the client about this change"


def version_of(appointment: Appointment) -> str:
    """Return a token that changes whenever `appointment` is changed."""
    state = (
        (appointment.updated_at - EPOCH) // timedelta(microseconds=1),
        appointment.sequence,
        str(appointment.status),  # a fresh instance holds the enum member, a loaded one text
        appointment.start.timestamp(),
        appointment.therapist_id,
        appointment.room_id,
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()[:20]


def notes_version(notes: str) -> str:
    """Return a short fingerprint of a client's staff notes, to spot a concurrent edit."""
    return hashlib.sha256(notes.encode()).hexdigest()[:16]


def _refresh_hidden(form: forms.Form, name: str, value: str) -> None:
    """Put the current `value` into bound `form`'s hidden field, so that sending the form
    again, on purpose, after reading the refusal, goes through."""
    form.data = form.data.copy()
    form.data[name] = value


def local_instant(day: date, at: time) -> datetime:
    """Return the aware instant the clinic's clocks show `at` on `day`.

    Raises ValidationError for a wall time the clocks skip (spring forward).
    """
    instant = clock.instant_at(datetime.combine(day, at.replace(second=0, microsecond=0)))
    if instant is None:
        raise ValidationError("That time does not exist that day: the clocks go forward.")
    return instant


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"step": 900, **(attrs or {})}, format="%H:%M")


class LengthChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceLength) -> str:
        return f"{obj.service.title}, {obj.minutes} min"


class StaffAuthenticationForm(ThrottledSignIn, AuthenticationForm):
    """Sign-in that turns away accounts without a staff role, with a clear message.

    Wrong passwords are throttled per username and IP (clinic.staff_auth).
    """

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not roles.is_staff_member(user):
            raise ValidationError(
                "This account has no staff role. Ask the clinic admin to give it one.",
                code="no_role",
            )


class DayForm(forms.Form):
    date = forms.DateField(label="Go to date", widget=DateInput())


class ClientSearchForm(forms.Form):
    q = forms.CharField(label="Name, email or phone", max_length=100, required=False)


def client_search(request: HttpRequest) -> tuple[ClientSearchForm, str]:
    """Return the client search form of `request` and its cleaned term ("" if none).

    The term comes from a POST body only: a name, email or phone in a query string would
    stay in browser history, proxies' logs and Referer headers. A POST is a search when it
    carries ``q``, which no booking or merge form has.
    """
    search = ClientSearchForm(request.POST if is_client_search(request) else None)
    return search, search.cleaned_data["q"].strip() if search.is_valid() else ""


def is_client_search(request: HttpRequest) -> bool:
    """Return whether `request` is a client search sent to a page that also books."""
    return request.method == "POST" and "q" in request.POST


class _TimedForm(forms.Form):
    """A local date and time, cleaned into ``start`` (aware)."""

    day = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Time", widget=TimeInput())

    def clean(self) -> dict:
        data = super().clean()
        if data.get("day") and data.get("time"):
            try:
                data["start"] = local_instant(data["day"], data["time"])
            except ValidationError as error:
                self.add_error("time", error)
        return data


class BookForm(_TimedForm):
    """A phone or walk-in booking: an existing client (chosen by search) or a new one."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.filter(erased_at__isnull=True),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "That client's record is not there any more (erased or merged). "
            "Find them again or add them as a new client."
        },
    )
    first_name = forms.CharField(max_length=80, required=False)
    last_name = forms.CharField(max_length=80, required=False)
    phone = forms.CharField(max_length=30, required=False)
    email = forms.EmailField(required=False, help_text="For the confirmation and reminder.")
    service_length = LengthChoiceField(
        label="Service",
        queryset=ServiceLength.objects.select_related("service").order_by(
            "service__ordering", "service__title", "minutes"
        ),
        empty_label=None,  # a booking always has one; the usual one is chosen
    )
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.active(),
        required=False,
        empty_label="Any available therapist",
    )
    notify = forms.BooleanField(
        required=False, initial=True, label="Email the client a confirmation"
    )
    key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    timing_reason = forms.CharField(
        label="Reason to book it anyway",
        max_length=200,
        required=False,
        help_text="Kept in the appointment's history.",
    )
    # A training block (bookings/series.py): the same day and time every week or two.
    repeat = forms.TypedChoiceField(
        label="Repeat",
        choices=[("", "Just this session"), ("1", "Every week"), ("2", "Every two weeks")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    sessions = forms.IntegerField(
        label="Sessions in the block",
        min_value=series.MIN_SESSIONS,
        max_value=series.MAX_SESSIONS,
        required=False,
        help_text=f"{series.MIN_SESSIONS} to {series.MAX_SESSIONS}, the first on the date above.",
    )
    skip_taken = forms.BooleanField(
        required=False, label="Book the free weeks and skip the ones listed"
    )
    # The weeks listed when "skip" was offered: skipping others than those needs a new look.
    skip_weeks = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    taken: list = []  # the block's weeks that cannot be booked, once checked (the view's)

    @property
    def taken_weeks(self) -> str:
        """Return the numbers of the weeks listed as taken, as ``skip_weeks`` sends them."""
        return ",".join(str(week.number) for week in self.taken)

    field_order = ["client", "first_name", "last_name", "phone", "email", "service_length"]

    def __init__(self, *args, therapist: Therapist | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if therapist is None:
            if not self.is_bound:
                # The clinic's usual booking chosen, every service still in the list.
                usual = desk_queries.lengths_most_booked_first().values_list("pk", flat=True)
                if self.initial.get("service_length") is None and (first := usual.first()):
                    self.initial["service_length"] = first
            return
        # What this therapist offers, what they are booked for most first (and chosen); the
        # same choices when the form comes back with an error.
        lengths = list(desk_queries.lengths_most_booked_first(therapist))
        if lengths:
            field = self.fields["service_length"]
            choices = [(length.pk, field.label_from_instance(length)) for length in lengths]
            field.widget = forms.RadioSelect(choices=choices)
            if not self.is_bound:
                self.initial.setdefault("service_length", lengths[0].pk)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("client") is None and "client" not in self.errors:
            for name in ("first_name", "last_name"):
                if not data.get(name, "").strip() and name not in self.errors:
                    self.add_error(name, "Enter the client's name, or find them above.")
            no_contact = not data.get("phone", "").strip() and not data.get("email")
            if no_contact and "email" not in self.errors:
                self.add_error("phone", "Give a phone number or an email to reach them.")
        length, therapist = data.get("service_length"), data.get("therapist")
        if length and therapist and not therapist.services.filter(pk=length.service_id).exists():
            self.add_error("therapist", f"{therapist.name} does not offer {length.service.title}.")
        if data.get("repeat") and data.get("sessions") is None and "sessions" not in self.errors:
            self.add_error("sessions", "How many sessions should the block have?")
        return data

    def new_client(self) -> ClientDetails | None:
        """Return the new client's details, or None when an existing client was chosen."""
        data = self.cleaned_data
        if data.get("client") is not None:
            return None
        return ClientDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
        )


class WalkInForm(BookForm):
    """A client at the desk, booked into the session starting now: no date or time to type."""

    day = None
    time = None
    repeat = sessions = skip_taken = skip_weeks = None  # a walk-in is one session, now
    notify = forms.BooleanField(
        required=False, initial=False, label="Email the client a confirmation"
    )

    def clean(self) -> dict:
        data = super().clean()
        client = data.get("client")
        if not (client.email if client else data.get("email")):
            data["notify"] = False  # nowhere to send it
        return data


class _AppointmentChangeForm(forms.Form):
    """A change to one appointment, refused if it has changed since the form was shown."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, appointment: Appointment, **kwargs) -> None:
        self.appointment = appointment
        kwargs.setdefault("initial", {})["version"] = version_of(appointment)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        current = version_of(self.appointment)
        if data.get("version") != current:
            _refresh_hidden(self, "version", current)
            # A form-wide error, shown above the form: the hidden field has nowhere to show it.
            raise ValidationError(
                "Someone changed this appointment after you opened this page. Nothing was "
                "changed; check the details above and try again."
            )
        return data


class MoveForm(_AppointmentChangeForm, _TimedForm):
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.none(),
        error_messages={
            "invalid_choice": "That therapist is not on the calendar or does not offer this "
            "service. Choose another."
        },
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), required=False, empty_label="Any free room"
    )
    reason = forms.CharField(max_length=200, required=False, label="Reason (optional)")
    notify = forms.BooleanField(required=False, initial=True, label=NOTIFY_LABEL)

    rest = forms.BooleanField(required=False)
    # Shown only when the client's race timing advice applies to the new time (``advise``).
    timing_reason = forms.CharField(
        label="Reason to move it anyway",
        max_length=200,
        required=False,
        help_text="Kept in the appointment's history.",
        widget=forms.HiddenInput,
    )

    field_order = ["day", "time", "therapist", "room", "reason", "rest", "notify"]

    def __init__(self, *args, appointment: Appointment, **kwargs) -> None:
        local = appointment.start.astimezone(clinic_tz())
        initial = kwargs.setdefault("initial", {})
        initial.update(day=local.date(), time=local.time(), therapist=appointment.therapist_id)
        super().__init__(*args, appointment=appointment, **kwargs)
        service_id = appointment.service_length.service_id
        self.fields["therapist"].queryset = Therapist.objects.active().offering(service_id)
        self.fields["room"].queryset = Room.objects.active().suiting(service_id)
        _offer_the_rest_only_in_a_block(self, "Move the later sessions of the block the same way")
        _offer_email_only_if_on_file(self)
        if self.data.get("timing_reason", "").strip():
            self.fields["timing_reason"].widget = forms.TextInput()

    def advise(self, message: str) -> None:
        """Ask for a reason to go ahead, next to the field, with the timing advice."""
        self.fields["timing_reason"].widget = forms.TextInput()
        self.add_error("timing_reason", message)

    def clean(self) -> dict:
        data = super().clean()
        appointment = self.appointment
        same = (
            data.get("start") == appointment.start
            and data.get("therapist") == appointment.therapist
            and data.get("room") in (None, appointment.room)
        )
        if same and not self.errors:
            raise ValidationError("That is when, with whom and where it already is.")
        if data.get("rest") and (
            data.get("therapist") != appointment.therapist or data.get("room") is not None
        ):
            self.add_error(
                "rest",
                "The later sessions keep their therapist and room. To change those, move "
                "each session on its own.",
            )
        return data


class CancelForm(_AppointmentChangeForm):
    reason = forms.CharField(max_length=200, label="Reason")
    rest = forms.BooleanField(required=False)
    notify = forms.BooleanField(required=False, initial=True, label=NOTIFY_LABEL)

    def __init__(self, *args, appointment: Appointment, **kwargs) -> None:
        super().__init__(*args, appointment=appointment, **kwargs)
        _offer_the_rest_only_in_a_block(self, "Also cancel the later sessions of the block")
        _offer_email_only_if_on_file(self)


def _offer_the_rest_only_in_a_block(form: _AppointmentChangeForm, label: str) -> None:
    """Keep `form`'s "and the rest" box only for a session with later ones in its training
    block (bookings/series.py), labelled with how many; elsewhere the cleaned value is None."""
    later = series.later_count(form.appointment)
    if not later:
        del form.fields["rest"]
        return
    form.fields["rest"].label = f"{label} ({later} more)"


def _offer_email_only_if_on_file(form: _AppointmentChangeForm) -> None:
    """Drop `form`'s "email the client" box when the client has no email: the page says so
    once, and the cleaned ``notify`` is False."""
    if not form.appointment.client.email:
        del form.fields["notify"]


class StatusForm(_AppointmentChangeForm):
    """One of the desk's actions on the day (check in, complete, no-show, undo); whether
    the rules allow it now is bookings.attendance's to say, under the row lock."""

    action = forms.ChoiceField(
        choices=DeskAction.choices,
        error_messages={
            "required": "Choose what to do with this appointment. Nothing was changed.",
            "invalid_choice": "This page cannot do that to an appointment. Nothing was changed.",
        },
    )
    # Where to go afterwards: the appointment's page, or its day (from the calendar).
    return_to = forms.ChoiceField(
        choices=[("appointment", "Appointment"), ("day", "Day")], required=False
    )


class BlockTimeForm(forms.Form):
    therapist = forms.ModelChoiceField(queryset=Therapist.objects.active())
    day = forms.DateField(label="Date", widget=DateInput())
    start_time = forms.TimeField(label="From", widget=TimeInput())
    end_time = forms.TimeField(label="Until", widget=TimeInput())
    reason = forms.CharField(max_length=200, required=False, help_text="e.g. Training, dentist.")

    def clean(self) -> dict:
        data = super().clean()
        day = data.get("day")
        for name in ("start_time", "end_time"):
            if day and data.get(name):
                try:
                    data[name.removesuffix("_time")] = local_instant(day, data[name])
                except ValidationError as error:
                    self.add_error(name, error)
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end_time", "The end must be after the start.")
        return data


class StaffNotesForm(forms.Form):
    staff_notes = forms.CharField(
        label="Staff notes",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Private to the clinic; never shown to the client.",
    )
    seen = forms.CharField(widget=forms.HiddenInput, max_length=16)

    def __init__(self, *args, client: Client, **kwargs) -> None:
        self.client = client
        initial = kwargs.setdefault("initial", {})
        initial.update(staff_notes=client.staff_notes, seen=notes_version(client.staff_notes))
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        current = notes_version(self.client.staff_notes)
        if data.get("seen") != current:
            _refresh_hidden(self, "seen", current)
            raise ValidationError(
                "Someone else saved these notes while you were editing, so yours were not "
                "saved. Their version is shown above; merge your change into the box and save."
            )
        return data


class ReportForm(forms.Form):
    """The reports' period: grouped by week or month, the last few of them or from-to dates.

    Bounded so a report stays readable and cheap: at most a year long, from 2000 on, ending
    at most a year from today.
    """

    MAX_DAYS = 366
    EARLIEST = date(2000, 1, 1)

    by = forms.ChoiceField(
        label="Group by",
        choices=[("week", "Week"), ("month", "Month")],
        initial="week",
        widget=forms.RadioSelect,
    )
    start = forms.DateField(label="From", required=False, widget=forms.DateInput({"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_start(self) -> date | None:
        start = self.cleaned_data["start"]
        if start is not None and start < self.EARLIEST:
            raise ValidationError(f"Choose a date from {clock.day(self.EARLIEST, year=True)} on.")
        return start

    def clean_end(self) -> date | None:
        end = self.cleaned_data["end"]
        latest = self.today + timedelta(days=self.MAX_DAYS)
        if end is not None and end > latest:
            raise ValidationError(f"Choose a date up to {clock.day(latest, year=True)}.")
        return end

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.has_error("start") or self.has_error("end"):
            return data
        if (start is None) != (end is None):
            missing = "end" if end is None else "start"
            self.add_error(missing, "Give both dates, or neither for the preset period.")
        elif start is not None and end < start:
            self.add_error("end", "The end date must be on or after the start date.")
        elif start is not None and (end - start).days + 1 > self.MAX_DAYS:
            self.add_error("end", f"Choose at most {self.MAX_DAYS} days, a year.")
        return data
