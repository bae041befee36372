"""The clinic sets up rebook nudges in the admin: one row, checked like every form."""

import pytest
from django.urls import reverse

from bookings.models import NudgeSettings
from tests.factories import make_service

pytestmark = pytest.mark.django_db

FORM = {
    "enabled": "on",
    "days_after": "5",
    "lead_line": "Your next session before Sunday's long run?",
    "look_ahead_days": "10",
    "suggestions": "2",
}


def test_an_admin_switches_nudges_on_for_chosen_services(admin_client):
    sports = make_service(title="Sports massage")
    make_service(title="Assisted stretching")
    add = reverse("admin:bookings_nudgesettings_add")
    assert admin_client.get(add).status_code == 200

    response = admin_client.post(add, FORM | {"services": [sports.pk]})

    assert response.status_code == 302
    config = NudgeSettings.load()
    assert (config.pk, config.enabled, config.days_after, config.suggestions) == (1, True, 5, 2)
    assert config.lead_line == "Your next session before Sunday's long run?"
    assert list(config.services.all()) == [sports]
    # One row: no second one to add, none to delete.
    assert admin_client.get(add).status_code == 403
    delete = reverse("admin:bookings_nudgesettings_delete", args=[1])
    assert admin_client.get(delete).status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [("days_after", "0"), ("days_after", "61"), ("suggestions", "7"), ("lead_line", ""),
     ("look_ahead_days", "-1"), ("days_after", "soon")],
)  # fmt: skip
def test_the_admin_refuses_settings_that_make_no_sense(admin_client, field, value):
    response = admin_client.post(reverse("admin:bookings_nudgesettings_add"), FORM | {field: value})

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not NudgeSettings.objects.exists()
