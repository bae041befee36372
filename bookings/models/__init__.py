"""The bookings app's models, one module per concern."""

from bookings.models.appointments import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentSource,
    AppointmentStatus,
    LookupToken,
    ManageToken,
    Series,
)
from bookings.models.clients import (
    BookingConsent,
    Client,
    Guardian,
    IntakeChange,
    RunnerIntake,
)
from bookings.models.nudges import NudgeSettings, NudgeToken
from bookings.models.outbox import ClientMessage
from bookings.models.race import SuggestionRule, TimingRule
from bookings.models.records import ClientChange, Fee, Payment, PaymentMethod
from bookings.models.schedule import (
    AvailabilityVersion,
    BookingPolicy,
    ClinicClosure,
    DateHours,
    Room,
    Therapist,
    TimeOff,
    TimeOffChange,
    TsTzRange,
    WallClockRange,
    WeeklyHours,
)
from bookings.models.waitlist import WaitlistEntry, WaitlistHold, WaitlistOffer

__all__ = [
    "ACTIVE_STATUSES",
    "Appointment",
    "AppointmentChange",
    "AppointmentSource",
    "AppointmentStatus",
    "AvailabilityVersion",
    "BookingConsent",
    "BookingPolicy",
    "Client",
    "ClientChange",
    "ClientMessage",
    "ClinicClosure",
    "DateHours",
    "Fee",
    "Guardian",
    "IntakeChange",
    "LookupToken",
    "ManageToken",
    "NudgeSettings",
    "NudgeToken",
    "Payment",
    "PaymentMethod",
    "Room",
    "RunnerIntake",
    "Series",
    "SuggestionRule",
    "Therapist",
    "TimeOff",
    "TimeOffChange",
    "TimingRule",
    "TsTzRange",
    "WaitlistEntry",
    "WaitlistHold",
    "WaitlistOffer",
    "WallClockRange",
    "WeeklyHours",
]
