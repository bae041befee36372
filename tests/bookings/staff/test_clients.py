"""Clients at the front desk: search, history and counts, intake, private notes."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.frontdesk.forms import notes_version
from bookings.models import Appointment, AppointmentChange, RunnerIntake
from tests.bookings.staff.conftest import MONDAY, NOW, at, book
from tests.factories import make_client

pytestmark = pytest.mark.usefixtures("clock")


def intake_for(client) -> RunnerIntake:
    return RunnerIntake.objects.create(
        client=client,
        weekly_mileage=40,
        tight_areas=["calves", "it_band"],
        health_conditions="Recovering from a stress fracture",
        policy_consent_at=NOW,
        policy_version="1",
        treatment_consent_at=NOW,
        treatment_version="1",
    )


def test_search_finds_clients_by_name_email_or_phone(desk, db):
    jess = make_client(first_name="Jess", last_name="Alvarez", phone="(404) 555-0170")
    make_client(first_name="Marcus", last_name="Green", email="mg@example.com", phone="")

    def found(query: str) -> list[str]:
        response = desk.post("/staff/clients/", {"q": query})
        return [c.last_name for c in response.context["results"]]

    assert found("alva") == ["Alvarez"]
    assert found("jess alvarez") == ["Alvarez"]
    assert found("404-555-0170") == ["Alvarez"]
    assert found("MG@EXAMPLE") == ["Green"]
    assert found("nobody") == []
    assert f'href="/staff/clients/{jess.pk}/"' in desk.post("/staff/clients/", {"q": "jess"}).text


def test_client_page_shows_visits_counts_intake_and_notes(desk, clinic):
    client = make_client(
        first_name="Jess", last_name="Alvarez", staff_notes="Prefers light pressure"
    )
    intake_for(client)
    book(clinic, at("10:00", MONDAY - timedelta(days=7)), client=client, status="completed")
    book(clinic, at("10:00", MONDAY - timedelta(days=6)), client=client, status="no_show")
    late = book(clinic, at("10:00", MONDAY - timedelta(days=5)), client=client, status="cancelled")
    early = book(clinic, at("10:00", MONDAY - timedelta(days=4)), client=client, status="cancelled")
    for cancelled, hours_before in ((late, 3), (early, 72)):
        AppointmentChange.objects.create(
            appointment=cancelled,
            action="cancelled",
            at=cancelled.start - timedelta(hours=hours_before),
        )
    book(clinic, at("10:00", MONDAY + timedelta(days=2)), client=client)

    response = desk.get(reverse("staff:client", args=[client.pk]))

    assert response.status_code == 200
    history = response.context["history"]
    assert [a.start for a in history.upcoming] == [at("10:00", MONDAY + timedelta(days=2))]
    assert len(history.past) == 4
    assert (history.no_shows, history.late_cancellations) == (1, 1)
    assert "Recovering from a stress fracture" in response.text
    assert "Calves, IT band" in response.text
    assert "Prefers light pressure" in response.text


def test_staff_notes_are_saved_unless_someone_saved_first(desk, db):
    client = make_client(staff_notes="Old note")
    url = reverse("staff:client_notes", args=[client.pk])
    seen = notes_version("Old note")

    saved = desk.post(url, {"staff_notes": "Likes firm pressure", "seen": seen})
    stale = desk.post(url, {"staff_notes": "Old note, plus mine", "seen": seen})

    assert saved.status_code == 303
    assert stale.status_code == 422
    assert "Someone else saved these notes while you were editing" in stale.text
    assert "Old note, plus mine" in stale.text  # their text is kept in the box
    client.refresh_from_db()
    assert client.staff_notes == "Likes firm pressure"
    again = desk.post(url, {"staff_notes": "Both", "seen": notes_version(client.staff_notes)})
    assert again.status_code == 303


def test_a_therapist_sees_the_intake_of_their_own_clients_from_the_day_of_the_session(
    ana_web, clinic
):
    client = make_client()
    intake_for(client)
    today = book(clinic, at("15:00"), client=client)
    last_week = book(clinic, at("15:00", MONDAY - timedelta(days=7)), client=client)

    def page(appointment: Appointment) -> str:
        return ana_web.get(reverse("staff:appointment", args=[appointment.pk])).text

    assert "Recovering from a stress fracture" in page(today)
    assert "Recovering from a stress fracture" not in page(last_week)
    assert reverse("staff:client", args=[client.pk]) not in page(today)
    assert ana_web.get(reverse("staff:client", args=[client.pk])).status_code == 403
