"""The bookings app's models, one module per concern."""

from bookings.models.appointments import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentSource,
    AppointmentStatus,
    LookupToken,
    ManageToken,
)
from bookings.models.clients import (
    BookingConsent,
    Client,
    Guardian,
    IntakeChange,
    RunnerIntake,
)
from bookings.models.outbox import ClientMessage
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
    "Payment",
    "PaymentMethod",
    "Room",
    "RunnerIntake",
    "Therapist",
    "TimeOff",
    "TimeOffChange",
    "TsTzRange",
    "WallClockRange",
    "WeeklyHours",
]
