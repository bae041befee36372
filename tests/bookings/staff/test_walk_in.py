"""A walk-in starting now: booked into the slot under way and checked in, through the same
guard as every booking, so never into an overlap, and of two racing for one therapist, one."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from bookings import booking, roles
from bookings.models import Appointment, BookingPolicy, Client, ClientMessage
from bookings.rules import walk_in_start
from tests.bookings.staff.conftest import NOW, at, book
from tests.factories import make_client
from tests.helpers import StaffClient as WebClient
from tests.helpers import race

URL = "/staff/walk-in/"


def walk_in_form(clinic, **fields) -> dict:
    return {
        "first_name": "Drew",
        "last_name": "Walker",
        "phone": "(404) 555-0111",
        "email": "",
        "service_length": clinic.length.pk,
        "therapist": clinic.ana.pk,
        "key": str(uuid.uuid4()),
        **fields,
    }


@pytest.fixture
def at_10_07(clock, desk, desk_user):
    clock.move_to(at("10:07"))
    desk.force_login(desk_user)  # the idle staff session would have ended meanwhile


@pytest.mark.usefixtures("at_10_07")
def test_a_walk_in_books_the_slot_under_way_and_checks_the_client_in(desk, desk_user, clinic):
    page = desk.get(URL)
    response = desk.post(URL, walk_in_form(clinic))

    assert page.status_code == 200
    assert "the session starts at 10:00 AM, the slot under way" in page.text
    assert response.status_code == 303
    assert response["Location"] == reverse("staff:day")
    appointment = Appointment.objects.get()
    assert (appointment.start, appointment.end) == (at("10:00"), at("11:00"))
    assert (appointment.therapist, appointment.status) == (clinic.ana, "checked_in")
    assert str(appointment.client) == "Drew Walker"
    assert list(appointment.changes.values_list("action", "by")) == [
        ("booked", desk_user.pk),
        ("checked_in", desk_user.pk),
    ]
    assert not appointment.messages.exists()  # no confirmation asked for, no reminder due
    day = desk.get(response["Location"]).text
    assert "Walk-in checked in: Drew Walker with Ana Ortiz, 10:00\u201311:00 AM." in day


@pytest.mark.usefixtures("at_10_07")
def test_a_known_client_walks_in_with_whoever_is_free_and_gets_a_confirmation(desk, clinic):
    book(clinic, at("09:30"), therapist=clinic.ana)
    regular = make_client(first_name="Jess", last_name="Alvarez", email="jess@example.com")

    response = desk.post(
        f"{URL}?client={regular.pk}",
        walk_in_form(clinic, client=regular.pk, first_name="", therapist="", notify="on"),
    )

    assert response.status_code == 303
    appointment = Appointment.objects.get(client=regular)
    assert (appointment.therapist, appointment.start) == (clinic.ben, at("10:00"))
    kinds = appointment.messages.values_list("kind", flat=True)
    assert list(kinds) == [ClientMessage.Kind.CONFIRMATION]
    assert Client.objects.count() == 2


@pytest.mark.usefixtures("at_10_07")
def test_a_walk_in_into_an_overlap_is_refused_with_the_next_free_times(desk, clinic):
    book(clinic, at("09:30"), therapist=clinic.ana)  # until 10:30, turnover until 10:45

    response = desk.post(URL, walk_in_form(clinic))

    assert response.status_code == 409
    assert (
        "Ana Ortiz is not free for a 60-minute session from 10:00 AM, the slot under way."
        in response.text
    )
    assert "Free nearby:" in response.text
    assert "Mon, Jun 15, 10:45 AM with Ana Ortiz" in response.text
    assert Appointment.objects.count() == 1
    assert not Client.objects.filter(last_name="Walker").exists()


@pytest.mark.usefixtures("at_10_07")
def test_a_walk_in_inside_a_sessions_turnover_or_after_hours_is_refused(
    desk, desk_user, clinic, clock
):
    book(clinic, at("09:00"), therapist=clinic.ana)  # turnover until 10:15
    in_turnover = desk.post(URL, walk_in_form(clinic))
    clock.move_to(at("12:40"))  # lunch: both therapists are on a break until 13:30
    desk.force_login(desk_user)
    on_a_break = desk.post(URL, walk_in_form(clinic, therapist=""))

    assert in_turnover.status_code == on_a_break.status_code == 409
    assert "No therapist is free for a 60-minute session from 12:30 PM" in on_a_break.text
    assert Appointment.objects.count() == 1


@pytest.mark.usefixtures("at_10_07")
def test_the_same_walk_in_sent_twice_books_once(desk, clinic, clock, desk_user):
    form = walk_in_form(clinic)

    first = desk.post(URL, form)
    clock.move_to(at("10:16"))  # a slot later: the form still means the first walk-in
    desk.force_login(desk_user)
    second = desk.post(URL, form)

    assert first.status_code == second.status_code == 303
    assert Appointment.objects.count() == 1
    assert Appointment.objects.get().start == at("10:00")


@pytest.mark.usefixtures("at_10_07")
def test_walk_in_form_errors_are_shown_beside_the_fields(desk, clinic):
    response = desk.post(URL, walk_in_form(clinic, first_name="", phone="", therapist="x"))

    assert response.status_code == 422
    assert "Enter the client&#x27;s name, or find them above." in response.text
    assert "Give a phone number or an email to reach them." in response.text
    assert "Select a valid choice." in response.text
    assert not Appointment.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("meet", ["request", "insert"])
def test_two_walk_ins_racing_for_one_therapist_book_exactly_one(
    clock, clinic, make_user, monkeypatch, meet
):
    """Two desks at once. With meet="insert" both have passed every check in Python before
    either inserts, so the exclusion constraint alone picks the winner."""
    clock.move_to(at("10:07"))
    desks = [WebClient() for _ in range(2)]
    for desk in desks:
        desk.force_login(make_user(roles.FRONT_DESK))
    if meet == "insert":
        both_checked = threading.Barrier(2, timeout=10)
        checked = booking.refuse_if_blocked  # the last step before the INSERT

        met = set()

        def meet_then_check(**kwargs):
            # Once per desk: the loser of a deadlock between the two inserts tries again.
            if threading.get_ident() not in met:
                met.add(threading.get_ident())
                both_checked.wait()
            return checked(**kwargs)  # the therapist row it read with the lock

        monkeypatch.setattr(booking, "refuse_if_blocked", meet_then_check)

    responses = race(
        2, lambda i: desks[i].post(URL, walk_in_form(clinic, first_name=f"Walker {i}"))
    )

    assert sorted(r.status_code for r in responses) == [303, 409], responses
    lost = next(r for r in responses if r.status_code == 409)
    if meet == "insert":
        assert "Sorry, that time was just taken." in lost.text
    appointment = Appointment.objects.get()
    assert (appointment.start, appointment.status) == (at("10:00"), "checked_in")
    assert Client.objects.count() == 1  # the loser's new client went with its booking


@pytest.mark.parametrize(
    ("hhmm", "step", "start"),
    [
        ("10:07", 15, "10:00"),
        ("10:15", 15, "10:15"),
        ("10:29", 30, "10:00"),
        ("10:59", 60, "10:00"),
    ],
)
def test_a_walk_in_starts_when_the_slot_under_way_began(hhmm, step, start):
    assert walk_in_start(at(hhmm), BookingPolicy(slot_step_minutes=step)) == at(start)


def test_a_walk_in_in_the_hour_repeated_by_the_fall_change_keeps_its_offset():
    second_one_thirty_seven = datetime(2026, 11, 1, 6, 37, tzinfo=UTC)  # 1:37 AM EST

    start = walk_in_start(second_one_thirty_seven, BookingPolicy(slot_step_minutes=15))

    assert start.utcoffset() == timedelta(hours=-5)
    assert second_one_thirty_seven - start == timedelta(minutes=7)


def test_a_walk_in_before_anyone_works_is_refused_by_the_write_itself(clinic, desk_user, clock):
    clock.move_to(NOW)  # 7:30, before the therapists start at 9:00
    with pytest.raises(booking.SlotTaken, match="Ana Ortiz is not free"):
        booking.book_walk_in(
            client=make_client(),
            service_length=clinic.length,
            now=NOW,
            therapist=clinic.ana,
            key=uuid.uuid4(),
            by=desk_user,
            notify=False,
        )
    assert not Appointment.objects.exists()


@pytest.mark.usefixtures("at_10_07")
def test_a_walk_in_for_typed_details_finds_the_client_with_that_email(clinic, desk_user):
    known = make_client(first_name="Drew", last_name="Walker", email="drew@example.com")
    details = booking.ClientDetails("Drew", "Walker", "DREW@example.com", "")

    walked_in = booking.book_walk_in(
        client=None,
        details=details,
        service_length=clinic.length,
        now=at("10:07"),
        therapist=clinic.ana,
        key=uuid.uuid4(),
        by=desk_user,
        notify=False,
    )
    by_phone = booking.book_at_desk(
        client=None,
        details=details,
        service_length=clinic.length,
        start=at("14:00"),
        now=at("10:07"),
        therapist=clinic.ben,
        key=uuid.uuid4(),
        by=desk_user,
        notify=False,
    )

    assert walked_in.appointment.client == by_phone.appointment.client == known
    assert Client.objects.count() == 1


def test_a_walk_in_with_no_client_and_no_details_writes_nothing(clinic, desk_user, clock):
    clock.move_to(at("10:07"))
    with pytest.raises(ValueError, match="needs a client or the details"):
        booking.book_walk_in(
            client=None,
            service_length=clinic.length,
            now=at("10:07"),
            therapist=clinic.ana,
            key=uuid.uuid4(),
            by=desk_user,
            notify=False,
        )
    assert not Appointment.objects.exists()


@pytest.mark.usefixtures("at_10_07")
def test_the_walk_in_page_shows_the_found_and_chosen_client_as_the_booking_page_does(desk, clinic):
    client = make_client(first_name="Drew", last_name="Walker", phone="+14045550111")

    found = desk.post(f"{URL}?therapist={clinic.ana.pk}", {"q": "walker"})
    chosen = desk.get(f"{URL}?client={client.pk}&therapist={clinic.ana.pk}")

    link = f'href="?client={client.pk}&amp;therapist={clinic.ana.pk}">Walk-in for Drew Walker'
    assert link in found.text
    assert "(404) 555-0111" in found.text and "+14045550111" not in found.text
    assert "(404) 555-0111" in chosen.text and "+14045550111" not in chosen.text
    assert f'href="?therapist={clinic.ana.pk}">Choose another client' in chosen.text
