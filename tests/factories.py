"""Plain factory functions for tests: each makes one saved object with sensible defaults."""

import itertools
from datetime import date, datetime, time
from decimal import Decimal

from bookings.models import (
    Appointment,
    BookingPolicy,
    Client,
    ClientMessage,
    DateHours,
    Room,
    Therapist,
    TimeOff,
    WeeklyHours,
)
from clinic.models import Review
from services.models import Question, Service, ServiceLength

_seq = itertools.count(1)


def make_service(*, published: bool = True, lengths: tuple[int, ...] = (60,), **fields) -> Service:
    n = next(_seq)
    defaults = {
        "title": f"Service {n}",
        "slug": f"service-{n}",
        "summary": f"Summary of service {n}.",
        "body": f"<h2>About service {n}</h2><p>It helps runners.</p>",
        "seo_description": f"Service {n} for runners in Sandy Springs.",
        "ordering": n,
        "published": published,
    }
    fields = defaults | fields
    service = Service.objects.create(**({"draft_body": fields["body"]} | fields))
    for minutes in lengths:
        ServiceLength.objects.create(service=service, minutes=minutes, price=Decimal(minutes + 35))
    return service


def make_therapist(*, services: list[Service] = (), active: bool = True, **fields) -> Therapist:
    n = next(_seq)
    defaults = {
        "name": f"Therapist {n}",
        "slug": f"therapist-{n}",
        "bio": f"Bio {n}.",
        "active": active,
    }
    therapist = Therapist.objects.create(**(defaults | fields))
    therapist.services.set(services)
    return therapist


def make_room(*, services: list[Service] = (), active: bool = True, **fields) -> Room:
    n = next(_seq)
    room = Room.objects.create(**({"name": f"Room {n}", "active": active} | fields))
    room.services.set(services)
    return room


def make_weekly_hours(
    therapist: Therapist, *, weekdays: range | list[int] = range(7), start: str, end: str
) -> list[WeeklyHours]:
    """Give the therapist the same "HH:MM" interval on each of `weekdays`."""
    return WeeklyHours.objects.bulk_create(
        WeeklyHours(
            therapist=therapist,
            weekday=weekday,
            start=time.fromisoformat(start),
            end=time.fromisoformat(end),
        )
        for weekday in weekdays
    )


def make_date_hours(
    therapist: Therapist, *, day: date, start: str | None = None, end: str | None = None
) -> DateHours:
    return DateHours.objects.create(
        therapist=therapist,
        date=day,
        start=start and time.fromisoformat(start),
        end=end and time.fromisoformat(end),
    )


def make_time_off(therapist: Therapist, *, start: datetime, end: datetime) -> TimeOff:
    return TimeOff.objects.create(therapist=therapist, start=start, end=end, reason="Race week")


def make_client(**fields) -> Client:
    n = next(_seq)
    defaults = {
        "first_name": "Runner",
        "last_name": f"Number {n}",
        "email": f"runner{n}@example.com",
    }
    return Client.objects.create(**(defaults | fields))


def make_appointment(
    *,
    therapist: Therapist,
    room: Room,
    start: datetime,
    length: ServiceLength | None = None,
    status: str = Appointment.Status.BOOKED,
    **fields,
) -> Appointment:
    """Book `therapist` in `room` at `start` for `length` (default: their service's first)."""
    if length is None:
        service = therapist.services.first() or make_service()
        length = service.lengths.first()
    return Appointment.objects.create(
        client=fields.pop("client", None) or make_client(),
        therapist=therapist,
        room=room,
        service_length=length,
        start=start,
        status=status,
        **fields,
    )


def make_length(
    service: Service, *, minutes: int = 60, before: int = 0, after: int = 15
) -> ServiceLength:
    """Return the service's `minutes` length, with the given buffers."""
    length, _ = ServiceLength.objects.update_or_create(
        service=service,
        minutes=minutes,
        defaults={"price": Decimal(minutes + 35), "buffer_before": before, "buffer_after": after},
    )
    return length


def make_message(appointment: Appointment, **fields) -> ClientMessage:
    """Record an email owed to `appointment`'s client (no delivery task is queued)."""
    defaults = {"kind": ClientMessage.Kind.CONFIRMATION}
    return ClientMessage.objects.create(appointment=appointment, **(defaults | fields))


def make_review(*, service: Service | None = None, **fields) -> Review:
    n = next(_seq)
    defaults = {"quote": f"Review {n}: my legs felt new.", "first_name": f"Runner{n}", "rating": 5}
    return Review.objects.create(service=service, **(defaults | fields))


def make_question(service: Service, **fields) -> Question:
    n = next(_seq)
    defaults = {"question": f"Question {n}?", "answer": f"<p>Answer {n}.</p>", "ordering": n}
    fields = defaults | fields
    return Question.objects.create(service=service, **({"draft_answer": fields["answer"]} | fields))


def make_two_therapist_clinic() -> dict:
    """One service (60 minutes, 15 after), Maya and Tom working 9-17 every day, two rooms."""
    BookingPolicy.objects.create()
    service = make_service(lengths=())
    length = make_length(service, minutes=60, after=15)
    maya = make_therapist(name="Maya", services=[service])
    tom = make_therapist(name="Tom", services=[service])
    for therapist in (maya, tom):
        make_weekly_hours(therapist, start="09:00", end="17:00")
    rooms = [make_room(services=[service]), make_room(services=[service])]
    return {"length": length, "maya": maya, "tom": tom, "rooms": rooms}
