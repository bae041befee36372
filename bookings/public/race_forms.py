"""The runner's race forms: the one-line "When's your next race?", and a suggested time's tap."""

import uuid
from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from bookings import race
from bookings.models import RunnerIntake
from bookings.public.forms import StartField


class RaceForm(forms.Form):
    """The date (and distance, if they like) of the runner's next race."""

    race_date = forms.DateField(
        label="When's your next race?",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date of your next race.",
            "invalid": "Enter the race date as a date, such as 2027-03-14.",
        },
    )
    distance = forms.ChoiceField(
        label="Distance",
        required=False,
        choices=[("", "Choose (optional)"), *RunnerIntake.Distance.choices],
        error_messages={"invalid_choice": "Please choose a distance from the list."},
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_race_date(self) -> date:
        race_date = self.cleaned_data["race_date"]
        if problem := race.race_date_problem(race_date, today=self.today):
            raise ValidationError(problem)
        return race_date


class SuggestedTimeForm(forms.Form):
    """One tap on a suggested time: which suggestion, which start, and the tap's own key."""

    rule = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    start = StartField()
    key = forms.UUIDField()

    @staticmethod
    def new_key() -> uuid.UUID:
        return uuid.uuid4()


class TimingForm(forms.Form):
    """The runner's word that they read the clinic's timing advice and still want the time."""

    timing_ok = forms.BooleanField(
        label="I've read this and want to book this session anyway", required=False
    )
