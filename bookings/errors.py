"""The errors a booking or change can end in, each with a message for the person asking."""

from dataclasses import dataclass
from datetime import datetime


class BookingError(Exception):
    """A booking or change that cannot be made, with a message for the person asking."""

    def __init__(self, message: str, *, alternatives: list["Offer"] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.alternatives = alternatives or []


class SlotTaken(BookingError):
    """The time was free when shown but is not any more (or never was bookable)."""


class FullyBooked(SlotTaken):
    """The therapist already has as many sessions that day as they take."""


class ChangeNotAllowed(BookingError):
    """The appointment can no longer be changed this way (cut-off, cancelled, past)."""


@dataclass(frozen=True, slots=True)
class Offer:
    """A bookable start time and who would take it."""

    start: datetime
    therapist_id: int
