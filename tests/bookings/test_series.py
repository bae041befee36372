"""Training blocks (bookings/series.py): planned whole, booked all or nothing, changed from
one session on."""

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from bookings import availability_cache, booking, emails, outbox, recheck, series
from bookings.models import Appointment, AppointmentChange, BookingPolicy, ClientMessage, Series
from tests.factories import (
    make_appointment,
    make_client,
    make_two_therapist_clinic,
)
from tests.helpers import race

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=NY)  # a Monday morning
TUESDAY_10 = datetime(2026, 12, 8, 10, 0, tzinfo=NY)
Kind = ClientMessage.Kind


@pytest.fixture
def clinic(db):
    with time_machine.travel(NOW, tick=False):
        yield make_two_therapist_clinic()


def weeks(n: int, *, every: int = 1, start: datetime = TUESDAY_10) -> list[datetime]:
    return series.occurrence_starts(start, every_weeks=every, count=n)


def plan(clinic, count=6, *, every=1, start=TUESDAY_10, therapist="maya"):
    return series.plan_series(
        service_length=clinic["length"],
        start=start,
        therapist=clinic[therapist] if therapist else None,
        every_weeks=every,
        count=count,
        now=NOW,
        policy=BookingPolicy.load(),
    )


def book(clinic, starts, *, key=None, therapist="maya", client=None, **kwargs):
    return series.book_series(
        client=client or make_client(email="jess@example.com"),
        service_length=clinic["length"],
        therapist=clinic[therapist] if therapist else None,
        every_weeks=kwargs.pop("every", 1),
        starts=starts,
        now=NOW,
        key=key or uuid4(),
        **kwargs,
    )


def take(clinic, start, therapist="maya"):
    return make_appointment(
        therapist=clinic[therapist], room=clinic["rooms"][0], start=start, length=clinic["length"]
    )


def test_a_plan_reads_every_weeks_versions_once(clinic):
    """A week this process keeps is checked from memory; one it does not costs a read of
    what lies around its start."""
    policy, maya = BookingPolicy.load(), clinic["maya"]
    args = dict(service_length=clinic["length"], start=TUESDAY_10, therapist=maya, every_weeks=1,
                count=6, now=NOW, policy=policy)  # fmt: skip
    availability_cache.clear()
    with CaptureQueriesContext(connection) as cold:
        first = series.plan_series(**args)
    for week in range(6):  # the time pages of those weeks keep their days
        day = (TUESDAY_10 + timedelta(weeks=week)).date()
        availability_cache.offered(
            service_length=clinic["length"], policy=policy, now=NOW, start_date=day,
            end_date=day + timedelta(days=1), therapist=maya,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as warm:
        again = series.plan_series(**args)

    assert len(cold) == 1 + 6  # the versions of all six weeks, then around each start
    assert all("bookings_appointment" in query["sql"] for query in cold[1:])
    assert len(warm) == 1
    assert first == again
    assert all(occurrence.free for occurrence in first)


def test_occurrences_keep_the_wall_time_across_the_dst_change():
    starts = series.occurrence_starts(
        datetime(2027, 3, 2, 10, 0, tzinfo=NY), every_weeks=2, count=3
    )

    assert [s.astimezone(NY).strftime("%m-%d %H:%M") for s in starts] == [
        "03-02 10:00",
        "03-16 10:00",  # after the clocks went forward on March 14
        "03-30 10:00",
    ]


def test_a_six_week_plan_lists_the_taken_week_with_alternatives_and_books_nothing(clinic):
    take(clinic, weeks(6)[2])

    planned = plan(clinic)

    assert [o.free for o in planned] == [True, True, False, True, True, True]
    week3 = planned[2]
    assert week3.reason == "That time is already taken."
    assert week3.alternatives, "the taken week offers other times"
    other_days = {s.astimezone(NY).date() for s in weeks(6)} - {week3.start.astimezone(NY).date()}
    for offer in week3.alternatives:
        assert offer.start != week3.start
        assert offer.start.astimezone(NY).date() not in other_days
        recheck.confirm_offer(  # every alternative is really bookable
            service_length=clinic["length"],
            start=offer.start,
            therapist=clinic["maya"],
            now=NOW,
            policy=BookingPolicy.load(),
        )
    assert Appointment.objects.count() == 1
    assert not Series.objects.exists()


def test_booking_the_confirmed_set_books_all_six_with_history_and_one_email(clinic):
    take(clinic, weeks(6)[2])
    planned = plan(clinic)
    chosen = [o.start if o.free else o.alternatives[0].start for o in planned]

    booked = book(clinic, chosen, terms="v1")

    assert booked.created
    assert [a.start for a in booked.appointments] == sorted(chosen)
    assert {a.series_id for a in booked.appointments} == {booked.series.pk}
    assert len(booked.tokens) == 6
    for appointment in booked.appointments:
        assert [c.action for c in appointment.changes.all()] == [AppointmentChange.Action.BOOKED]
        assert appointment.source == Appointment.Source.ONLINE
    to_client = ClientMessage.objects.to_clients().exclude(kind=Kind.REMINDER)
    assert [(m.kind, m.appointment_id) for m in to_client] == [
        (Kind.SERIES_BOOKED, booked.appointments[0].pk)
    ]
    assert ClientMessage.objects.filter(kind=Kind.REMINDER).count() == 6


def test_the_block_email_lists_every_date_and_carries_one_event_per_session(clinic, settings):
    booked = book(clinic, weeks(6))
    message = ClientMessage.objects.get(kind=Kind.SERIES_BOOKED)

    email = emails.compose(message, now=NOW)

    assert email.to == ["jess@example.com"]
    assert email.subject.startswith("Booked: 6 ")
    for day in ("December 8", "December 15", "December 22", "December 29", "January 5, 2027"):
        assert day in email.body
    assert email.body.count("Move or cancel this one: http") == 6
    assert email.body.count("/intake/") == 1  # the intake, asked once for the block
    [(name, content, mimetype)] = email.attachments
    assert name == "training-block.ics"
    assert "method=REQUEST" in mimetype
    events = Calendar.from_ical(content).walk("VEVENT")
    assert [e["uid"] for e in events] == [
        f"appointment-{a.pk}@{settings.SITE_URL.split('://')[1].split(':')[0].split('/')[0]}"
        for a in booked.appointments
    ]
    assert [e.decoded("dtstart") for e in events] == [a.start for a in booked.appointments]
    assert all(str(e["attendee"]) == "mailto:jess@example.com" for e in events)
    email.send()
    assert len(mail.outbox) == 1


def test_a_session_taken_before_the_sixth_is_written_leaves_none(clinic):
    starts = weeks(6)
    assert all(o.free for o in plan(clinic))
    take(clinic, starts[5])  # booked by someone else between the review and the confirm

    with pytest.raises(series.SeriesRefused) as refused:
        book(clinic, starts)

    assert "Jan 12" in refused.value.message
    assert "Nothing was booked" in refused.value.message
    assert refused.value.alternatives
    assert Appointment.objects.count() == 1
    assert not Series.objects.exists()
    assert not ClientMessage.objects.exists()


def test_the_exclusion_constraint_refusing_the_sixth_rolls_back_the_five(clinic, monkeypatch):
    starts = weeks(6)
    rival = take(clinic, starts[5])
    real = booking.confirm_offer

    def misses_the_rival(**kwargs):
        # As if the rival committed after the engine looked: only the constraint can see it.
        if kwargs["start"] == starts[5]:
            return rival.therapist_id, rival.room_id
        return real(**kwargs)

    monkeypatch.setattr(booking, "confirm_offer", misses_the_rival)

    with pytest.raises(series.SeriesRefused):
        book(clinic, starts)

    assert list(Appointment.objects.all()) == [rival]
    assert not Series.objects.exists()
    assert not ClientMessage.objects.exists()


def test_the_same_key_books_the_block_once(clinic):
    key, client = uuid4(), make_client()
    first = book(clinic, weeks(3), key=key, client=client)

    again = book(clinic, weeks(3), key=key, client=client)

    assert not again.created
    assert again.series == first.series
    assert Appointment.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_runners_racing_for_one_block_exactly_one_gets_it():
    with time_machine.travel(NOW, tick=False):
        clinic = make_two_therapist_clinic()
        clients = [make_client(email=f"r{i}@example.com") for i in range(2)]
        starts = weeks(6)

        def attempt(i):
            return book(clinic, starts, client=clients[i])

        results = race(2, attempt)

    won = [r for r in results if isinstance(r, series.SeriesBooked)]
    lost = [r for r in results if isinstance(r, series.SeriesRefused)]
    assert len(won) == 1 and len(lost) == 1, results
    assert Series.objects.count() == 1
    assert Appointment.objects.count() == 6
    assert set(Appointment.objects.values_list("series_id", flat=True)) == {won[0].series.pk}


@pytest.mark.parametrize(
    ("count", "every", "message"),
    [
        (12, 1, "only 60 days ahead. Choose 9 sessions or fewer"),
        (6, 2, "only 60 days ahead. Choose 5 sessions or fewer"),
        (0, 1, "2 to 12 sessions"),
        (1, 1, "2 to 12 sessions"),
        (13, 1, "2 to 12 sessions"),
        (4, 3, "weekly or every two weeks"),
    ],
)
def test_refuses_a_block_of_the_wrong_shape(clinic, count, every, message):
    with pytest.raises(series.SeriesRefused) as refused:
        plan(clinic, count, every=every)

    assert message in refused.value.message


def test_refuses_two_sessions_on_one_day(clinic):
    with pytest.raises(series.SeriesRefused, match="same day"):
        book(clinic, [TUESDAY_10, TUESDAY_10 + timedelta(hours=3)])

    assert not Appointment.objects.exists()


def test_cancelling_this_and_the_rest_keeps_the_earlier_ones_and_sends_one_email(clinic):
    booked = book(clinic, weeks(6))
    third = booked.appointments[2]

    cancelled = series.cancel_rest(appointment=third, now=NOW, reason="Injured")

    assert [a.pk for a in cancelled] == [a.pk for a in booked.appointments[2:]]
    statuses = list(Appointment.objects.order_by("start").values_list("status", flat=True))
    assert statuses == ["booked"] * 2 + ["cancelled"] * 4
    assert ClientMessage.objects.filter(kind=Kind.SERIES_CANCELLED).count() == 1
    assert not ClientMessage.objects.filter(kind=Kind.CANCELLED).exists()
    assert AppointmentChange.objects.filter(action="cancelled", reason="Injured").count() == 4
    email = emails.compose(ClientMessage.objects.get(kind=Kind.SERIES_CANCELLED), now=NOW)
    assert "method=CANCEL" in email.attachments[0][2]
    assert len(Calendar.from_ical(email.attachments[0][1]).walk("VEVENT")) == 4
    assert "December 8" not in email.body and "December 22" in email.body


def test_cancelling_the_rest_inside_the_cut_off_changes_nothing(clinic):
    booked = book(clinic, weeks(3))
    first = booked.appointments[0]

    late = first.start - timedelta(hours=2)
    with time_machine.travel(late, tick=False), pytest.raises(booking.ChangeNotAllowed):
        series.cancel_rest(appointment=first, now=late)

    assert not Appointment.objects.filter(status="cancelled").exists()


def test_moving_the_rest_shifts_each_later_session_and_refuses_all_if_one_is_taken(clinic):
    booked = book(clinic, weeks(4))
    second = booked.appointments[1]
    take(clinic, weeks(4)[3] + timedelta(days=1, hours=4))  # week 4's Wednesday at 14:00

    with pytest.raises(series.SeriesRefused, match="Nothing was moved"):
        series.move_rest(
            appointment=second, start=second.start + timedelta(days=1, hours=4), now=NOW
        )
    assert [a.start for a in Appointment.objects.filter(series=booked.series)] == weeks(4)

    moved = series.move_rest(appointment=second, start=second.start + timedelta(hours=2), now=NOW)

    assert [a.start for a in moved] == [s + timedelta(hours=2) for s in weeks(4)[1:]]
    assert Appointment.objects.get(pk=booked.appointments[0].pk).start == TUESDAY_10
    assert ClientMessage.objects.filter(kind=Kind.SERIES_MOVED).count() == 1
    assert not ClientMessage.objects.filter(kind=Kind.MOVED).exists()


def test_staff_book_a_block_from_the_desk(clinic):
    desk = get_user_model().objects.create_user("desk", password="a-long-desk-password-1")

    booked = book(clinic, weeks(3), by=desk, source=Appointment.Source.DESK)

    assert booked.tokens == {}
    assert {a.source for a in booked.appointments} == {"desk"}
    assert booked.series.created_by == desk


def test_the_worker_delivers_each_block_email_once(clinic):
    def deliver(kind):  # as the worker does, a moment after each change
        return outbox.deliver(ClientMessage.objects.get(kind=kind).pk)

    booked = book(clinic, weeks(4))
    results = [deliver(Kind.SERIES_BOOKED)]
    series.move_rest(
        appointment=booked.appointments[1],
        start=booked.appointments[1].start + timedelta(hours=1),
        now=NOW,
    )
    results.append(deliver(Kind.SERIES_MOVED))
    series.cancel_rest(appointment=booked.appointments[2], now=NOW)
    results.append(deliver(Kind.SERIES_CANCELLED))

    assert results == ["sent"] * 3
    subjects = [m.subject for m in mail.outbox]
    assert [s.split(":")[0] for s in subjects] == ["Booked", "Moved", "Cancelled"]
    assert subjects[0].startswith("Booked: 4 ")
    assert subjects[1].startswith("Moved: 3 ")  # the second session and the two after it
    assert subjects[2].startswith("Cancelled: 2 ")
    assert "11:00 AM" in mail.outbox[1].body
    assert outbox.deliver(ClientMessage.objects.get(kind=Kind.SERIES_BOOKED).pk) == (
        "nothing to send"
    )


@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_itself_books_the_block_once():
    with time_machine.travel(NOW, tick=False):
        clinic = make_two_therapist_clinic()
        client, key = make_client(email="jess@example.com"), uuid4()

        results = race(2, lambda _i: book(clinic, weeks(6), key=key, client=client))

    assert all(isinstance(r, series.SeriesBooked) for r in results), results
    assert sorted(r.created for r in results) == [False, True]
    assert {r.series.pk for r in results} == {Series.objects.get().pk}
    assert Appointment.objects.count() == 6
    assert ClientMessage.objects.filter(kind=Kind.SERIES_BOOKED).count() == 1


@pytest.fixture
def listening(clinic):
    """Maya, Tom and the desk each hear of every online change, at their own address."""
    for name in ("maya", "tom"):
        clinic[name].notice_email = f"{name}@clinic.example"
        clinic[name].save(update_fields=["notice_email"])
    BookingPolicy.objects.filter(pk=1).update(desk_email="desk@clinic.example")
    return clinic


def staff_notices(kind: str) -> dict[str, object]:
    """Return {recipient: composed email} of the staff notices of `kind`."""
    queued = ClientMessage.objects.filter(kind=kind)
    return {message.email: emails.compose(message, now=NOW) for message in queued}


def test_an_online_block_tells_each_therapist_and_the_desk_once(listening):
    starts = weeks(4)
    for taken in (starts[1], starts[3]):
        take(listening, taken)  # Maya is busy then: "anyone" gives those weeks to Tom

    booked = book(listening, starts, therapist=None)

    sent = staff_notices(Kind.NOTICE_SERIES_BOOKED)
    assert set(outbox.BLOCK_NOTICES) == emails.BLOCK_NOTICES  # composed as notices
    assert set(sent) == {"maya@clinic.example", "tom@clinic.example", "desk@clinic.example"}
    assert not ClientMessage.objects.filter(kind=Kind.NOTICE_BOOKED).exists()
    with_ = {a.pk: a.therapist.name for a in booked.appointments}
    assert sorted(with_.values()) == ["Maya", "Maya", "Tom", "Tom"]
    desk, service = sent["desk@clinic.example"], listening["length"].service.title
    assert (
        desk.subject
        == f"Booked online: Runner N., 4 sessions of {service}, from Tue, Dec 8 at 10:00 AM"
    )
    for name, address in (("Maya", "maya@clinic.example"), ("Tom", "tom@clinic.example")):
        mine = [pk for pk, who in with_.items() if who == name]
        body = sent[address].body
        assert sent[address].subject.startswith(f"Booked online: Runner N., {len(mine)} sessions")
        assert all(f"/staff/appointments/{pk}/" in body for pk in mine)
        assert not any(f"/staff/appointments/{pk}/" in body for pk in set(with_) - set(mine))
    assert all(f"/staff/appointments/{pk}/" in desk.body for pk in with_)
    assert "jess@example.com" not in desk.body and "/book/manage/" not in desk.body


def test_changing_the_rest_online_sends_one_notice_each_and_the_desk_hears_nothing_twice(
    listening,
):
    booked = book(listening, weeks(4))
    second = booked.appointments[1]

    series.move_rest(appointment=second, start=second.start + timedelta(hours=2), now=NOW)
    moved = staff_notices(Kind.NOTICE_SERIES_MOVED)  # composed as the worker would, at once
    series.cancel_rest(appointment=booked.appointments[2], now=NOW)
    cancelled = staff_notices(Kind.NOTICE_SERIES_CANCELLED)
    booking.cancel_appointment(appointment=booked.appointments[0], now=NOW)  # this one only

    assert set(moved) == set(cancelled) == {"maya@clinic.example", "desk@clinic.example"}
    assert moved["desk@clinic.example"].subject.startswith("Moved online: Runner N., 3 sessions")
    assert "December 15, 2026, 12:00\u20131:00 PM, with Maya" in moved["desk@clinic.example"].body
    assert cancelled["desk@clinic.example"].subject.startswith(
        "Cancelled online: Runner N., 2 sessions"
    )
    assert not ClientMessage.objects.filter(kind__in=[Kind.NOTICE_MOVED]).exists()
    # The one session cancelled on its own is told as one.
    [single] = ClientMessage.objects.filter(kind=Kind.NOTICE_CANCELLED, email="desk@clinic.example")
    assert single.appointment_id == booked.appointments[0].pk


def test_a_block_booked_at_the_desk_sends_no_notice(listening):
    desk = get_user_model().objects.create_user("desk", password="a-long-desk-password-1")

    book(listening, weeks(3), by=desk, source=Appointment.Source.DESK)

    assert not ClientMessage.objects.filter(kind__startswith="notice").exists()
