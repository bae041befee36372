"""Admins edit the schedule in the Django admin, with clear messages for impossible hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    Appointment,
    BookingPolicy,
    LookupToken,
    Therapist,
    TimeOff,
    TimeOffChange,
    WaitlistHold,
    WeeklyHours,
)
from bookings.tokens import issue_lookup_token
from tests.factories import (
    make_appointment,
    make_client,
    make_length,
    make_room,
    make_service,
    make_therapist,
    make_weekly_hours,
)

NY = ZoneInfo("America/New_York")
TEN = datetime(2026, 6, 15, 10, tzinfo=NY)
MODELS = [
    "therapist",
    "room",
    "timeoff",
    "clinicclosure",
    "bookingpolicy",
    "client",
    "appointment",
]

pytestmark = pytest.mark.django_db


# Appointments change only on the staff pages (one door); intakes come from runners.
READ_ONLY = {"appointment", "runnerintake"}


@pytest.mark.parametrize("model", [*MODELS, "runnerintake"])
def test_admin_lists_and_add_forms_open(admin_client, model):
    assert admin_client.get(reverse(f"admin:bookings_{model}_changelist")).status_code == 200
    expected = 403 if model in READ_ONLY else 200
    assert admin_client.get(reverse(f"admin:bookings_{model}_add")).status_code == expected


def therapist_form(therapist: Therapist, hours: list[tuple[int, str, str]]) -> dict[str, str]:
    """Return the therapist's change form with the weekly-hours inline holding `hours`."""
    saved = list(therapist.weekly_hours.all())
    data = {
        "name": therapist.name,
        "slug": therapist.slug,
        "bio": therapist.bio,
        "active": "on",
        "ordering": "0",
        "weekly_hours-TOTAL_FORMS": str(len(saved) + len(hours)),
        "weekly_hours-INITIAL_FORMS": str(len(saved)),
        "date_hours-TOTAL_FORMS": "0",
        "date_hours-INITIAL_FORMS": "0",
    }
    rows = [(h.pk, h.weekday, f"{h.start:%H:%M}", f"{h.end:%H:%M}") for h in saved]
    rows += [("", *row) for row in hours]
    for n, (pk, weekday, start, end) in enumerate(rows):
        data |= {
            f"weekly_hours-{n}-id": str(pk),
            f"weekly_hours-{n}-therapist": str(therapist.pk),
            f"weekly_hours-{n}-weekday": str(weekday),
            f"weekly_hours-{n}-start": start,
            f"weekly_hours-{n}-end": end,
        }
    return data


@pytest.fixture
def maya() -> Therapist:
    maya = make_therapist(name="Maya Brooks")
    make_weekly_hours(maya, weekdays=[0], start="09:00", end="12:30")
    return maya


def change(admin_client, therapist: Therapist, hours: list[tuple[int, str, str]]):
    url = reverse("admin:bookings_therapist_change", args=[therapist.pk])
    return admin_client.post(url, therapist_form(therapist, hours))


def test_admin_saves_weekly_hours_with_a_break(admin_client, maya):
    response = change(admin_client, maya, [(0, "13:30", "18:00"), (5, "08:00", "14:00")])

    assert response.status_code == 302
    assert [str(h) for h in maya.weekly_hours.all()] == [
        "Monday 9:00 AM\u201312:30 PM",
        "Monday 1:30\u20136:00 PM",
        "Saturday 8:00 AM\u20132:00 PM",
    ]


@pytest.mark.parametrize(("typed", "saved"), [("2", 2), ("", None)])
def test_admin_sets_or_clears_a_therapist_s_own_daily_cap(admin_client, maya, typed, saved):
    url = reverse("admin:bookings_therapist_change", args=[maya.pk])
    response = admin_client.post(url, therapist_form(maya, []) | {"max_sessions_per_day": typed})

    assert response.status_code == 302
    maya.refresh_from_db()
    assert maya.max_sessions_per_day == saved


def test_admin_refuses_a_daily_cap_of_zero(admin_client, maya):
    url = reverse("admin:bookings_therapist_change", args=[maya.pk])
    response = admin_client.post(url, therapist_form(maya, []) | {"max_sessions_per_day": "0"})

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.text
    maya.refresh_from_db()
    assert maya.max_sessions_per_day is None


def test_admin_rejects_hours_overlapping_saved_hours_naming_the_clash(admin_client, maya):
    response = change(admin_client, maya, [(0, "12:00", "14:00")])

    assert response.status_code == 200
    assert "Overlaps Monday 9:00 AM\u201312:30 PM, already set for this therapist." in response.text
    assert maya.weekly_hours.count() == 1


def test_admin_rejects_new_intervals_overlapping_each_other(admin_client, maya):
    response = change(admin_client, maya, [(1, "09:00", "12:00"), (1, "11:00", "14:00")])

    assert response.status_code == 200
    assert "Tuesday: 9:00 AM\u201312:00 PM overlaps 11:00 AM\u20132:00 PM." in response.text
    assert maya.weekly_hours.count() == 1


def test_admin_rejects_a_day_off_and_hours_on_one_date(admin_client, maya):
    data = therapist_form(maya, []) | {
        "date_hours-TOTAL_FORMS": "2",
        "date_hours-0-therapist": str(maya.pk),
        "date_hours-0-date": "2026-11-27",
        "date_hours-1-therapist": str(maya.pk),
        "date_hours-1-date": "2026-11-27",
        "date_hours-1-start": "10:00",
        "date_hours-1-end": "14:00",
    }

    response = admin_client.post(reverse("admin:bookings_therapist_change", args=[maya.pk]), data)

    assert response.status_code == 200
    assert "Fri, Nov 27, 2026: a day off cannot have hours." in response.text
    assert not maya.date_hours.exists()


def test_admin_rejects_hours_ending_before_they_start(admin_client, maya):
    response = change(admin_client, maya, [(2, "17:00", "09:00")])

    assert response.status_code == 200
    assert "The end must be after the start." in response.text
    assert not WeeklyHours.objects.filter(weekday=2).exists()


def test_admin_rejects_time_off_ending_before_it_starts(admin_client, maya):
    response = admin_client.post(
        reverse("admin:bookings_timeoff_add"),
        {
            "therapist": maya.pk,
            "start_0": "2026-06-15",
            "start_1": "12:00",
            "end_0": "2026-06-15",
            "end_1": "09:00",
        },
    )

    assert response.status_code == 200
    assert "The end must be after the start." in response.text
    assert not TimeOff.objects.exists()


def time_off_form(therapist: Therapist, start: datetime, end: datetime, **fields) -> dict:
    local_start, local_end = start.astimezone(NY), end.astimezone(NY)
    return {
        "therapist": therapist.pk,
        "start_0": local_start.date().isoformat(),
        "start_1": local_start.strftime("%H:%M"),
        "end_0": local_end.date().isoformat(),
        "end_1": local_end.strftime("%H:%M"),
        **fields,
    }


def test_time_off_added_in_the_admin_is_a_block_with_its_history(admin_client, admin_user, maya):
    data = time_off_form(maya, TEN, TEN + timedelta(hours=2), reason="Course")
    response = admin_client.post(reverse("admin:bookings_timeoff_add"), data)

    assert response.status_code == 302
    added = TimeOff.objects.get()
    assert (added.start, added.end, added.reason, added.added_by) == (
        TEN,
        TEN + timedelta(hours=2),
        "Course",
        admin_user,
    )
    [line] = TimeOffChange.objects.all()
    assert (line.action, line.by, line.therapist_id) == ("added", admin_user, maya.pk)


def test_time_off_over_a_booked_session_is_refused_in_the_admin(admin_client, setting):
    length, maya, room = setting
    make_appointment(therapist=maya, room=room, start=TEN, length=length)

    data = time_off_form(maya, TEN - timedelta(hours=1), TEN + timedelta(hours=1))
    response = admin_client.post(reverse("admin:bookings_timeoff_add"), data)

    assert response.status_code == 200
    assert "has a session at" in response.text and "Move or cancel it first." in response.text
    assert not TimeOff.objects.exists()
    assert not TimeOffChange.objects.exists()


def test_time_off_is_removed_in_the_admin_with_a_history_row_never_edited(
    admin_client, admin_user, maya
):
    off = TimeOff.objects.create(therapist=maya, start=TEN, end=TEN + timedelta(hours=1))
    edit = admin_client.post(
        reverse("admin:bookings_timeoff_change", args=[off.pk]),
        time_off_form(maya, TEN, TEN + timedelta(hours=3)),
    )
    assert edit.status_code == 403

    removed = admin_client.post(
        reverse("admin:bookings_timeoff_delete", args=[off.pk]), {"post": "yes"}
    )

    assert removed.status_code == 302
    assert not TimeOff.objects.exists()
    [line] = TimeOffChange.objects.all()
    assert (line.action, line.by, line.details["start"]) == (
        "removed",
        admin_user,
        TEN.isoformat(),
    )


def test_a_waitlist_hold_cannot_be_removed_in_the_admin_one_by_one_or_in_bulk(admin_client, maya):
    off = TimeOff.objects.create(therapist=maya, start=TEN, end=TEN + timedelta(hours=1))
    WaitlistHold.objects.create(
        therapist=maya,
        start=TEN,
        time_off=off,
        held_from=TEN,
        held_until=TEN + timedelta(hours=1),
        expires_at=TEN - timedelta(hours=1),
    )
    one = admin_client.post(
        reverse("admin:bookings_timeoff_delete", args=[off.pk]), {"post": "yes"}
    )
    bulk = admin_client.post(
        reverse("admin:bookings_timeoff_changelist"),
        {"action": "delete_selected", "_selected_action": [off.pk], "post": "yes"},
    )

    assert one.status_code == 403
    assert bulk.status_code in (200, 302)
    assert TimeOff.objects.filter(pk=off.pk).exists()
    assert not TimeOffChange.objects.exists()


@pytest.fixture
def setting():
    service = make_service(title="Deep tissue massage")
    length = make_length(service, minutes=60, after=15)
    maya = make_therapist(name="Maya Brooks", services=[service])
    return length, maya, make_room(name="Treatment room 1", services=[service])


def appointment_form(length, therapist, room, start: datetime, **fields) -> dict[str, str]:
    local = start.astimezone(NY)
    return {
        "client": str(make_client().pk),
        "therapist": str(therapist.pk),
        "room": str(room.pk),
        "service_length": str(length.pk),
        "start_0": f"{local:%Y-%m-%d}",
        "start_1": f"{local:%H:%M}",
        "status": "booked",
        **fields,
    }


@pytest.mark.parametrize(
    "start",
    [
        TEN + timedelta(minutes=70),  # inside the first session's 15 minutes' turnover
        datetime(2026, 6, 15, 3, tzinfo=NY),  # 3:00 AM, outside every working hour
    ],
    ids=["overlap", "out-of-hours"],
)
def test_an_admin_cannot_book_through_the_admin(admin_client, setting, start):
    length, maya, room = setting
    make_appointment(therapist=maya, room=room, start=TEN, length=length)

    form = admin_client.get(reverse("admin:bookings_appointment_add"))
    response = admin_client.post(
        reverse("admin:bookings_appointment_add"), appointment_form(length, maya, room, start)
    )

    assert (form.status_code, response.status_code) == (403, 403)
    assert Appointment.objects.count() == 1


def test_an_admin_cannot_move_or_delete_an_appointment_in_the_admin(admin_client, setting):
    length, maya, room = setting
    booked = make_appointment(therapist=maya, room=room, start=TEN, length=length)
    data = appointment_form(length, maya, room, datetime(2026, 6, 15, 3, tzinfo=NY))
    data |= {"client": str(booked.client_id)}

    moved = admin_client.post(reverse("admin:bookings_appointment_change", args=[booked.pk]), data)
    deleted = admin_client.post(
        reverse("admin:bookings_appointment_delete", args=[booked.pk]), {"post": "yes"}
    )

    assert (moved.status_code, deleted.status_code) == (403, 403)
    booked.refresh_from_db()
    assert (booked.start, booked.status) == (TEN, "booked")
    assert not booked.changes.exists()


def test_the_admin_shows_an_appointment_read_only_with_a_link_to_its_staff_page(
    admin_client, setting
):
    length, maya, room = setting
    booked = make_appointment(therapist=maya, room=room, start=TEN, length=length)

    page = admin_client.get(reverse("admin:bookings_appointment_change", args=[booked.pk]))
    listed = admin_client.get(reverse("admin:bookings_appointment_changelist"))

    staff_page = reverse("staff:appointment", args=[booked.pk])
    assert page.status_code == 200
    assert f'<a href="{staff_page}">the staff page</a>' in page.text
    assert 'name="_save"' not in page.text
    assert f'<a href="{staff_page}">the staff page</a>' in listed.text


def test_the_appointment_list_query_count_does_not_grow_with_appointments(
    admin_client, setting, django_assert_max_num_queries
):
    length, maya, room = setting
    url = reverse("admin:bookings_appointment_changelist")
    for day in range(2):
        make_appointment(therapist=maya, room=room, start=TEN + timedelta(days=day), length=length)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for day in range(2, 12):
        make_appointment(therapist=maya, room=room, start=TEN + timedelta(days=day), length=length)

    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(url)

    assert response.text.count('class="field-client nowrap"') == 12


def test_the_booking_policy_is_one_row_admins_edit_but_cannot_add_or_delete(admin_client):
    BookingPolicy().save()

    assert admin_client.get(reverse("admin:bookings_bookingpolicy_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:bookings_bookingpolicy_delete", args=[1])).status_code
        == 403
    )
    response = admin_client.post(
        reverse("admin:bookings_bookingpolicy_change", args=[1]),
        {
            "slot_step_minutes": "30",
            "min_notice_hours": "4",
            "horizon_days": "90",
            "change_cutoff_hours": "24",
            "max_sessions_per_day": "6",
            "reminder_hours_before": "24",
            "late_cancellation_hours": "24",
            "late_cancellation_fee": "40.00",
            "no_show_fee": "95.00",
            "check_in_opens_minutes": "30",
        },
    )
    assert response.status_code == 302
    policy = BookingPolicy.load()
    assert (
        policy.slot_step_minutes,
        policy.horizon_days,
        policy.max_sessions_per_day,
        policy.check_in_opens_minutes,
    ) == (30, 90, 6, 30)


def test_find_my_bookings_links_are_listed_read_only_without_digest(admin_client):
    raw = issue_lookup_token("runner@example.com", now=timezone.now())
    link = LookupToken.objects.get()

    listing = admin_client.get(reverse("admin:bookings_lookuptoken_changelist"))
    page = admin_client.get(reverse("admin:bookings_lookuptoken_change", args=[link.pk]))

    assert listing.status_code == page.status_code == 200
    assert "runner@example.com" in listing.text and "not yet opened" in listing.text
    for response in [listing, page]:
        assert link.digest not in response.text and raw not in response.text
        assert 'name="q"' not in response.text  # no search: it would put an email in a URL
        assert "runner%40example.com" not in response.text
    assert 'name="email"' not in page.text  # nothing to edit
    assert admin_client.get(reverse("admin:bookings_lookuptoken_add")).status_code == 403
    delete = reverse("admin:bookings_lookuptoken_delete", args=[link.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert LookupToken.objects.filter(pk=link.pk).exists()
