"""The waitlist (bookings/waitlist.py): offers in join order, holds that really hold, one
claim wins, expiry returns the time, leaving, and bad input changing nothing."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from bookings import booking, waitlist
from bookings.booking import ClientDetails
from bookings.models import (
    Appointment,
    BookingPolicy,
    ClientMessage,
    TimeOff,
    WaitlistEntry,
    WaitlistHold,
    WaitlistOffer,
)
from bookings.public import picker
from tests.factories import make_two_therapist_clinic
from tests.helpers import race

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=NY)  # a Monday morning
TUESDAY_10 = datetime(2026, 12, 8, 10, 0, tzinfo=NY)
TUESDAY = 1
Kind = ClientMessage.Kind


@pytest.fixture
def clinic(db):
    """One service, two therapists working 9-17 every day, two suitable rooms."""
    made = make_two_therapist_clinic()
    with time_machine.travel(NOW, tick=False):
        yield {"length": made["length"], "maya": made["maya"], "tom": made["tom"]}


def runner(name: str) -> ClientDetails:
    return ClientDetails(name, "Runner", f"{name.lower()}@example.com", "+14045550111")


def join(clinic, name: str, *, days=(TUESDAY,), parts=("morning",), therapist=None, **kw):
    return waitlist.join(
        details=runner(name),
        service_length=clinic["length"],
        therapist=therapist,
        days=list(days),
        parts=list(parts),
        until=kw.get("until", date(2026, 12, 20)),
        now=datetime.now(NY),
    )


def book_and_cancel(clinic) -> Appointment:
    booked = booking.book_appointment(
        client=runner("Booker"),
        service_length=clinic["length"],
        start=TUESDAY_10,
        therapist=clinic["maya"],
        now=datetime.now(NY),
    )
    return booking.cancel_appointment(appointment=booked.appointment, now=datetime.now(NY))


def free_for(clinic, start: datetime) -> bool:
    """Return whether the picker (through the availability cache) offers `start` with Maya."""
    wanted = picker.Request(
        clinic["length"], clinic["maya"], BookingPolicy.load(), datetime.now(NY)
    )
    return picker.is_free(wanted, start)


def offered(clinic) -> WaitlistHold:
    book_and_cancel(clinic)
    hold = waitlist.offer_freed_time(
        therapist_id=clinic["maya"].pk, start=TUESDAY_10, now=datetime.now(NY)
    )
    assert hold is not None
    return hold


def test_a_cancellation_queues_the_offer_with_its_own_transaction(clinic):
    book_and_cancel(clinic)

    queued = DBTaskResult.objects.filter(task_path="bookings.tasks.offer_freed_time")
    assert [task.args_kwargs["args"] for task in queued] == [
        [clinic["maya"].pk, TUESDAY_10.astimezone(UTC).isoformat()]
    ]


def test_a_freed_time_is_offered_in_join_order_to_those_it_suits(clinic):
    first = join(clinic, "Ana")
    join(clinic, "Ben", days=[3])  # Thursdays only
    join(clinic, "Cal", parts=["evening"])
    second = join(clinic, "Dee", therapist=clinic["maya"])
    join(clinic, "Eve", therapist=clinic["tom"])
    third = join(clinic, "Fay")
    join(clinic, "Gus")  # the fourth who suits: past OFFERS_PER_HOLD

    hold = offered(clinic)

    assert [(o.rank, o.entry) for o in hold.offers.all()] == [(1, first), (2, second), (3, third)]
    sent = ClientMessage.objects.filter(kind=Kind.WAITLIST_OFFER).order_by("pk")
    assert [m.email for m in sent] == ["ana@example.com", "dee@example.com", "fay@example.com"]
    assert DBTaskResult.objects.filter(task_path="bookings.tasks.expire_waitlist_hold").count() == 1


def test_a_hold_keeps_the_time_from_the_picker_and_the_desk(clinic, django_user_model):
    join(clinic, "Ana")
    assert free_for(clinic, TUESDAY_10)  # kept in the availability cache, then held:
    hold = offered(clinic)

    assert TimeOff.objects.filter(pk=hold.time_off_id, therapist=clinic["maya"]).exists()
    assert not free_for(clinic, TUESDAY_10)
    desk = django_user_model.objects.create_user("desk")
    with pytest.raises(booking.SlotTaken):
        booking.book_at_desk(
            client=None,
            details=runner("Walkin"),
            service_length=clinic["length"],
            start=TUESDAY_10,
            now=datetime.now(NY),
            therapist=clinic["maya"],
            key=__import__("uuid").uuid4(),
            by=desk,
            notify=False,
        )
    assert not Appointment.objects.filter(start=TUESDAY_10).active().exists()


def test_an_expired_hold_returns_the_time_to_the_picker(clinic):
    join(clinic, "Ana")
    hold = offered(clinic)
    [offer] = hold.offers.all()
    assert not free_for(clinic, TUESDAY_10)

    with time_machine.travel(NOW + waitlist.HOLD + timedelta(seconds=1), tick=False):
        assert waitlist.release_due_holds(now=datetime.now(NY)) == 1
        assert free_for(clinic, TUESDAY_10)  # the cached day noticed the hold's removal
        with pytest.raises(waitlist.WaitlistError) as refused:
            waitlist.claim(offer=offer, now=datetime.now(NY))
    assert refused.value.reason == "expired"
    hold.refresh_from_db()
    assert hold.status == "expired" and hold.time_off is None
    assert WaitlistEntry.objects.get().status == "waiting"  # still on the list
    assert not Appointment.objects.active().exists()


def offers_queued(clinic) -> list[list]:
    queued = DBTaskResult.objects.filter(task_path="bookings.tasks.offer_freed_time")
    return [task.args_kwargs["args"] for task in queued.order_by("enqueued_at")]


def test_a_hold_nobody_claims_goes_to_the_next_runners_in_line(clinic):
    for name in ["Ana", "Ben", "Cal", "Dee", "Eve"]:
        join(clinic, name)
    first = offered(clinic)
    assert [o.entry.client.first_name for o in first.offers.all()] == ["Ana", "Ben", "Cal"]
    freed = [clinic["maya"].pk, TUESDAY_10.astimezone(UTC).isoformat()]
    assert offers_queued(clinic) == [freed]  # the cancellation's

    later = NOW + waitlist.HOLD + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert waitlist.release_due_holds(now=datetime.now(NY)) == 1
        assert offers_queued(clinic) == [freed, freed]  # queued with the release
        second = waitlist.offer_freed_time(
            therapist_id=freed[0], start=TUESDAY_10, now=datetime.now(NY)
        )

    assert [(o.rank, o.entry.client.first_name) for o in second.offers.all()] == [
        (1, "Dee"),
        (2, "Eve"),
    ]
    assert not free_for(clinic, TUESDAY_10)  # held again
    sent = ClientMessage.objects.filter(kind=Kind.WAITLIST_OFFER).order_by("pk")
    assert [m.email.split("@")[0] for m in sent] == ["ana", "ben", "cal", "dee", "eve"]
    # Once everyone waiting has let it lapse, the time simply stays on the picker.
    with time_machine.travel(later + waitlist.HOLD + timedelta(seconds=1), tick=False):
        assert waitlist.release_due_holds(now=datetime.now(NY)) == 1
        again = waitlist.offer_freed_time(
            therapist_id=freed[0], start=TUESDAY_10, now=datetime.now(NY)
        )
        assert again is None
        assert free_for(clinic, TUESDAY_10)
    assert WaitlistEntry.objects.filter(status="waiting").count() == 5  # all still waiting


def test_a_runner_who_lost_the_time_to_a_claim_is_offered_it_when_it_frees_again(clinic):
    join(clinic, "Ana")
    join(clinic, "Ben")
    ana, ben = offered(clinic).offers.all()
    claimed = waitlist.claim(offer=ana, now=datetime.now(NY))
    booking.cancel_appointment(appointment=claimed.booked.appointment, now=datetime.now(NY))

    hold = waitlist.offer_freed_time(
        therapist_id=clinic["maya"].pk, start=TUESDAY_10, now=datetime.now(NY)
    )

    assert [o.entry for o in hold.offers.all()] == [ben.entry]


def test_a_claim_after_the_hold_ran_out_releases_it_even_before_the_worker(clinic):
    join(clinic, "Ana")
    join(clinic, "Ben")
    hold = offered(clinic)
    ana, _ben = hold.offers.all()

    with time_machine.travel(NOW + waitlist.HOLD + timedelta(seconds=1), tick=False):
        with pytest.raises(waitlist.WaitlistError) as refused:
            waitlist.claim(offer=ana, now=datetime.now(NY))
        assert free_for(clinic, TUESDAY_10)

    assert refused.value.reason == "expired"
    hold.refresh_from_db()
    assert hold.status == "expired" and hold.time_off is None
    assert sorted(hold.offers.values_list("status", flat=True)) == ["expired", "expired"]
    assert len(offers_queued(clinic)) == 2  # the cancellation's and the release's
    assert not Appointment.objects.active().exists()


def test_removed_time_off_is_offered_to_the_runners_waiting_one_time_each(
    clinic, django_user_model
):
    maya = django_user_model.objects.create_user("maya-login")
    off = booking.take_time_off(
        therapist=clinic["maya"],
        start=TUESDAY_10 - timedelta(hours=1),
        end=TUESDAY_10 + timedelta(hours=2),
        by=maya,
    )
    for name in ["Ana", "Ben", "Cal", "Dee"]:
        join(clinic, name, therapist=clinic["maya"])
    join(clinic, "Eve", parts=["afternoon"])  # the freed morning does not suit her

    booking.remove_time_off(
        therapist=clinic["maya"], time_off_id=off.pk, by=maya, now=datetime.now(NY)
    )

    queued = DBTaskResult.objects.filter(task_path="bookings.tasks.offer_freed_span")
    args = [off.therapist_id, *(t.astimezone(UTC).isoformat() for t in (off.start, off.end))]
    assert [task.args_kwargs["args"] for task in queued] == [args]
    first, second = waitlist.offer_freed_span(
        therapist_id=off.therapist_id, start=off.start, end=off.end, now=datetime.now(NY)
    )
    assert first.start == off.start  # the earliest start, for the first three to join
    assert [o.entry.client.first_name for o in first.offers.all()] == ["Ana", "Ben", "Cal"]
    assert second.start >= first.held_until and second.held_until <= off.end  # no overlap
    assert [o.entry.client.first_name for o in second.offers.all()] == ["Dee"]
    assert WaitlistHold.objects.count() == 2  # nobody is offered two of the freed times


def test_time_off_lifted_by_an_admin_is_offered_too(clinic, django_user_model):
    admin = django_user_model.objects.create_user("admin", is_staff=True, is_superuser=True)
    off = booking.block_time(
        therapist=clinic["maya"],
        start=TUESDAY_10,
        end=TUESDAY_10 + timedelta(hours=1, minutes=15),
        by=admin,
    )
    join(clinic, "Ana")

    booking.lift_time_off(time_off_id=off.pk, by=admin, now=datetime.now(NY))

    assert DBTaskResult.objects.filter(task_path="bookings.tasks.offer_freed_span").exists()
    [hold] = waitlist.offer_freed_span(
        therapist_id=off.therapist_id, start=off.start, end=off.end, now=datetime.now(NY)
    )
    assert hold.start == TUESDAY_10 and not free_for(clinic, TUESDAY_10)


def test_the_first_claim_books_and_the_others_are_told_it_went(clinic):
    join(clinic, "Ana")
    join(clinic, "Ben")
    hold = offered(clinic)
    first, second = hold.offers.all()

    claimed = waitlist.claim(offer=second, now=datetime.now(NY))

    appointment = claimed.booked.appointment
    assert (appointment.start, appointment.therapist, appointment.client.email) == (
        TUESDAY_10,
        clinic["maya"],
        "ben@example.com",
    )
    assert appointment.changes.get().action == "booked"
    assert ClientMessage.objects.filter(appointment=appointment, kind=Kind.CONFIRMATION).exists()
    assert list(
        ClientMessage.objects.filter(kind=Kind.WAITLIST_GONE).values_list("email", flat=True)
    ) == ["ana@example.com"]
    with pytest.raises(waitlist.WaitlistError) as refused:
        waitlist.claim(offer=first, now=datetime.now(NY))
    assert refused.value.reason == "gone"
    # The same claim again books nothing more.
    again = waitlist.claim(offer=second, now=datetime.now(NY))
    assert again.booked.appointment == appointment and not again.booked.created
    assert Appointment.objects.active().count() == 1
    assert not TimeOff.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_runners_claiming_the_same_freed_time_at_once_exactly_one_gets_it(clinic):
    join(clinic, "Ana")
    join(clinic, "Ben")
    hold = offered(clinic)
    offers = list(hold.offers.all())

    results = race(2, lambda i: waitlist.claim(offer=offers[i], now=datetime.now(NY)))

    won = [r for r in results if isinstance(r, waitlist.Claimed)]
    lost = [r for r in results if isinstance(r, waitlist.WaitlistError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].reason == "gone"
    assert Appointment.objects.active().filter(start=TUESDAY_10).count() == 1
    assert sorted(WaitlistOffer.objects.values_list("status", flat=True)) == ["claimed", "gone"]


def test_leaving_the_list_ends_its_offers_and_the_next_freed_time_skips_it(clinic):
    entry = join(clinic, "Ana")
    token = waitlist.issue_leave_token(entry)
    assert waitlist.entry_for_leave_token(token) == entry
    assert waitlist.entry_for_leave_token(token[:-2] + "xx") is None
    assert waitlist.entry_for_leave_token("../../etc") is None

    assert waitlist.leave(entry=entry, now=datetime.now(NY))
    assert not waitlist.leave(entry=entry, now=datetime.now(NY))  # once is enough

    book_and_cancel(clinic)
    assert (
        waitlist.offer_freed_time(
            therapist_id=clinic["maya"].pk, start=TUESDAY_10, now=datetime.now(NY)
        )
        is None
    )
    assert free_for(clinic, TUESDAY_10)  # nobody waiting: nothing held


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (date(2026, 12, 6), "today or later"),
        (date(2027, 12, 6), "We take bookings up to"),
    ],
)
def test_joining_refuses_a_last_day_out_of_range_and_writes_nothing(clinic, until, message):
    with pytest.raises(waitlist.WaitlistError, match=message):
        join(clinic, "Ana", until=until)
    assert not WaitlistEntry.objects.exists() and not ClientMessage.objects.exists()


def test_expired_entries_are_removed(clinic):
    join(clinic, "Ana", until=date(2026, 12, 8))
    join(clinic, "Ben")
    with time_machine.travel(datetime(2026, 12, 9, 8, 0, tzinfo=NY), tick=False):
        assert waitlist.release_expired(now=datetime.now(NY)) == (0, 1)
    assert [e.client.first_name for e in WaitlistEntry.objects.all()] == ["Ben"]
