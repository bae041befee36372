"""Public booking forms: they turn query strings and posted fields into domain values.

``ChoiceForm`` reads the choices made so far (service length, therapist, day, time) from the
query string, so Back, bookmarks and pages without JavaScript all keep them. Every error
names the step where the runner can put it right. ``DetailsForm`` is the runner's contact
details and one consent; its hidden ``key`` makes a repeated submission book once. The
intake has its own form (``intake_forms.py``), after the time is secured.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.functional import cached_property

from bookings import clock, consent, phones
from bookings.booking import ClientDetails
from bookings.clock import clinic_tz
from bookings.errors import SlotTaken
from bookings.models import BookingPolicy, Therapist
from bookings.reference import Reference
from bookings.rules import check_policy
from services.models import Service, ServiceLength

ANY = "any"
# Steps of the journey in order; an error sends the runner back to the earliest bad one.
STEPS = ("service", "therapist", "time", "details")
_STEP_OF = {"service": "service", "length": "service", "therapist": "therapist"}
_START = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})")
_PHONE = re.compile(r"\+?[\d\s().\-]{7,30}")


class StartField(forms.Field):
    """A session start as clinic wall time (``2026-12-01T10:00``), returned as aware UTC."""

    def to_python(self, value: str | None) -> datetime | None:
        if value in self.empty_values:
            return None
        match = _START.fullmatch(str(value).strip())
        try:
            wall = datetime(*map(int, match.groups()))
            instant = clock.instant_at(wall)
        except (AttributeError, ValueError, OverflowError):  # no match, no such date, year 1
            raise ValidationError(
                "That time isn't valid. Please choose one from the list."
            ) from None
        if instant is None:
            raise ValidationError(
                "That time doesn't exist: the clocks go forward that night. Please choose another."
            )
        return instant


def check_start(start: datetime, *, now: datetime, policy: BookingPolicy) -> None:
    """Raise ValidationError if online booking rules rule out `start` (hours aside)."""
    # book_appointment enforces the same rules; checking them here sends the runner back
    # to the picker with the reason instead of to the "just taken" page.
    try:
        check_policy(start, now=now, policy=policy)
    except SlotTaken as refused:
        raise ValidationError(refused.message) from None


def on_grid(start: datetime, *, policy: BookingPolicy) -> bool:
    """Return whether `start` is on the slot grid: whole steps after local midnight."""
    # The grid is wall-clock, as the picker's (availability.py), so DST days keep it.
    wall = timezone.localtime(start, clinic_tz())
    return (wall.hour * 60 + wall.minute) % policy.slot_step_minutes == 0


# A start between the grid's steps was never offered: "no longer free" would not be true.
NOT_BOOKABLE = "That isn't a bookable time. Please choose one of the times below."
DAY_PASSED = "That day has passed."

_MESSAGES = {
    "service": "We couldn't find that service. Please choose one.",
    "length": "That service or length isn't available. Please choose again.",
    "therapist": "We couldn't find that therapist. Please choose again.",
    "day": "That day isn't valid. Please choose one of the days below.",
    "week": "That week isn't valid. Please choose one of the days below.",
}


@dataclass
class Choice:
    """The journey so far; `errors` maps a step to why its input cannot be used."""

    service: Service | None = None
    length: ServiceLength | None = None
    therapist: Therapist | None = None
    anyone: bool = False
    day: date | None = None
    week: date | None = None  # the first day of the week the picker shows, if not `day`'s
    all_times: bool = False  # "more times": every free start, not only the natural spacing
    start: datetime | None = None
    errors: dict[str, str] = field(default_factory=dict)
    day_passed: bool = False  # the day asked for is over: the picker opens on the next free one

    @property
    def has_therapist(self) -> bool:
        return self.anyone or self.therapist is not None

    @property
    def therapist_param(self) -> str:
        return ANY if self.anyone else (self.therapist.slug if self.therapist else "")

    def params(self, *, upto: str) -> dict[str, str]:
        """Return the query parameters of the choices made before step `upto`."""
        out: dict[str, str] = {}
        if upto != "service" and self.length is not None:
            out["length"] = str(self.length.pk)
        if upto == "time" and self.has_therapist:
            out["therapist"] = self.therapist_param
        return out

    def first_error(self) -> tuple[str, str] | None:
        """Return (step, message) for the earliest step with unusable input, if any."""
        return next(((step, self.errors[step]) for step in STEPS if step in self.errors), None)


class ChoiceForm(forms.Form):
    """The query string of any booking step."""

    service = forms.SlugField(required=False, max_length=120)
    length = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    therapist = forms.SlugField(required=False, max_length=120)
    day = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    week = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    all = forms.BooleanField(required=False)
    start = StartField(required=False)

    def __init__(
        self, data, *, now: datetime, policy: BookingPolicy, lookup: Reference | None = None
    ) -> None:
        super().__init__(data)
        self.now, self.policy = now, policy
        self.lookup = lookup  # kept copies of the service, length and therapist, if given

    def choice(self) -> Choice:
        """Return the choices, looked up, with a message for each step that needs redoing."""
        self.is_valid()
        data, errors = self.cleaned_data, {}
        for name in self.errors:
            step = _STEP_OF.get(name, "time")
            errors.setdefault(step, _MESSAGES.get(name) or self.errors[name][0])
        choice = Choice(errors=errors, all_times=bool(data.get("all")))
        if data.get("service"):
            choice.service = (
                self.lookup.service(data["service"])
                if self.lookup
                else Service.objects.published().filter(slug=data["service"]).first()
            )
            if choice.service is None:
                errors.setdefault("service", "We couldn't find that service. Please choose one.")
        if data.get("length") and self.lookup:
            choice.length = self.lookup.length(data["length"])
        elif data.get("length"):
            choice.length = (
                ServiceLength.objects.select_related("service")
                .filter(pk=data["length"], service__published=True)
                .first()
            )
        if data.get("length"):
            if choice.length is None:
                errors.setdefault("service", _MESSAGES["length"])
            else:
                choice.service = choice.length.service
        if data.get("therapist") and choice.length is not None:
            self._therapist(choice, data["therapist"])
        if (day := data.get("day")) is not None:
            today = timezone.localdate(self.now, clinic_tz())
            if day < today:
                choice.day_passed = "time" not in errors
                errors.setdefault("time", DAY_PASSED)
            elif day > today + timedelta(days=self.policy.horizon_days):
                errors.setdefault("time", "Please choose one of the days below.")
            else:
                choice.day = day
        if (week := data.get("week")) is not None:
            today = timezone.localdate(self.now, clinic_tz())
            if today <= week <= today + timedelta(days=self.policy.horizon_days):
                choice.week = week
            else:
                errors.setdefault(
                    "time",
                    "That week is outside the dates we book. Please choose one of the days below.",
                )
        if (start := data.get("start")) is not None:
            try:
                check_start(start, now=self.now, policy=self.policy)
            except ValidationError as error:
                errors.setdefault("time", error.messages[0])
            else:
                # Off the grid, the times of its day are the nearest on offer.
                choice.day = timezone.localdate(start, clinic_tz())
                if on_grid(start, policy=self.policy):
                    choice.start = start
                else:
                    errors.setdefault("time", NOT_BOOKABLE)
                    choice.all_times = True  # the times either side of it, not every half hour
        return choice

    def _therapist(self, choice: Choice, slug: str) -> None:
        if slug == ANY:
            choice.anyone = True
            return
        if self.lookup:
            offering, named = self.lookup.therapist(slug, choice.length.service_id)
        else:
            # One query when the choice is good; a second only to say what is wrong with it.
            found = Therapist.objects.active().filter(slug=slug)
            offering = found.offering(choice.length.service_id).first()
            named = offering or found.first()
        if therapist := offering:
            choice.therapist = therapist
        elif therapist := named:
            choice.errors.setdefault(
                "therapist",
                f"{therapist.name} doesn't offer {choice.length.service.title.lower()}. "
                "Please choose another therapist.",
            )
        else:
            choice.errors.setdefault("therapist", _MESSAGES["therapist"])


class StartForm(forms.Form):
    """A new start time for a booking being moved."""

    start = StartField(error_messages={"required": "Please choose a new time."})

    def __init__(self, data, *, now: datetime, policy: BookingPolicy) -> None:
        super().__init__(data)
        self.now, self.policy = now, policy
        self.day: date | None = None  # the day whose times to offer instead, if any

    def clean_start(self) -> datetime:
        start = self.cleaned_data["start"]
        check_start(start, now=self.now, policy=self.policy)
        if not on_grid(start, policy=self.policy):
            self.day = timezone.localdate(start, clinic_tz())
            raise ValidationError(NOT_BOOKABLE)
        return start


phone_validator = RegexValidator(
    _PHONE, "Enter a phone number we can call, such as (404) 555-0142."
)


def clean_phone(phone: str) -> str:
    """Return `phone` in E.164 (as it is stored) if it is a number we can call, else raise."""
    try:
        return phones.to_e164(phone)
    except phones.InvalidPhone as error:
        raise ValidationError(str(error)) from None


class DetailsForm(forms.Form):
    """The runner's contact details and the one consent line; the intake comes after."""

    # Each message names its field: the error summary lists them without their labels.
    first_name = forms.CharField(
        max_length=80, error_messages={"required": "Enter your first name."}
    )
    last_name = forms.CharField(max_length=80, error_messages={"required": "Enter your last name."})
    email = forms.EmailField(
        max_length=254,
        help_text="We send your confirmation here.",
        error_messages={"required": "Enter your email address."},
    )
    phone = forms.CharField(
        label="Mobile phone",
        max_length=30,
        validators=[phone_validator],
        strip=True,
        error_messages={"required": "Enter a mobile phone number we can call."},
    )
    consent = forms.BooleanField(
        label=consent.TERMS_TEXT,
        error_messages={"required": "Please agree to the policy to book online."},
    )
    key = forms.UUIDField(widget=forms.HiddenInput)

    AUTOCOMPLETE = {
        "first_name": "given-name",
        "last_name": "family-name",
        "email": "email",
        "phone": "tel",
    }

    def __init__(self, *args, today: date, **kwargs) -> None:
        kwargs.setdefault("initial", {"key": uuid4()})
        super().__init__(*args, **kwargs)
        self.today = today
        for name, value in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = value
        self.fields["phone"].widget.input_type = "tel"
        self.fields["key"].error_messages["required"] = self.fields["key"].error_messages[
            "invalid"
        ] = "This form expired. Please check your details and send it again."

    @cached_property
    def key_value(self) -> UUID:
        """Return the idempotency key to send again: the one given if valid, else a new one."""
        if not self.is_bound:
            return self.initial["key"]
        self.is_valid()
        return self.cleaned_data.get("key") or uuid4()

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def answers(self) -> ClientDetails:
        """Return the contact details (call after is_valid())."""
        data = self.cleaned_data
        return ClientDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
        )


class FindForm(forms.Form):
    """An email address to send a "find my bookings" link to."""

    email = forms.EmailField(label="Your email address", max_length=254)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class CancelForm(forms.Form):
    """An optional reason for cancelling."""

    reason = forms.CharField(
        label="Reason (optional)",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="It helps us, but you don't have to say.",
    )
