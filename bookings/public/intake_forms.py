"""The runner intake form: its own short step once the time is secured.

Every answer is optional except what a minor's booking needs: a date of birth under 18 on
the day of the session asks for the parent's or guardian's name, phone, relationship and
consent. Prefilled (from the email's link), a blank answer clears it; blank (from the
confirmation page), a blank answer keeps what is on file (``online.record_intake``).
"""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError

from bookings import consent
from bookings.models import RunnerIntake
from bookings.online import GuardianAnswers, IntakeAnswers, is_minor
from bookings.public.forms import clean_phone, phone_validator


class IntakeForm(forms.Form):
    """How the runner trains, where it hurts, their health, and a minor's guardian."""

    weekly_mileage = forms.IntegerField(
        label="Miles a week", required=False, min_value=0, max_value=300
    )
    next_race_distance = forms.ChoiceField(
        label="Your next race",
        required=False,
        choices=[("", "No race planned"), *RunnerIntake.Distance.choices],
    )
    next_race_date = forms.DateField(
        label="Race date",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    tight_areas = forms.MultipleChoiceField(
        label="Where does it hurt or feel tight?",
        required=False,
        choices=RunnerIntake.Area.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    other_area = forms.CharField(label="Other area", max_length=200, required=False)
    health_conditions = forms.CharField(
        label="Injuries or health conditions",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Surgery, pregnancy, blood-clotting or skin conditions and the like.",
    )
    medications = forms.CharField(
        label="Medications",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Especially blood thinners or painkillers.",
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Runners under 18 book with a parent's or guardian's consent.",
    )
    guardian_name = forms.CharField(
        label="Parent or guardian's full name", max_length=120, required=False
    )
    guardian_phone = forms.CharField(
        label="Parent or guardian's phone",
        max_length=30,
        required=False,
        validators=[phone_validator],
    )
    guardian_relationship = forms.CharField(
        label="Relationship to the runner", max_length=60, required=False
    )
    guardian_consent = forms.BooleanField(label=consent.GUARDIAN_TEXT, required=False)

    def __init__(self, *args, today: date, session_day: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today, self.session_day = today, session_day
        self.fields["weekly_mileage"].widget.attrs["inputmode"] = "numeric"
        self.fields["guardian_phone"].widget.input_type = "tel"
        self.fields["guardian_phone"].widget.attrs["autocomplete"] = "off"
        self.fields["guardian_name"].widget.attrs["autocomplete"] = "off"

    def clean_next_race_date(self) -> date | None:
        race = self.cleaned_data["next_race_date"]
        if race is not None and not self.today <= race <= self.today + timedelta(days=730):
            raise ValidationError("Give the date of an upcoming race, within the next two years.")
        return race

    def clean_date_of_birth(self) -> date | None:
        born = self.cleaned_data["date_of_birth"]
        if born is not None and not date(1900, 1, 1) <= born <= self.session_day:
            raise ValidationError("Give your date of birth, such as 1990-04-21.")
        return born

    def clean_guardian_phone(self) -> str:
        phone = self.cleaned_data["guardian_phone"]
        return clean_phone(phone) if phone else phone

    def clean(self) -> dict:
        data = super().clean()
        if data.get("next_race_date") and not data.get("next_race_distance"):
            self.add_error("next_race_distance", "Choose the race's distance.")
        if RunnerIntake.Area.OTHER in data.get("tight_areas", []) and not data.get("other_area"):
            self.add_error("other_area", "Tell us which other area hurts or feels tight.")
        if self.minor:
            needed = {
                "guardian_name": "A runner under 18 needs a parent's or guardian's name.",
                "guardian_phone": "Give a phone number for the parent or guardian.",
                "guardian_relationship": "Say how they are related to the runner.",
                "guardian_consent": "The parent or guardian needs to give their consent.",
            }
            for name, message in needed.items():
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    @property
    def minor(self) -> bool:
        """Return whether the date of birth given makes this a minor's booking."""
        born = self.cleaned_data.get("date_of_birth") if hasattr(self, "cleaned_data") else None
        return is_minor(born, on=self.session_day)

    def answers(self) -> tuple[IntakeAnswers, GuardianAnswers | None]:
        """Return the intake answers and, for a minor, the guardian (call after is_valid())."""
        data = self.cleaned_data
        intake = IntakeAnswers(
            weekly_mileage=data["weekly_mileage"],
            next_race_date=data["next_race_date"],
            next_race_distance=data["next_race_distance"] if data["next_race_date"] else "",
            tight_areas=tuple(data["tight_areas"]),
            other_area=data["other_area"],
            health_conditions=data["health_conditions"],
            medications=data["medications"],
            date_of_birth=data["date_of_birth"],
        )
        guardian = None
        if self.minor:
            guardian = GuardianAnswers(
                name=data["guardian_name"],
                phone=data["guardian_phone"],
                relationship=data["guardian_relationship"],
            )
        return intake, guardian


def initial_from(intake: RunnerIntake | None) -> dict:
    """Return the form's initial answers from the intake on file (for the email's link)."""
    if intake is None:
        return {}
    return {
        "weekly_mileage": intake.weekly_mileage,
        "next_race_distance": intake.next_race_distance,
        "next_race_date": intake.next_race_date,
        "tight_areas": intake.tight_areas,
        "other_area": intake.other_area,
        "health_conditions": intake.health_conditions,
        "medications": intake.medications,
        "date_of_birth": intake.date_of_birth,
        "guardian_name": intake.guardian_name,
    }
