"""A phone booking at the desk and an online booking for the same time: exactly one wins."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection

from bookings import booking
from bookings.models import Appointment
from tests.bookings.staff.conftest import MONDAY, NOW, at
from tests.factories import make_client
from tests.helpers import StaffClient as WebClient

TUESDAY = MONDAY + timedelta(days=1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("hhmm", "meet"), [("10:00", "request"), ("14:00", "insert")])
def test_desk_and_online_racing_for_one_time_book_it_once(
    clock, clinic, desk_user, monkeypatch, hhmm, meet
):
    """Both start together; with meet="insert" both have also passed every check in
    Python before either inserts, so the exclusion constraint alone picks the winner."""
    start = at(hhmm, TUESDAY)
    desk = WebClient()
    desk.force_login(desk_user)
    runner = make_client()
    form = {
        "first_name": "Walk",
        "last_name": "In",
        "phone": "(404) 555-0123",
        "service_length": clinic.length.pk,
        "therapist": clinic.ana.pk,
        "day": TUESDAY.isoformat(),
        "time": hhmm,
        "notify": "on",
        "key": str(uuid.uuid4()),
    }
    barrier = threading.Barrier(2, timeout=10)
    outcomes: dict[str, str] = {}
    if meet == "insert":
        at_insert = threading.Barrier(2, timeout=10)
        checked = booking.refuse_if_blocked  # the last step before the INSERT

        def meet_then_check(**kwargs):
            at_insert.wait()
            return checked(**kwargs)

        monkeypatch.setattr(booking, "refuse_if_blocked", meet_then_check)

    def at_the_desk() -> None:
        try:
            barrier.wait()
            response = desk.post("/staff/book/", form)
            outcomes["desk"] = {303: "won", 409: "lost"}.get(response.status_code, "broke")
            lost_to_the_constraint = "Sorry, that time was just taken." in response.text
            outcomes["desk_message"] = "just taken" if lost_to_the_constraint else ""
        finally:
            connection.close()

    def online() -> None:
        try:
            barrier.wait()
            booking.book_appointment(
                client=runner,
                service_length=clinic.length,
                start=start,
                now=NOW,
                therapist=clinic.ana,
                key=uuid.uuid4(),
            )
            outcomes["online"] = "won"
        except booking.SlotTaken as taken:
            outcomes["online"] = "lost"
            outcomes["online_message"] = "just taken" if "just taken" in taken.message else ""
        finally:
            connection.close()

    threads = [threading.Thread(target=at_the_desk), threading.Thread(target=online)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted([outcomes["desk"], outcomes["online"]]) == ["lost", "won"]
    if meet == "insert":  # the loser was turned away by the database, politely
        loser = "desk" if outcomes["desk"] == "lost" else "online"
        assert outcomes[f"{loser}_message"] == "just taken"
    assert Appointment.objects.filter(therapist=clinic.ana, start=start).count() == 1
