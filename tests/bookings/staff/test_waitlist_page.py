"""The staff waitlist page: who is waiting, the holds and offers, removing an entry."""

from datetime import date, timedelta

from django.core.management import call_command

from bookings import booking, waitlist
from bookings.booking import ClientDetails
from bookings.models import ClientMessage, WaitlistEntry
from tests.bookings.staff.conftest import MONDAY, NOW, at

TUESDAY = MONDAY + timedelta(days=1)


def wait(clinic, name: str, *, therapist=None, until=None) -> WaitlistEntry:
    return waitlist.join(
        details=ClientDetails(name, "Runner", f"{name.lower()}@example.com", "+14045550111"),
        service_length=clinic.length,
        therapist=therapist,
        days=[0, 1],
        parts=["morning"],
        until=until or date(2026, 6, 30),
        now=NOW,
    )


def test_the_desk_sees_the_list_in_join_order_with_the_holds_and_offers(desk, clinic, clock):
    wait(clinic, "Ada")
    wait(clinic, "Bo", therapist=clinic.ben)
    booked = booking.book_appointment(
        client=ClientDetails("Cy", "Booker", "cy@example.com", "+14045550122"),
        service_length=clinic.length,
        start=at("11:00", TUESDAY),
        therapist=clinic.ana,
        now=NOW,
    )
    booking.cancel_appointment(appointment=booked.appointment, now=NOW)
    waitlist.offer_freed_time(therapist_id=clinic.ana.pk, start=at("11:00", TUESDAY), now=NOW)

    html = desk.get("/staff/waitlist/").text

    assert html.index("Ada Runner") < html.index("Bo Runner")
    assert "Held until 7:45 AM" in html and "Ada Runner: open" in html
    assert 'aria-current="page">Waitlist' in html


def test_the_filters_narrow_the_list_and_bad_ones_show_everyone(desk, clinic, clock):
    wait(clinic, "Ada")
    wait(clinic, "Bo", therapist=clinic.ben)

    assert "Ada Runner" not in desk.get(f"/staff/waitlist/?therapist={clinic.ben.pk}").text
    shown = desk.get("/staff/waitlist/?therapist=nope&status=%00&service=-1")
    assert shown.status_code == 200 and "Ada Runner" in shown.text and "Bo Runner" in shown.text


def test_removing_an_entry_takes_it_off_the_list(desk, clinic, clock):
    entry = wait(clinic, "Ada")

    response = desk.post(f"/staff/waitlist/{entry.pk}/remove/")

    assert response.status_code == 303 and response["Location"] == "/staff/waitlist/"
    entry.refresh_from_db()
    assert entry.status == "removed"
    assert "Ada Runner" not in desk.get("/staff/waitlist/").text
    assert "Ada Runner" in desk.get("/staff/waitlist/?status=removed").text
    assert desk.post("/staff/waitlist/999999/remove/").status_code == 404
    assert desk.get(f"/staff/waitlist/{entry.pk}/remove/").status_code == 405


def test_the_command_releases_late_holds_and_removes_expired_entries(clinic, clock, capsys):
    wait(clinic, "Ada", until=date(2026, 6, 15))
    wait(clinic, "Bo")
    clock.move_to(NOW + timedelta(days=1))

    call_command("expire_waitlist")

    assert "0 hold(s) released, 1 expired entry(ies) removed." in capsys.readouterr().out
    assert list(WaitlistEntry.objects.values_list("client__first_name", flat=True)) == ["Bo"]


def test_a_failed_waitlist_email_is_named_as_one_on_the_emails_page(desk, clinic, clock):
    wait(clinic, "Ada")
    ClientMessage.objects.update(status=ClientMessage.Status.FAILED, failed_at=NOW, reason="550")

    html = desk.get("/staff/emails/").text

    assert "A waitlist email" in html and "find my bookings" not in html
