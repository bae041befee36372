"""iCalendar files: one appointment for a client's email, a therapist's subscribed feed.

Neither ever carries health or intake details: a client's event names the service, the
therapist and the clinic; a therapist's feed shows the client's first name only.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from icalendar import Calendar, Event

from bookings.models import Appointment
from clinic.models import ClinicProfile

PRODID = "-//Medical & Sports Massage//Booking//EN"


def _calendar(*, method: str | None = None, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def appointment_uid(appointment: Appointment) -> str:
    """Return the event UID, stable for the life of the appointment (moves keep it)."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"appointment-{appointment.pk}@{host}"


def _event(appointment: Appointment, *, summary: str, description: str, location: str) -> Event:
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("sequence", appointment.sequence)
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", location)
    cancelled = appointment.status == Appointment.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def client_ics(
    appointment: Appointment, *, manage_url: str = "", profile: ClinicProfile | None = None
) -> bytes:
    """Return an .ics for the client's email: a request, or a cancellation once cancelled."""
    profile = profile or ClinicProfile.load()
    service = appointment.service_length.service
    cancelled = appointment.status == Appointment.Status.CANCELLED
    calendar = _calendar(method="CANCEL" if cancelled else "REQUEST")
    lines = [f"{service.title} with {appointment.therapist.name}.", f"Call us: {profile.phone}"]
    if manage_url and not cancelled:
        lines.append(f"Move or cancel: {manage_url}")
    calendar.add_component(
        _event(
            appointment,
            summary=f"{service.title} at {profile.name}",
            description="\n".join(lines),
            location=", ".join([profile.name, *profile.address_lines]),
        )
    )
    return calendar.to_ical()


def therapist_feed(name: str, appointments: Iterable[Appointment]) -> bytes:
    """Return a therapist's subscribable calendar: times, services and client first names."""
    calendar = _calendar(name=f"{name}: clinic schedule")
    for appointment in appointments:
        service = appointment.service_length.service
        first_name = appointment.client.first_name
        calendar.add_component(
            _event(
                appointment,
                summary=f"{service.title}: {first_name}",
                description=f"{service.title}, {appointment.room.name}",
                location=appointment.room.name,
            )
        )
    return calendar.to_ical()
