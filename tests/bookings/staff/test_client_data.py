"""Client data on request: export everything held on a client, or erase it."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import tokens
from bookings.frontdesk.forms import notes_version
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingConsent,
    ClientMessage,
    Guardian,
    LookupToken,
    ManageToken,
    RunnerIntake,
)
from tests.bookings.public.conftest import page_text
from tests.bookings.staff.conftest import MONDAY, NOW, at, book
from tests.factories import make_client

pytestmark = pytest.mark.usefixtures("clock")
Action, Kind = AppointmentChange.Action, ClientMessage.Kind
HEALTH = "Recovering from a stress fracture"
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def jess(db):
    client = make_client(
        first_name="Jess",
        last_name="Alvarez",
        email="jess@example.com",
        phone="(404) 555-0170",
        staff_notes="Prefers light pressure",
    )
    RunnerIntake.objects.create(
        client=client,
        weekly_mileage=40,
        tight_areas=["calves"],
        health_conditions=HEALTH,
        medications="Ibuprofen",
        policy_consent_at=NOW,
        policy_version="1",
        treatment_consent_at=NOW,
        treatment_version="1",
    )
    return client


def past_visit(clinic, client, days_ago: int, **fields) -> Appointment:
    """Return a held (or cancelled) session of `client`, with a history line and an email."""
    visit = book(clinic, at("10:00", MONDAY - timedelta(days=days_ago)), client=client, **fields)
    AppointmentChange.objects.create(
        appointment=visit, action=Action.CANCELLED, reason="Pulled a hamstring", at=NOW
    )
    ClientMessage.objects.create(appointment=visit, kind=Kind.CONFIRMATION, sent_at=NOW)
    tokens.issue_manage_token(visit)
    return visit


def export(web, client):
    return web.get(reverse("staff:client_export_json", args=[client.pk]))


def test_the_export_holds_everything_kept_on_the_client(desk, clinic, jess):
    visit = past_visit(clinic, jess, 7, status="cancelled", cancel_reason="Pulled a hamstring")
    ClientMessage.objects.create(kind=Kind.LOOKUP, email="JESS@example.com")
    digest = ManageToken.objects.get().digest

    response = export(desk, jess)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="client-{jess.pk}.json"'
    data = json.loads(response.content)
    assert data["client"] | {"client_since": None} == {
        "id": jess.pk,
        "first_name": "Jess",
        "last_name": "Alvarez",
        "email": "jess@example.com",
        "phone": "(404) 555-0170",
        "client_since": None,
        "staff_notes": "Prefers light pressure",
        "links_revoked_at": None,
        "rebook_emails_off_since": None,
        "erased_at": None,
    }
    assert data["intake"]["health_conditions"] == HEALTH
    assert data["intake"]["tight_areas"] == ["Calves"]
    assert data["intake"]["treatment_consent_at"].startswith("2026-06-15T07:30:00-04:00")
    [appointment] = data["appointments"]
    assert appointment["id"] == visit.pk and appointment["therapist"] == "Ana Ortiz"
    assert appointment["cancel_reason"] == "Pulled a hamstring"
    assert [c["action"] for c in appointment["history"]] == ["Cancelled"]
    assert [m["kind"] for m in appointment["messages"]] == ["Confirmation"]
    assert len(appointment["manage_links"]) == 1
    assert [m["kind"] for m in data["find_my_bookings_emails"]] == ["Find my bookings"]
    assert digest not in response.content.decode()


def test_the_printable_copy_shows_the_same_content(desk, clinic, jess):
    past_visit(clinic, jess, 7)

    response = desk.get(reverse("staff:client_export", args=[jess.pk]))

    text = page_text(response)
    assert response.status_code == 200
    for shown in (
        "Data held on Jess Alvarez",
        "jess@example.com",
        "Prefers light pressure",
        HEALTH,
        "Ibuprofen",
        "Ana Ortiz",
        "Pulled a hamstring",
        "Confirmation",
        "Manage links issued: 1",
    ):
        assert shown in text, shown


def test_the_export_reads_a_fixed_number_of_queries(desk, clinic, jess):
    past_visit(clinic, jess, 7)
    urls = [
        reverse(name, args=[jess.pk])
        for name in ("staff:client_export_json", "staff:client_export")
    ]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert desk.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    few = queries()
    for days_ago in (6, 5, 4, 3):
        past_visit(clinic, jess, days_ago)
    assert queries() == few
    # Nine for the export; the rest load the session, the OTP device and permissions, and
    # save the idle timer.
    assert few[0] <= 17


def test_a_therapist_cannot_export_not_even_their_own_client(ana_web, clinic, jess):
    book(clinic, at("10:00"), client=jess)  # Ana's session with Jess today

    for name in ("staff:client_export", "staff:client_export_json"):
        response = ana_web.get(reverse(name, args=[jess.pk]))
        assert response.status_code == 403
        assert HEALTH not in page_text(response) and "jess@example.com" not in response.text


def test_unknown_clients_are_404_and_exports_are_get_only(desk, jess):
    assert export(desk, make_client()).status_code == 200
    assert desk.get(reverse("staff:client_export_json", args=[jess.pk + 999])).status_code == 404
    assert desk.get(reverse("staff:client_erase", args=[jess.pk + 999])).status_code == 404
    assert desk.post(reverse("staff:client_export", args=[jess.pk])).status_code == 405


def erase(web, client, word: str = "ERASE"):
    return web.post(reverse("staff:client_erase", args=[client.pk]), {"confirm": word})


def test_erasing_removes_personal_and_health_data_and_keeps_the_books(
    desk, desk_user, clinic, jess
):
    visits = [
        past_visit(clinic, jess, 7, status="completed"),
        past_visit(clinic, jess, 3, status="cancelled", cancel_reason="Pulled a hamstring"),
    ]
    ClientMessage.objects.create(kind=Kind.LOOKUP, email="jess@example.com")
    ClientMessage.objects.create(kind=Kind.LOOKUP, email="someone@example.com")
    for email in ("Jess@Example.com", "jess@example.com", "someone@example.com"):
        tokens.issue_lookup_token(email, now=NOW)
    pending = ClientMessage.objects.create(appointment=visits[0], kind=Kind.REMINDER)
    live = tokens.issue_manage_token(book(clinic, at("10:00", TUESDAY), client=make_client()))

    form = desk.get(reverse("staff:client_erase", args=[jess.pk]))
    response = erase(desk, jess)

    assert "Type ERASE to confirm" in form.text
    assert response.status_code == 303
    assert response["Location"] == reverse("staff:client", args=[jess.pk])
    jess.refresh_from_db()
    assert str(jess) == "Erased client"
    assert (jess.email, jess.phone, jess.staff_notes) == ("", "", "")
    assert (jess.erased_at, jess.erased_by) == (NOW, desk_user)
    assert not RunnerIntake.objects.filter(client=jess).exists()
    assert list(Appointment.objects.filter(client=jess).order_by("start")) == visits
    assert set(Appointment.objects.filter(client=jess).values_list("cancel_reason", flat=True)) == {
        ""
    }
    assert not AppointmentChange.objects.exclude(reason="").exists()
    erased = AppointmentChange.objects.filter(action=Action.ERASED)
    assert sorted(erased.values_list("appointment", "by", "details", "at")) == [
        (visit.pk, desk_user.pk, {}, NOW) for visit in visits
    ]
    assert list(ClientMessage.objects.filter(kind=Kind.LOOKUP).values_list("email", flat=True)) == [
        "someone@example.com"
    ]
    assert list(LookupToken.objects.values_list("email", flat=True)) == ["someone@example.com"]
    pending.refresh_from_db()
    assert pending.status == ClientMessage.Status.SKIPPED
    assert not ManageToken.objects.filter(
        appointment__client=jess, revoked_at__isnull=True
    ).exists()
    assert Client().get(reverse("bookings:manage", args=[live])).status_code == 200
    page = page_text(desk.get(reverse("staff:client", args=[jess.pk])))
    assert "personal and health data was erased" in page and "Client erased" in page
    for gone in ("Jess", "Alvarez", "jess@example.com", HEALTH, "Prefers light pressure"):
        assert gone not in page, gone
        assert gone not in export(desk, jess).content.decode(), gone


def test_erasure_is_refused_while_the_client_has_upcoming_bookings(desk, clinic, jess):
    coming = book(clinic, at("10:00", TUESDAY), client=jess)

    page = desk.get(reverse("staff:client_erase", args=[jess.pk]))
    response = erase(desk, jess)

    refusal = "Jess Alvarez has 1 upcoming booking. Cancel it first, then erase."
    assert refusal in page_text(page) and "Erase for good" not in page.text
    assert response.status_code == 409
    assert refusal in page_text(response)
    jess.refresh_from_db()
    assert (str(jess), jess.email, jess.erased_at) == ("Jess Alvarez", "jess@example.com", None)
    assert RunnerIntake.objects.filter(client=jess).exists()
    assert not coming.changes.exists()


@pytest.mark.parametrize("word", ["", "erase please", "DELETE", "x" * 500])
def test_erasure_needs_the_typed_word_and_otherwise_changes_nothing(desk, jess, word):
    response = erase(desk, jess, word)

    assert response.status_code == 422
    assert "Type ERASE" in page_text(response)
    jess.refresh_from_db()
    assert jess.erased_at is None and jess.email == "jess@example.com"


def test_only_the_front_desk_may_erase(ana_web, clinic, jess):
    book(clinic, at("10:00", MONDAY - timedelta(days=1)), client=jess, status="completed")

    assert erase(ana_web, jess).status_code == 403
    jess.refresh_from_db()
    assert jess.erased_at is None


def test_an_erased_client_takes_no_new_notes_and_erasing_again_changes_nothing(desk, jess):
    assert erase(desk, jess).status_code == 303

    notes = desk.post(
        reverse("staff:client_notes", args=[jess.pk]),
        {"staff_notes": "Back again", "seen": notes_version("")},
    )
    again = erase(desk, jess)

    assert notes.status_code == 422 and "data was erased" in page_text(notes)
    assert again.status_code == 303
    jess.refresh_from_db()
    assert jess.staff_notes == "" and jess.erased_at == NOW


def test_an_erased_client_cannot_be_booked_again_by_their_old_id(desk, clinic, jess):
    assert erase(desk, jess).status_code == 303
    form = {
        "client": jess.pk,
        "service_length": clinic.length.pk,
        "therapist": clinic.ana.pk,
        "day": MONDAY.isoformat(),
        "time": "10:00",
        "key": str(uuid.uuid4()),
    }

    response = desk.post("/staff/book/", form)

    assert response.status_code == 422
    assert "record is not there any more" in page_text(response)
    assert not jess.appointments.filter(status="booked").exists()


def test_a_minors_guardian_and_consents_are_exported_and_the_guardian_erased(desk, clinic, jess):
    visit = past_visit(clinic, jess, 7, status="completed")
    Guardian.objects.create(
        appointment=visit, name="Rosa Alvarez", phone="404-555-0142", relationship="Mother",
        recorded_at=NOW - timedelta(days=8),
    )  # fmt: skip
    BookingConsent.objects.create(
        appointment=visit, kind="guardian", version="2026-12", agreed_at=NOW - timedelta(days=8)
    )

    [exported] = json.loads(export(desk, jess).content)["appointments"]
    assert exported["guardian"]["name"] == "Rosa Alvarez"
    assert [c["version"] for c in exported["consents"]] == ["2026-12"]

    assert erase(desk, jess).status_code == 303
    assert not Guardian.objects.exists()
    assert BookingConsent.objects.filter(appointment=visit).exists()  # when and what, no one
