"""A therapist removes time off they entered, before it starts: recorded, through the write
function, and the slots it held are offered again at once (the availability cache too)."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from bookings import availability_cache, booking, roles
from bookings.models import BookingPolicy, TimeOff, TimeOffChange
from tests.bookings.staff.conftest import MONDAY, NOW, at
from tests.helpers import race

pytestmark = pytest.mark.usefixtures("clock")

TUESDAY = MONDAY + timedelta(days=1)


def remove_url(time_off: TimeOff) -> str:
    return reverse("staff:my_time_off_remove", args=[time_off.pk])


def offered_at(clinic, day) -> set:
    """Return the local starts the cache offers with Ana on `day`."""
    found = availability_cache.offered(
        service_length=clinic.length,
        policy=BookingPolicy.load(),
        now=NOW,
        start_date=day,
        end_date=day + timedelta(days=1),
        therapist=clinic.ana,
    )
    return {slot.start for slot in found}


@pytest.fixture
def own_time_off(clinic, ana_user) -> TimeOff:
    return booking.take_time_off(
        therapist=clinic.ana,
        start=at("13:30", TUESDAY),
        end=at("17:00", TUESDAY),
        by=ana_user,
        reason="Race weekend",
    )


def test_a_therapist_removes_their_own_future_time_off(ana_web, ana_user, clinic, own_time_off):
    assert at("14:00", TUESDAY) not in offered_at(clinic, TUESDAY)  # kept in the cache
    page = ana_web.get(reverse("staff:my_schedule")).text

    response = ana_web.post(remove_url(own_time_off))

    assert f'action="{remove_url(own_time_off)}"' in page
    assert response.status_code == 303
    assert response["Location"] == reverse("staff:my_schedule")
    assert not TimeOff.objects.exists()
    assert at("14:00", TUESDAY) in offered_at(clinic, TUESDAY)  # the cache saw the delete
    added, removed = TimeOffChange.objects.order_by("pk")
    assert (added.action, removed.action) == ("added", "removed")
    assert (removed.therapist, removed.by, removed.at) == (clinic.ana, ana_user, NOW)
    assert removed.details == {
        "start": at("13:30", TUESDAY).isoformat(),
        "end": at("17:00", TUESDAY).isoformat(),
        "reason": "Race weekend",
    }
    after = ana_web.get(response["Location"]).text
    assert "Time off removed: " in after and "You can be booked in that time again." in after
    assert "Your time off ahead" not in after


def test_the_desks_block_and_time_off_under_way_stay(ana_web, clinic, desk_user, ana_user, clock):
    blocked = booking.block_time(
        therapist=clinic.ana, start=at("09:00", TUESDAY), end=at("10:00", TUESDAY), by=desk_user
    )
    started = booking.take_time_off(
        therapist=clinic.ana, start=at("08:00"), end=at("09:30"), by=ana_user
    )
    page = ana_web.get(reverse("staff:my_schedule")).text

    by_desk = ana_web.post(remove_url(blocked))

    assert "Set by the front desk" in page and "Under way" not in page
    assert by_desk.status_code == 409
    assert "You did not enter that time off; ask the front desk to remove it." in by_desk.text
    clock.move_to(at("08:30"))
    ana_web.force_login(ana_user)
    under_way = ana_web.post(remove_url(started))
    assert under_way.status_code == 409
    assert "That time off has already started" in under_way.text
    assert "Under way" in under_way.text
    assert TimeOff.objects.count() == 2
    assert not TimeOffChange.objects.filter(action="removed").exists()


def test_another_therapists_time_off_or_a_gone_one_is_not_theirs_to_remove(
    ana_web, clinic, make_user, own_time_off
):
    ben_user = make_user(roles.THERAPIST, therapist=clinic.ben, is_staff=True)
    theirs = booking.take_time_off(
        therapist=clinic.ben, start=at("09:00", TUESDAY), end=at("10:00", TUESDAY), by=ben_user
    )

    other = ana_web.post(remove_url(theirs))
    gone = ana_web.post(reverse("staff:my_time_off_remove", args=[theirs.pk + 1000]))
    by_get = ana_web.get(remove_url(own_time_off))

    assert other.status_code == gone.status_code == 409
    assert "not on your schedule any more" in other.text
    assert by_get.status_code == 405
    assert TimeOff.objects.count() == 2


def test_the_desk_cannot_use_the_therapists_door(desk, own_time_off):
    assert desk.post(remove_url(own_time_off)).status_code == 403
    assert TimeOff.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_removals_racing_record_one(clinic, ana_user):
    off = booking.take_time_off(
        therapist=clinic.ana,
        start=at("13:30", TUESDAY),
        end=at("17:00", TUESDAY),
        by=ana_user,
        reason=str(uuid.uuid4()),
    )

    def remove() -> str:  # each thread its own connection, as two requests would
        try:
            booking.remove_time_off(therapist=clinic.ana, time_off_id=off.pk, by=ana_user, now=NOW)
        except booking.BookingError:
            return "refused"
        return "removed"

    assert sorted(race(2, lambda _: remove())) == ["refused", "removed"]
    assert TimeOffChange.objects.filter(action="removed").count() == 1
    assert not TimeOff.objects.exists()
