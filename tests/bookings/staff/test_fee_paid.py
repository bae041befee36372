"""An owed late-cancellation or no-show fee marked paid at the desk: a payment of the fee's
amount through checkout.pay_fee, on the receipt and the day's takings, recorded once."""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.urls import reverse

from bookings import checkout
from bookings.models import AppointmentChange, BookingPolicy, Fee, Payment
from tests.bookings.public.conftest import run_due_tasks
from tests.bookings.staff.conftest import MONDAY, NOW, at, book
from tests.bookings.staff.test_records import profile  # noqa: F401 (a fixture)
from tests.helpers import race

pytestmark = pytest.mark.usefixtures("clock")

Action = AppointmentChange.Action
SUNDAY = MONDAY - timedelta(days=1)


@pytest.fixture
def owed(clinic, desk_user) -> Fee:
    BookingPolicy.objects.update_or_create(pk=1, defaults={"no_show_fee": Decimal("50.00")})
    missed = book(clinic, at("10:00", SUNDAY), status="no_show")
    return checkout.record_fee(appointment=missed, amount=Decimal("50.00"), by=desk_user, now=NOW)


def pay(desk, fee: Fee, method: str = "card", key=None):
    url = reverse("staff:pay_fee", args=[fee.appointment_id])
    return desk.post(url, {"method": method, "key": key or uuid4()})


@pytest.mark.usefixtures("profile")
def test_the_desk_marks_a_no_show_fee_paid_and_gets_the_receipt(desk, desk_user, owed):
    appointment = owed.appointment
    for page in ("staff:appointment", "staff:checkout"):
        form = desk.get(reverse(page, args=[appointment.pk])).text
        assert f'action="{reverse("staff:pay_fee", args=[appointment.pk])}"' in form, page
        assert "Mark $50.00 paid" in form, page

    response = pay(desk, owed, "cash")

    assert response.status_code == 303
    assert response["Location"] == reverse("staff:receipt", args=[appointment.pk])
    owed.refresh_from_db()
    payment = owed.payment
    assert (payment.amount, payment.method) == (Decimal("50.00"), "cash")
    assert payment.taken_by == desk_user
    assert owed.owed == Decimal("0.00")
    [change] = appointment.changes.filter(action=Action.FEE_PAID)
    assert change.details == {"fee": "No-show fee", "amount": "$50.00", "method": "Cash"}
    receipt = desk.get(response["Location"]).text
    assert "No-show fee of $50.00 paid by cash. Here is the receipt." in receipt
    assert "Cash (no-show fee)" in receipt and "no treatment was given" in receipt
    assert "$50.00" in receipt
    client_page = desk.get(reverse("staff:client", args=[appointment.client_id])).text
    assert "$0.00</strong> owed in fees" in client_page and "paid (<a" in client_page
    assert "Mark $50.00 paid" not in client_page
    after = desk.get(reverse("staff:appointment", args=[appointment.pk])).text
    assert "Mark $50.00 paid" not in after
    takings, total = checkout.day_takings(NOW.date())
    assert (
        [(t.method, t.total) for t in takings] == [("Cash", Decimal("50.00"))] == [("Cash", total)]
    )


def test_the_client_page_marks_each_owed_fee_paid(desk, owed):
    page = desk.get(reverse("staff:client", args=[owed.appointment.client_id])).text

    assert f'id="id_fee{owed.pk}_method"' in page
    assert "Mark $50.00 paid" in page
    assert pay(desk, owed).status_code == 303


def test_a_fee_paid_twice_by_one_form_is_paid_once(desk, owed):
    key = uuid4()

    first, again = pay(desk, owed, key=key), pay(desk, owed, key=key)

    assert first.status_code == again.status_code == 303
    assert Payment.objects.count() == 1


def test_a_paid_waived_or_missing_fee_and_bad_input_change_nothing(desk, desk_user, clinic, owed):
    tampered = pay(desk, owed, method="bitcoin")
    no_key = desk.post(reverse("staff:pay_fee", args=[owed.appointment_id]), {"method": "card"})
    assert pay(desk, owed).status_code == 303
    paid_again = pay(desk, owed)
    waive_paid = desk.post(reverse("staff:waive_fee", args=[owed.appointment_id]), {"reason": "x"})
    no_fee = pay(desk, Fee(appointment=book(clinic, at("14:00", SUNDAY), status="no_show")))
    reused_key = pay(desk, owed, key=Payment.objects.get().idempotency_key)

    assert tampered.status_code == no_key.status_code == 422
    assert "Select a valid choice" in tampered.text
    assert "This form expired" in no_key.text
    assert paid_again.status_code == 422 and "already paid on" in paid_again.text
    assert waive_paid.status_code == 422 and "nothing to waive" in waive_paid.text
    assert no_fee.status_code == 422 and "There is no fee recorded" in no_fee.text
    assert reused_key.status_code == 303  # the same form again: its first send stands
    assert Payment.objects.count() == 1
    waived = book(clinic, at("16:00", SUNDAY), status="no_show")
    fee = checkout.record_fee(appointment=waived, amount=Decimal("50"), by=desk_user, now=NOW)
    checkout.waive_fee(appointment=waived, reason="First visit", by=desk_user, now=NOW)
    refused = pay(desk, fee)
    assert refused.status_code == 422 and "was waived on" in refused.text
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_desks_marking_one_fee_paid_at_once_record_one_payment(owed, desk_user):
    def mark(_: int):
        return checkout.pay_fee(
            appointment=owed.appointment, method="card", by=desk_user, now=NOW, key=uuid4()
        )

    results = race(2, mark)

    assert sorted(type(r).__name__ for r in results) == ["CheckoutRefused", "Fee"]
    assert Payment.objects.count() == 1
    assert owed.appointment.changes.filter(action=Action.FEE_PAID).count() == 1


def test_the_emailed_receipt_of_a_paid_fee_says_it_was_a_fee(desk, owed, mailoutbox):
    pay(desk, owed, "cash")

    sent = desk.post(reverse("staff:receipt_email", args=[owed.appointment_id]))
    run_due_tasks()

    assert sent.status_code == 303
    [mail] = mailoutbox
    assert "No-show fee: Sports massage, 60 minutes, missed (no treatment was given)" in mail.body
    assert "by cash on" in mail.body and "(no-show fee)" in mail.body
    assert "(massage therapy)" not in mail.body
