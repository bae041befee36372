"""iCalendar files: invitations in client emails, the manage page's download, a therapist feed.

RFC 5546 (iTIP) says what each one is:
- An email's file is an invitation: METHOD:REQUEST for a booking, a move or a reminder,
  METHOD:CANCEL once cancelled. Both name the clinic as ORGANIZER and the runner as
  ATTENDEE, keep one UID for the life of the appointment and carry its SEQUENCE, which
  every move and the cancellation raise: a calendar app that has the event updates or
  removes it instead of adding another.
- The manage page's download and a therapist's feed are METHOD:PUBLISH: a copy of events,
  not an invitation to answer, so they name no attendee.

None ever carries health or intake details: a client's event names the service, the
therapist and the clinic; a therapist's feed shows the client's first name only.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from bookings.models import Appointment
from clinic.models import ClinicProfile

PRODID = "-//Medical & Sports Massage//Booking//EN"


@dataclass(frozen=True, slots=True)
class Invitation:
    """An iTIP message for an email attachment: its METHOD and the .ics bytes."""

    method: str
    content: bytes

    @property
    def content_type(self) -> str:
        """Return the MIME type mail clients read the method from (RFC 6047)."""
        return f"text/calendar; method={self.method}; charset=utf-8"


def _calendar(*, method: str, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def appointment_uid(appointment: Appointment) -> str:
    """Return the event UID, stable for the life of the appointment (moves keep it)."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"appointment-{appointment.pk}@{host}"


def organizer() -> vCalAddress:
    """Return the clinic as ORGANIZER: the address its emails come from, with its name."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return vCalAddress.new(address, cn=name or None)


def _attendee(appointment: Appointment) -> vCalAddress:
    """Return the runner as ATTENDEE: they booked it, so it is accepted, with no reply asked."""
    client = appointment.client
    return vCalAddress.new(
        client.email,
        cn=str(client),
        role="REQ-PARTICIPANT",
        partstat="ACCEPTED",
        rsvp=False,
    )


def _event(appointment: Appointment, *, summary: str, description: str, location: str) -> Event:
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("sequence", appointment.sequence)
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", location)
    event.add("organizer", organizer())
    cancelled = appointment.status == Appointment.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _client_event(appointment: Appointment, *, manage_url: str, profile: ClinicProfile) -> Event:
    """Return the runner's event: service, therapist, clinic, and the manage link if live."""
    service = appointment.service_length.service
    lines = [f"{service.title} with {appointment.therapist.name}.", f"Call us: {profile.phone}"]
    if manage_url and appointment.status != Appointment.Status.CANCELLED:
        lines.append(f"Move or cancel: {manage_url}")
    return _event(
        appointment,
        summary=f"{service.title} at {profile.name}",
        description="\n".join(lines),
        location=", ".join([profile.name, *profile.address_lines]),
    )


def invitation(
    appointment: Appointment, *, manage_url: str = "", profile: ClinicProfile | None = None
) -> Invitation:
    """Return the email's invitation: a request, or a cancellation once cancelled."""
    profile = profile or ClinicProfile.load()
    method = "CANCEL" if appointment.status == Appointment.Status.CANCELLED else "REQUEST"
    event = _client_event(appointment, manage_url=manage_url, profile=profile)
    event.add("attendee", _attendee(appointment))
    calendar = _calendar(method=method)
    calendar.add_component(event)
    return Invitation(method, calendar.to_ical())


def series_invitation(
    appointments: list[Appointment],
    *,
    manage_urls: dict[int, str],
    profile: ClinicProfile | None = None,
) -> Invitation:
    """Return a training block's invitation: one event per session, each with the UID and
    SEQUENCE its own emails use, so a later change to one session updates that event.

    All cancelled: a CANCEL of each; otherwise a REQUEST of the sessions still booked.
    """
    profile = profile or ClinicProfile.load()
    cancelled = all(each.status == Appointment.Status.CANCELLED for each in appointments)
    method = "CANCEL" if cancelled else "REQUEST"
    calendar = _calendar(method=method)
    for appointment in appointments:
        if not cancelled and appointment.status == Appointment.Status.CANCELLED:
            continue
        url = manage_urls.get(appointment.pk, "")
        event = _client_event(appointment, manage_url=url, profile=profile)
        event.add("attendee", _attendee(appointment))
        calendar.add_component(event)
    return Invitation(method, calendar.to_ical())


def client_ics(
    appointment: Appointment, *, manage_url: str = "", profile: ClinicProfile | None = None
) -> bytes:
    """Return the manage page's download: the runner's event, published, not an invitation."""
    profile = profile or ClinicProfile.load()
    calendar = _calendar(method="PUBLISH")
    calendar.add_component(_client_event(appointment, manage_url=manage_url, profile=profile))
    return calendar.to_ical()


def therapist_feed(name: str, appointments: Iterable[Appointment]) -> bytes:
    """Return a therapist's subscribable calendar: times, services and client first names."""
    calendar = _calendar(method="PUBLISH", name=f"{name}: clinic schedule")
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
