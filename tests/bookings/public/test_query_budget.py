"""Round trips of the booking steps, counted as gunicorn runs them (outside a test's
transaction, so BEGIN and COMMIT count and no savepoint of the test's own appears).

Each is counted with the day's availability to compute (nothing kept for it); the details
step also as a process's very first request, which reads the policy, length and therapist.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from bookings import availability_cache, reference
from bookings.models import Appointment
from tests.bookings.public.conftest import confirm, details_path

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
