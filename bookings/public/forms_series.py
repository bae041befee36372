"""The "repeat this" choice on the details step, and the picks of a training block's review.

``RepeatForm`` turns the two posted fields into a cadence and a number of sessions; the
domain (bookings/series.py) says whether the block fits the horizon. ``read_picks`` turns
each session's posted choice into a start, telling a tampered value (422) from a time that
was free when shown and is not any more (409).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from bookings import clock, series
from bookings.clock import start_param
from bookings.public.forms import StartField

SKIP = "skip"


class RepeatForm(forms.Form):
    """Book this session once, or the same time every week or two for N sessions."""

    repeat = forms.TypedChoiceField(
        label="Repeat this session",
        choices=[("", "No, just this session"), ("1", "Every week"), ("2", "Every two weeks")],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Choose weekly, every two weeks, or just this session."},
    )
    sessions = forms.IntegerField(
        label="Number of sessions",
        required=False,
        min_value=series.MIN_SESSIONS,
        max_value=series.MAX_SESSIONS,
        initial=6,
        help_text=f"{series.MIN_SESSIONS} to {series.MAX_SESSIONS}, the first one included.",
        error_messages={
            "invalid": "Enter the number of sessions, such as 6.",
            "min_value": f"A training block is at least {series.MIN_SESSIONS} sessions.",
            "max_value": f"A training block is at most {series.MAX_SESSIONS} sessions.",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sessions"].widget.attrs["inputmode"] = "numeric"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("repeat") and data.get("sessions") is None and "sessions" not in self.errors:
            self.add_error("sessions", "How many sessions? Choose 2 to 12.")
        return data

    @property
    def every_weeks(self) -> int | None:
        """Return the cadence asked for, None for a single session (call after is_valid())."""
        return self.cleaned_data.get("repeat") if self.is_valid() else None


@dataclass
class Picks:
    """The starts chosen on the review page, and what is wrong with the others."""

    starts: list[datetime] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)  # session number -> message
    stale: bool = False  # a time shown free is not any more: 409, not 422


def read_picks(data, plan: list[series.Occurrence]) -> Picks:
    """Return the start chosen for each session of `plan` in the posted `data`."""
    picks = Picks()
    for occurrence in plan:
        name = f"session-{occurrence.number}"
        value = str(data.get(name, "")).strip()
        if value == SKIP:
            continue
        if not value:
            picks.errors[occurrence.number] = (
                f"Choose a time for session {occurrence.number}, or skip it."
            )
            continue
        try:
            start = StartField().clean(value)
        except ValidationError:
            picks.errors[occurrence.number] = (
                f"That isn't one of the times we offered for session {occurrence.number}. "
                "Please choose again."
            )
            continue
        if series.offered(occurrence, start):
            picks.starts.append(start)
        elif value == start_param(occurrence.start):
            # Its own time, free when the review was shown: someone took it since.
            picks.stale = True
            when = f"{clock.day(start)} at {clock.time_of_day(start)}"
            picks.errors[occurrence.number] = (
                f"Sorry, {when} was just taken. Please choose another time for this session."
            )
        else:
            # Never offered, or an offer taken since: either way not one to book now.
            picks.errors[occurrence.number] = (
                f"That time isn't free for session {occurrence.number}. "
                "Please choose one of the times below."
            )
    if not picks.errors and not picks.starts:
        picks.errors[plan[0].number] = "Keep at least one session to book."
    return picks
