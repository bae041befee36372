"""The waitlist form: contact details as the booking form takes them, and what would suit."""

from datetime import date, timedelta

from django import forms

from bookings import clock
from bookings.models.waitlist import PartOfDay, Weekday
from bookings.public.forms import DetailsForm

DEFAULT_WEEKS = 2


class WaitlistForm(DetailsForm):
    """Who is waiting, and the days, times of day and last day that would suit them."""

    days = forms.TypedMultipleChoiceField(
        label="Days that suit you",
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day."},
    )
    parts = forms.MultipleChoiceField(
        label="Times of day that suit you",
        choices=PartOfDay.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one time of day."},
    )
    until = forms.DateField(
        label="Keep me on the list until",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the last day you could come.",
            "invalid": "Enter a date, such as 2026-12-24.",
        },
    )

    def __init__(self, *args, today: date, horizon: date, day: date | None = None, **kwargs):
        super().__init__(*args, today=today, **kwargs)
        del self.fields["consent"], self.fields["key"]
        self.horizon = horizon
        self.fields["email"].help_text = "We email you here when a time opens up."
        self.fields["until"].widget.attrs |= {"min": today.isoformat(), "max": horizon.isoformat()}
        if not self.is_bound:
            self.initial |= {
                "days": [day.weekday()] if day else [],
                "parts": list(PartOfDay.values),
                "until": min(horizon, (day or today) + timedelta(weeks=DEFAULT_WEEKS)),
            }

    def clean_until(self) -> date:
        until = self.cleaned_data["until"]
        if until < self.today:
            raise forms.ValidationError("That day has passed. Choose today or a later day.")
        if until > self.horizon:
            raise forms.ValidationError(f"We take bookings up to {clock.day(self.horizon)}.")
        return until
