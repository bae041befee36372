"""The front desk's records: checkout (payments, fees, receipts), clients' contact details,
merges and phone numbers, a therapist's own time off, and one door for every change."""

import html
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.urls import reverse

from bookings import checkout
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingConsent,
    BookingPolicy,
    Client,
    ClientChange,
    ClientMessage,
    Fee,
    ManageToken,
    Payment,
    RunnerIntake,
    TimeOff,
)
from clinic import demo_content
from clinic.models import ClinicProfile, TherapistProfile
from tests.bookings.public.conftest import run_due_tasks
from tests.bookings.staff.conftest import MONDAY, NOW, at, book
from tests.factories import make_client
from tests.helpers import race

pytestmark = pytest.mark.usefixtures("clock")
SUNDAY = MONDAY - timedelta(days=1)
Action = AppointmentChange.Action


@pytest.fixture
def profile(clinic) -> ClinicProfile:
    profile = ClinicProfile.objects.create(**demo_content.PROFILE)
    TherapistProfile.objects.create(
        therapist=clinic.ana, license_number="MT012345", practicing_since=2012
    )
    clinic.ana.credentials = "LMT"
    clinic.ana.save(update_fields=["credentials"])
    return profile


def pay(desk, appointment: Appointment, amount: str, method: str = "card", key=None):
    url = reverse("staff:checkout", args=[appointment.pk])
    data = {"record": "payment", "amount": amount, "method": method, "key": key or uuid4()}
    return desk.post(url, data)


def intake_for(client: Client, **answers) -> RunnerIntake:
    return RunnerIntake.objects.create(
        client=client,
        policy_consent_at=NOW,
        policy_version="1",
        treatment_consent_at=NOW,
        treatment_version="1",
        **answers,
    )


# --- checkout -------------------------------------------------------------------------


def test_a_card_payment_completes_the_session_and_the_day_sheet_totals_it(desk, clinic):
    yesterday = book(clinic, at("10:00", SUNDAY))
    other = book(clinic, at("11:30", SUNDAY), therapist=clinic.ben)

    paid = pay(desk, yesterday, "95.00")
    pay(desk, other, "40", "cash")
    pay(desk, other, "15.50", "card")

    assert paid.status_code == 303
    assert paid["Location"] == reverse("staff:checkout", args=[yesterday.pk])
    yesterday.refresh_from_db()
    assert yesterday.status == Appointment.Status.COMPLETED
    assert list(yesterday.changes.values_list("action", flat=True)) == [
        Action.COMPLETED,
        Action.PAID,
    ]
    takings, total = checkout.day_takings(MONDAY)
    assert [(t.method, t.count, t.total) for t in takings] == [
        ("Card terminal", 2, Decimal("110.50")),
        ("Cash", 1, Decimal("40.00")),
    ]
    assert total == Decimal("150.50")
    sheet = desk.get(reverse("staff:day_for", args=[MONDAY.isoformat()]))
    takings_html = sheet.text.split('id="takings-title"')[1].split("</section>")[0]
    assert "Card terminal" in takings_html and "$110.50" in takings_html
    assert "$150.50" in takings_html
    assert "No payments taken" in desk.get(reverse("staff:day_for", args=["2026-06-16"])).text


def test_a_no_show_fee_is_recorded_waived_with_a_reason_and_shown_on_the_client_page(desk, clinic):
    BookingPolicy.objects.update_or_create(pk=1, defaults={"no_show_fee": Decimal("50.00")})
    missed = book(clinic, at("10:00", SUNDAY), status="no_show")
    url = reverse("staff:checkout", args=[missed.pk])
    client_page = reverse("staff:client", args=[missed.client_id])

    form = desk.get(url)
    recorded = desk.post(url, {"record": "fee", "amount": "50.00"})
    owed = desk.get(client_page).text
    no_reason = desk.post(reverse("staff:waive_fee", args=[missed.pk]), {"reason": " "})
    waived = desk.post(reverse("staff:waive_fee", args=[missed.pk]), {"reason": "First visit"})

    assert form.context["fee_form"].initial["amount"] == Decimal("50.00")
    assert recorded.status_code == 303
    assert '<strong class="text-danger">$50.00</strong> owed in fees' in owed
    assert no_reason.status_code == 422
    assert no_reason.context["waive_form"].errors["reason"] == ["Say why the fee is waived."]
    assert waived.status_code == 303
    fee = Fee.objects.get()
    assert (fee.kind, fee.amount, fee.waive_reason) == ("no_show", Decimal("50.00"), "First visit")
    page = desk.get(client_page).text
    assert "$0.00</strong> owed in fees" in page and "waived (First visit)" in page
    assert list(missed.changes.values_list("action", "reason")) == [
        (Action.FEE_CHARGED, ""),
        (Action.FEE_WAIVED, "First visit"),
    ]


def test_a_late_cancellation_owes_the_fee_and_an_early_one_does_not(desk, clinic):
    BookingPolicy.objects.update_or_create(
        pk=1, defaults={"late_cancellation_fee": Decimal("40"), "late_cancellation_hours": 24}
    )
    late = book(clinic, at("10:00", SUNDAY), status="cancelled")
    early = book(clinic, at("12:00", SUNDAY), status="cancelled")
    for cancelled, hours in ((late, 3), (early, 72)):
        AppointmentChange.objects.create(
            appointment=cancelled, action="cancelled", at=cancelled.start - timedelta(hours=hours)
        )

    charged = desk.post(
        reverse("staff:checkout", args=[late.pk]), {"record": "fee", "amount": "40"}
    )
    refused = desk.post(
        reverse("staff:checkout", args=[early.pk]), {"record": "fee", "amount": "40"}
    )

    assert charged.status_code == 303
    assert Fee.objects.get().kind == Fee.Kind.LATE_CANCELLATION
    assert refused.status_code == 422
    assert "more than 24 hours ahead" in refused.context["fee_form"].errors["amount"][0]


@pytest.mark.parametrize(
    ("status", "data", "form", "message"),
    [
        ("no_show", {"record": "fee", "amount": "200"}, "fee_form", "session's price ($95.00)"),
        ("cancelled", {"amount": "95", "method": "card"}, "payment_form", "was cancelled"),
        ("booked", {"amount": "-5", "method": "card"}, "payment_form", "more than $0"),
        ("booked", {"amount": "0", "method": "cash"}, "payment_form", "more than $0"),
        ("booked", {"amount": "lots", "method": "cash"}, "payment_form", "such as 95.00"),
        ("booked", {"amount": "1e9", "method": "cash"}, "payment_form", "too large"),
        ("no_show", {"record": "fee", "amount": "-1"}, "fee_form", "more than $0"),
    ],
    ids=["fee-over-price", "paying-cancelled", "negative", "zero", "not-money", "huge", "neg-fee"],
)
def test_bad_checkout_input_says_why_next_to_the_field_and_changes_nothing(
    desk, clinic, status, data, form, message
):
    appointment = book(clinic, at("10:00", SUNDAY), status=status)
    AppointmentChange.objects.create(appointment=appointment, action="cancelled", at=NOW)

    response = desk.post(reverse("staff:checkout", args=[appointment.pk]), data | {"key": uuid4()})

    assert response.status_code == 422
    assert message in " ".join(response.context[form].errors["amount"])
    assert (Payment.objects.count(), Fee.objects.count()) == (0, 0)
    appointment.refresh_from_db()
    assert appointment.status == status
    assert appointment.changes.count() == 1


def test_a_payment_form_sent_twice_records_one_payment(desk, clinic):
    appointment = book(clinic, at("10:00", SUNDAY))
    key = uuid4()

    first = pay(desk, appointment, "95", key=key)
    again = pay(desk, appointment, "95", key=key)

    assert (first.status_code, again.status_code) == (303, 303)
    assert Payment.objects.count() == 1
    assert appointment.changes.filter(action=Action.PAID).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_itself_records_one_payment(clinic, desk_user):
    appointment = book(clinic, at("10:00", SUNDAY))
    key = uuid4()

    def submit(_: int) -> Payment:
        return checkout.record_payment(
            appointment=appointment,
            amount=Decimal("95"),
            method="card",
            by=desk_user,
            now=NOW,
            key=key,
        )

    results = race(2, submit)

    assert all(isinstance(r, Payment) for r in results), results
    assert results[0].pk == results[1].pk and Payment.objects.count() == 1
    assert appointment.changes.filter(action=Action.COMPLETED).count() == 1


def test_a_tampered_payment_method_is_refused(desk, clinic):
    appointment = book(clinic, at("10:00", SUNDAY))

    response = pay(desk, appointment, "95", "bitcoin")

    assert response.status_code == 422 and response.context["payment_form"].errors["method"]
    assert not Payment.objects.exists()


def test_the_database_refuses_a_fee_over_the_session_price_and_a_payment_of_nothing(clinic):
    from django.db import IntegrityError, transaction

    missed = book(clinic, at("10:00", SUNDAY), status="no_show")
    with pytest.raises(IntegrityError), transaction.atomic():
        Fee.objects.create(appointment=missed, kind="no_show", amount=96, session_price=95)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(appointment=missed, amount=0, method="cash")


@pytest.mark.django_db(transaction=True)
def test_two_desks_recording_one_fee_at_once_record_it_once(clinic, desk_user):
    BookingPolicy.objects.update_or_create(pk=1, defaults={"no_show_fee": Decimal("50")})
    missed = book(clinic, at("10:00", SUNDAY), status="no_show")

    def record(_: int):
        return checkout.record_fee(appointment=missed, amount=Decimal("50"), by=desk_user, now=NOW)

    results = race(2, record)

    assert sorted(type(r).__name__ for r in results) == ["CheckoutRefused", "Fee"]
    assert Fee.objects.count() == 1
    assert missed.changes.filter(action=Action.FEE_CHARGED).count() == 1


def test_the_receipt_carries_what_an_hsa_claim_needs_and_can_be_emailed(
    desk, clinic, profile, mailoutbox
):
    appointment = book(clinic, at("10:00", SUNDAY))
    pay(desk, appointment, "95.00", "hsa_fsa")

    page = desk.get(reverse("staff:receipt", args=[appointment.pk]))
    sent = desk.post(reverse("staff:receipt_email", args=[appointment.pk]))
    run_due_tasks()

    assert page.status_code == 200
    for expected in (
        profile.name,
        profile.street_address,
        profile.phone,
        "Ana Ortiz, LMT",
        "Georgia massage therapy license MT012345",
        "Sports massage (massage therapy), 60 minutes",
        "Sunday, June 14, 2026",
        "HSA/FSA card",
        "$95.00",
        f"R-{appointment.pk:06d}",
    ):
        assert expected in html.unescape(page.text), expected
    assert sent.status_code == 303
    [email] = [m for m in mailoutbox if m.subject.startswith("Your receipt")]
    assert email.to == [appointment.client.email]
    assert "MT012345" in email.body and "$95.00 by hsa/fsa card" in email.body
    assert not email.attachments  # no calendar invitation on a receipt
    assert appointment.changes.filter(action=Action.RECEIPT_SENT).count() == 1


def test_a_receipt_with_nothing_paid_is_not_emailed(desk, clinic, profile):
    appointment = book(clinic, at("10:00", SUNDAY))

    response = desk.post(reverse("staff:receipt_email", args=[appointment.pk]))

    assert response.status_code == 409
    assert not ClientMessage.objects.filter(kind="receipt").exists()


# --- clients ----------------------------------------------------------------------------


def contact(client: Client, **changes) -> dict:
    from bookings.client_records import contact_of
    from bookings.frontdesk.forms_records import contact_version

    data = {
        "first_name": client.first_name,
        "last_name": client.last_name,
        "phone": client.phone_display,
        "email": client.email,
        "seen": contact_version(contact_of(client)),
    }
    return data | changes


def test_contact_details_are_edited_on_the_client_page_with_history(desk, desk_user, db):
    jess = make_client(first_name="Jess", last_name="Alvarez", phone="")
    url = reverse("staff:client_contact", args=[jess.pk])

    saved = desk.post(url, contact(jess, phone="404.555.0111", last_name="Alvarez-Reyes"))

    assert saved.status_code == 303
    jess.refresh_from_db()
    assert (jess.phone, jess.phone_display, jess.last_name) == (
        "+14045550111",
        "(404) 555-0111",
        "Alvarez-Reyes",
    )
    change = ClientChange.objects.get()
    assert (change.by, change.door, change.action) == (desk_user, "client page", "edited")
    assert change.details == {
        "last_name": ["Alvarez", "Alvarez-Reyes"],
        "phone": ["", "(404) 555-0111"],
    }
    page = desk.get(reverse("staff:client", args=[jess.pk])).text
    assert "Phone (404) 555-0111" in page and "Contact details edited" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "555-12"}, "phone", "Enter a phone number we can call"),
        ({"phone": "call me maybe"}, "phone", "Enter a phone number we can call"),
        ({"email": "taken@example.com"}, "email", "merge the two records"),
        ({"phone": "", "email": ""}, "phone", "Keep a phone number or an email"),
        ({"first_name": ""}, "first_name", "This field is required."),
    ],
    ids=["short-phone", "words", "email-taken", "no-contact", "no-name"],
)
def test_bad_contact_details_say_why_and_change_nothing(desk, db, changes, field, message):
    make_client(email="taken@example.com")
    jess = make_client(first_name="Jess", phone="+14045550111")

    response = desk.post(reverse("staff:client_contact", args=[jess.pk]), contact(jess, **changes))

    assert response.status_code == 422
    assert message in " ".join(response.context["contact_form"].errors[field])
    before = (jess.first_name, jess.email, jess.phone)
    jess.refresh_from_db()
    assert (jess.first_name, jess.email, jess.phone) == before
    assert not ClientChange.objects.exists()


def test_a_contact_edit_made_from_a_stale_page_is_refused(desk, db):
    jess = make_client(first_name="Jess", phone="+14045550111")
    stale = contact(jess, phone="(404) 555-0122")
    desk.post(reverse("staff:client_contact", args=[jess.pk]), contact(jess, first_name="Jessica"))

    response = desk.post(reverse("staff:client_contact", args=[jess.pk]), stale)

    assert response.status_code == 422
    assert "Someone changed these details" in response.text
    jess.refresh_from_db()
    assert (jess.first_name, jess.phone) == ("Jessica", "+14045550111")


@pytest.mark.parametrize(
    "typed", ["404.555.0111", "+1 404 555 0111", "4045550111", "(404) 555-0111", "555-0111"]
)
def test_phone_search_finds_a_number_however_it_is_typed(desk, db, typed):
    make_client(last_name="Alvarez", phone="+14045550111")
    make_client(last_name="Green", phone="+14045550170")

    response = desk.post(reverse("staff:clients"), {"q": typed})

    assert [c.last_name for c in response.context["results"]] == ["Alvarez"]
    assert "(404) 555-0111" in response.text


def test_the_clients_page_lists_recent_and_upcoming_clients_before_any_search(desk, clinic):
    seen = book(
        clinic, at("10:00", SUNDAY), status="completed", client=make_client(last_name="Seen")
    )
    coming = book(clinic, at("10:00"), client=make_client(last_name="Coming"))
    book(clinic, at("10:00", MONDAY - timedelta(days=30)), client=make_client(last_name="Long ago"))

    response = desk.get(reverse("staff:clients"))

    assert [v.client for v in response.context["recent"]] == [seen.client]
    assert [v.client for v in response.context["upcoming"]] == [coming.client]
    assert "Long ago" not in response.text


def test_a_merge_moves_everything_onto_the_kept_record_and_records_it(desk, desk_user, clinic):
    keep = make_client(
        first_name="Jess", last_name="Alvarez", phone="", staff_notes="Firm pressure"
    )
    dup = make_client(
        first_name="Jessica",
        last_name="Alvarez",
        email="jess.a@example.com",
        phone="+14045550111",
        staff_notes="Left calf",
    )
    keep.email = ""
    keep.save()
    visit = book(clinic, at("10:00", SUNDAY), client=dup)
    Payment.objects.create(appointment=visit, amount=95, method="card")
    BookingConsent.objects.create(appointment=visit, kind="terms", version="1", agreed_at=NOW)
    ManageToken.objects.create(appointment=visit, digest="d" * 64)
    intake_for(dup, weekly_mileage=35)
    ClientChange.objects.create(client=dup, action="edited", details={"phone": ["", "x"]})

    response = desk.post(
        reverse("staff:client_merge", args=[keep.pk]), {"duplicate": dup.pk, "confirm": "on"}
    )

    assert response.status_code == 303
    assert not Client.objects.filter(pk=dup.pk).exists()
    keep.refresh_from_db()
    assert (keep.email, keep.phone) == ("jess.a@example.com", "+14045550111")
    assert keep.staff_notes == "Firm pressure\n\nLeft calf"
    visit.refresh_from_db()
    assert visit.client == keep
    assert visit.payments.count() == visit.consents.count() == visit.manage_tokens.count() == 1
    assert RunnerIntake.objects.get().client == keep
    assert checkout.client_account(keep).paid == Decimal("95.00")
    merge = ClientChange.objects.get(action="merged")
    assert (merge.client, merge.by, merge.details["former_record"]) == (keep, desk_user, dup.pk)
    assert ClientChange.objects.filter(client=keep).count() == 3  # moved, merged, filled in
    assert visit.changes.get().action == Action.MERGED
    page = desk.get(reverse("staff:client", args=[keep.pk])).text
    assert "Duplicate merged in: Jessica Alvarez" in page and "1 visit moved" in page


def test_a_client_cannot_be_merged_into_themselves(desk, db):
    jess = make_client()

    response = desk.post(
        reverse("staff:client_merge", args=[jess.pk]), {"duplicate": jess.pk, "confirm": "on"}
    )

    assert response.status_code == 422
    assert "cannot be merged into themselves" in response.text
    assert Client.objects.filter(pk=jess.pk).exists() and not ClientChange.objects.exists()


def test_a_merge_without_confirming_or_of_a_gone_record_changes_nothing(desk, db):
    jess, dup = make_client(), make_client()
    url = reverse("staff:client_merge", args=[jess.pk])

    unconfirmed = desk.post(url, {"duplicate": dup.pk})
    gone = desk.post(url, {"duplicate": 999999, "confirm": "on"})

    assert (unconfirmed.status_code, gone.status_code) == (422, 422)
    assert "Tick the box" in unconfirmed.text and "not there any more" in gone.text
    assert Client.objects.count() == 2


# --- a therapist's time off -----------------------------------------------------------


def time_off(start_day, start, end_day, end, reason="Race weekend") -> dict:
    return {
        "start_day": start_day.isoformat(),
        "start_time": start,
        "end_day": end_day.isoformat(),
        "end_time": end,
        "reason": reason,
    }


def test_a_therapist_enters_time_off_and_the_desk_sees_it_on_the_grid(ana_web, desk, clinic):
    tuesday = MONDAY + timedelta(days=1)

    response = ana_web.post(
        reverse("staff:my_time_off"), time_off(tuesday, "13:30", tuesday, "17:00")
    )

    assert response.status_code == 303
    absence = TimeOff.objects.get()
    assert (absence.therapist, absence.start, absence.end) == (
        clinic.ana,
        at("13:30", tuesday),
        at("17:00", tuesday),
    )
    grid = desk.get(reverse("staff:day_for", args=[tuesday.isoformat()])).text
    assert "shade shade-timeoff" in grid and "Race weekend" in grid
    assert "Off 1:30\u20135:00 PM (Race weekend)" in ana_web.get(reverse("staff:my_schedule")).text


def test_time_off_over_a_booked_session_is_refused_naming_it(ana_web, clinic):
    book(clinic, at("10:00"), client=make_client(first_name="Jess"))
    book(clinic, at("14:00"), client=make_client(first_name="Sam"))

    response = ana_web.post(
        reverse("staff:my_time_off"), time_off(MONDAY, "09:00", MONDAY, "17:00")
    )

    assert response.status_code == 422
    text = response.text.replace("&#x27;", "'")
    assert (
        "That time covers Mon, Jun 15, 10:00\u201311:00 AM (Jess, Sports massage); "
        "Mon, Jun 15, 2:00\u20133:00 PM (Sam, Sports massage). "
        "Ask the front desk to move these sessions first."
    ) in text
    assert not TimeOff.objects.exists()


def test_time_off_ending_before_it_starts_is_refused(ana_web, clinic):
    response = ana_web.post(
        reverse("staff:my_time_off"), time_off(MONDAY, "15:00", MONDAY, "11:00")
    )

    assert response.status_code == 422
    assert response.context["time_off_form"].errors["end_time"] == [
        "Your time off must end after it starts."
    ]
    assert not TimeOff.objects.exists()


# --- one door ---------------------------------------------------------------------------


def test_client_and_intake_edits_in_the_admin_leave_history(admin_client, admin_user, db):
    jess = make_client(first_name="Jess", last_name="Alvarez", phone="+14045550111")
    intake = intake_for(jess, weekly_mileage=30)

    client_saved = admin_client.post(
        reverse("admin:bookings_client_change", args=[jess.pk]),
        {
            "first_name": "Jess",
            "last_name": "Alvarez",
            "email": jess.email,
            "phone": "404 555 0122",
            "staff_notes": "",
        },
    )
    intake_saved = admin_client.post(
        reverse("admin:bookings_runnerintake_change", args=[intake.pk]),
        {
            "client": jess.pk,
            "weekly_mileage": "45",
            "tight_areas": [],
            "health_conditions": "",
            "medications": "",
            "next_race_distance": "",
            "other_area": "",
            "guardian_name": "",
        },
    )

    assert (client_saved.status_code, intake_saved.status_code) == (302, 302)
    change = ClientChange.objects.get()
    assert (change.by, change.door) == (admin_user, "admin")
    assert change.details == {"phone": ["(404) 555-0111", "(404) 555-0122"]}
    logged = intake.changes.get()
    assert (logged.by, logged.changes) == (admin_user, {"weekly_mileage": [30, 45]})


def test_every_door_changing_an_appointment_leaves_exactly_one_history_row(
    desk, admin_client, clinic, profile
):
    from uuid import uuid4

    from bookings.frontdesk.forms import version_of

    BookingPolicy.objects.get_or_create(pk=1)
    tuesday_10 = at("10:00", MONDAY + timedelta(days=1))
    online = desk.__class__().post(
        f"/book/details/?length={clinic.length.pk}&therapist={clinic.ana.slug}"
        f"&start={tuesday_10:%Y-%m-%dT%H:%M}",
        {
            "first_name": "Jess",
            "last_name": "Runner",
            "email": "jess@example.com",
            "phone": "404.555.0100",
            "consent": "on",
            "key": str(uuid4()),
            "confirm": "1",
        },
    )
    appointment = Appointment.objects.get()
    rows = [appointment.changes.count()]
    admin_move = admin_client.post(
        reverse("admin:bookings_appointment_change", args=[appointment.pk]),
        {"start_0": "2026-06-16", "start_1": "03:00", "status": "booked"},
    )
    rows.append(appointment.changes.count())
    desk_cancel = desk.post(
        reverse("staff:cancel", args=[appointment.pk]),
        {"version": version_of(appointment), "reason": "Called in"},
    )
    rows.append(appointment.changes.count())

    assert (online.status_code, admin_move.status_code, desk_cancel.status_code) == (303, 403, 303)
    assert rows == [1, 1, 2]  # booked online; nothing through the admin; cancelled at the desk
    assert appointment.client.phone == "+14045550100"


def test_the_demo_command_books_through_the_write_functions(db):
    import io

    from django.core.management import call_command

    call_command("seed_demo", "--appointments", stdout=io.StringIO())

    booked = Appointment.objects.all()
    assert booked.exists()
    assert {a.changes.filter(action=Action.BOOKED).count() for a in booked} == {1}
    assert all(len(c.phone) == 0 or c.phone.startswith("+1") for c in Client.objects.all())


def test_the_data_migration_stores_existing_phone_numbers_in_e164(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("bookings.migrations.0013_phones_e164")
    typed = {
        "4045550111": "+14045550111",
        "(404) 555-0170": "+14045550170",
        "+1 404.555.0122": "+14045550122",
        "ask at desk": "ask at desk",  # unparseable: kept as typed, never thrown away
    }
    clients = {make_client(phone=phone).pk: stored for phone, stored in typed.items()}

    migration.to_e164(apps, None)

    assert dict(Client.objects.filter(pk__in=clients).values_list("pk", "phone")) == clients


def test_the_clients_page_and_the_days_takings_run_fixed_queries(
    desk, clinic, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_visits(count: int, offset: int) -> None:
        for n in range(offset, offset + count):  # four a day, 9:00 to 15:00, going back
            when = at("09:00", SUNDAY - timedelta(days=n // 4)) + timedelta(hours=(n % 4) * 2)
            visit = book(clinic, when, status="completed", client=make_client())
            Payment.objects.create(appointment=visit, amount=95, method="card")

    add_visits(3, 0)
    with CaptureQueriesContext(connection) as few:
        desk.get(reverse("staff:clients"))
        desk.get(reverse("staff:day_for", args=[MONDAY.isoformat()]))
    add_visits(9, 3)

    with django_assert_max_num_queries(len(few)):
        listed = desk.get(reverse("staff:clients"))
        desk.get(reverse("staff:day_for", args=[MONDAY.isoformat()]))

    assert len(listed.context["recent"]) == 12
