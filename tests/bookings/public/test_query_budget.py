"""Round trips of the booking steps, counted as gunicorn runs them (outside a test's
transaction, so BEGIN and COMMIT count and no savepoint of the test's own appears).

Each is counted with the day's availability to compute (nothing kept for it); the details
step also as a process's very first request, which reads the policy, length and therapist.
"""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings import availability_cache, reference
from bookings.models import Appointment, BookingPolicy, ClientMessage
from clinic import page_cache
from tests.bookings.public.conftest import TUESDAY_10, confirm, details_path, path

pytestmark = pytest.mark.django_db(transaction=True)

DETAILS_BUDGET = 8
CONFIRM_BUDGET = 15
LOOKUPS = 3  # the policy, the length and the therapist, kept after a process's first request


@pytest.fixture
def cold(clinic):
    """The reference data kept (an earlier visitor read it), the day's availability not."""
    Client().get(details_path(clinic))
    availability_cache.clear()
    cache.clear()


def test_the_details_step_runs_at_most_eight_queries(
    client, clinic, cold, django_assert_max_num_queries
):
    with django_assert_max_num_queries(DETAILS_BUDGET):
        response = client.get(details_path(clinic))
    reference.clear()
    availability_cache.clear()
    with django_assert_max_num_queries(DETAILS_BUDGET + LOOKUPS):
        first = Client().get(details_path(clinic))

    assert response.status_code == first.status_code == 200
    assert 'name="key"' in response.text


def test_the_confirm_step_books_within_its_query_budget(
    clinic, cold, django_assert_max_num_queries
):
    runner = Client()
    assert runner.get(details_path(clinic)).status_code == 200  # the session, as a browser has

    with django_assert_max_num_queries(CONFIRM_BUDGET):
        response = confirm(runner, clinic)

    assert response.status_code == 303
    appointment = Appointment.objects.get()
    assert appointment.changes.count() == 1
    assert appointment.messages.count() == 2  # the confirmation and the reminder
    assert appointment.consents.count() == 1


def test_a_confirm_rechecks_a_kept_day_without_the_schedule_query(
    clinic, cold, django_assert_max_num_queries
):
    """The details page kept the day (its free times), under the versions the confirm reads
    anyway: the re-check needs neither the schedule query nor a read of its own. After a
    write to the day (a booking by someone else), the re-check reads the schedule again."""

    def confirmed(**fields) -> list[str]:
        runner = Client()
        assert runner.get(details_path(clinic, start=fields["start"])).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert confirm(runner, clinic, **fields).status_code == 303
        return [q["sql"] for q in queries]

    kept = confirmed(start=TUESDAY_10, email="a@example.com")
    runner = Client()  # a second runner fetches a form for 14:00, then someone books 12:00
    assert runner.get(details_path(clinic, start=TUESDAY_10.replace(hour=14))).status_code == 200
    confirmed(start=TUESDAY_10.replace(hour=12), email="b@example.com")
    with CaptureQueriesContext(connection) as changed:
        response = confirm(runner, clinic, start=TUESDAY_10.replace(hour=14), email="c@example.com")

    assert response.status_code == 303
    schedule = [sql for sql in kept if "bookings_weeklyhours" in sql]
    assert schedule == []
    # The rate limit, the reference tokens, the session; BEGIN, the client, the therapist's
    # lock, the time off, the booking's rows, COMMIT; the session saved.
    assert len(kept) == 10
    assert len([q for q in changed if "bookings_weeklyhours" in q["sql"]]) == 1
    assert len(changed) == 11
    assert Appointment.objects.count() == 3


def test_a_kept_time_page_and_its_days_times_are_one_read_each(
    client, clinic, django_assert_num_queries, monkeypatch
):
    """Once a visitor has seen them, the time page and a day's times are the one read that
    says nothing changed (and that no waitlist hold is due), on the thread's own connection:
    answered above sessions, the pool's connections are not even taken."""
    length = clinic["length"].pk
    pages = [
        path("time", length=length, therapist="maya"),
        path("time", length=length),
        path("times", length=length, therapist="any", day=TUESDAY_10.date().isoformat()),
    ]
    for page in pages:
        assert client.get(page).status_code == 200
    reads, read = [], page_cache.committed_rows

    def counted(*query):
        reads.append(query)
        return read(*query)

    monkeypatch.setattr(page_cache, "committed_rows", counted)
    for page in pages:
        with django_assert_num_queries(0):
            response = client.get(page)
        assert response.status_code == 200
        assert not hasattr(response.wsgi_request, "session")
    assert len(reads) == len(pages)


def test_the_staff_notice_of_an_online_booking_costs_the_confirm_no_query(clinic, cold):
    """The therapist's sign-in email, which the notice falls back on without a notice
    address of their own, comes with the therapist's row the booking locks anyway."""

    def booked_in(queries: CaptureQueriesContext, **fields) -> int:
        runner = Client()
        runner.get(details_path(clinic, start=fields["start"]))
        with queries:
            assert confirm(runner, clinic, **fields).status_code == 303
        return len(queries)

    unheard = booked_in(CaptureQueriesContext(connection), start=TUESDAY_10, email="a@example.com")
    maya = clinic["maya"]
    maya.user = User.objects.create_user("maya", email="maya@clinic.example")
    maya.save()
    BookingPolicy.objects.update(desk_email="")
    heard = booked_in(
        CaptureQueriesContext(connection),
        start=TUESDAY_10.replace(hour=14),
        email="b@example.com",
    )

    assert heard == unheard <= CONFIRM_BUDGET
    notice = ClientMessage.objects.get(kind=ClientMessage.Kind.NOTICE_BOOKED)
    assert notice.email == "maya@clinic.example"
