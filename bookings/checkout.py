"""Checkout at the desk: payments taken, fees owed for late cancellations and no-shows.

No card is processed here; the desk's own terminal takes the money and these writes record
what it took. Each write locks the appointment's row (so two desks checking out one session
do not both complete it, and a fee cannot be recorded twice), records the appointment's
history and, for a receipt, its email in the same transaction. The database checks
(payment > $0, fee within the session's price, waived with a reason) are the last guard.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum

from bookings import booking, clock, outbox
from bookings.errors import BookingError
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingPolicy,
    Client,
    Fee,
    Payment,
    PaymentMethod,
)

Status = Appointment.Status
Action = AppointmentChange.Action
ZERO = Decimal("0.00")


class CheckoutRefused(BookingError):
    """A checkout step that cannot be taken; `field` says which input the message is about."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def dollars(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update(of=("self",)).with_details().get(pk=appointment.pk)


def _paid_with(key: UUID | None) -> Payment | None:
    """Return the payment an earlier send of the same form (idempotency `key`) recorded."""
    return Payment.objects.filter(idempotency_key=key).first() if key is not None else None


def _take(
    current: Appointment,
    *,
    amount: Decimal,
    method: str,
    note: str,
    by: AbstractBaseUser,
    now: datetime,
    key: UUID | None,
    action: str,
    details: dict,
) -> Payment:
    """Write the payment taken for locked `current` and its history line."""
    payment = Payment.objects.create(
        appointment=current,
        amount=amount,
        method=method,
        note=note[:200],
        taken_by=by,
        taken_at=now,
        idempotency_key=key,
    )
    AppointmentChange.objects.create(
        appointment=current, by=by, at=now, action=action, details=details
    )
    return payment


def record_payment(
    *,
    appointment: Appointment,
    amount: Decimal,
    method: str,
    by: AbstractBaseUser,
    now: datetime,
    note: str = "",
    key: UUID | None = None,
) -> Payment:
    """Record a payment the desk took for `appointment`, completing the session if it is not
    yet completed. Refused for a cancelled or missed session (a fee is recorded instead).

    A repeated `key` (the same form sent twice) returns the first payment unchanged.
    """
    if earlier := _paid_with(key):
        return earlier
    if amount is None or amount <= ZERO:
        raise CheckoutRefused("Enter the amount taken, more than $0.", field="amount")
    if method not in PaymentMethod.values:
        raise CheckoutRefused("Choose how the client paid.", field="method")
    with transaction.atomic():
        current = _locked(appointment)
        # A double click's twin waited on the row lock above; it finds the first one here.
        if earlier := _paid_with(key):
            return earlier
        if current.status == Status.CANCELLED:
            raise CheckoutRefused(
                "This booking was cancelled, so there is no session to pay for. "
                "A late-cancellation fee is recorded as a fee, not a payment.",
                field="amount",
            )
        if current.status == Status.NO_SHOW:
            raise CheckoutRefused(
                "The client missed this session, so there is none to pay for. "
                "Record a no-show fee instead.",
                field="amount",
            )
        if current.status != Status.COMPLETED:
            try:
                booking.set_status(appointment=current, status=Status.COMPLETED, by=by, now=now)
            except booking.ChangeNotAllowed as refused:
                raise CheckoutRefused(refused.message) from None
        return _take(
            current,
            amount=amount,
            method=method,
            note=note,
            by=by,
            now=now,
            key=key,
            action=Action.PAID,
            details={"amount": dollars(amount), "method": PaymentMethod(method).label},
        )


def pay_fee(
    *, appointment: Appointment, method: str, by: AbstractBaseUser, now: datetime, key: UUID
) -> Fee:
    """Record that the client paid the fee `appointment` owes, in full, by `method`: a
    payment of the fee's amount (on the receipt and the day's takings) that settles it.

    Refused for a fee waived, already paid, or not recorded. A repeated `key` (the same
    form sent twice) returns the fee its first send paid.
    """
    if method not in PaymentMethod.values:
        raise CheckoutRefused("Choose how the client paid.", field="method")
    with transaction.atomic():
        # The appointment's lock orders this against a waive or a second desk paying it.
        current, fee = _locked_fee(appointment, field="method")
        if earlier := _paid_with(key):
            if fee.payment_id == earlier.pk:
                return fee  # the same form sent twice
            raise CheckoutRefused(
                "This form was already used for another payment. Open the page again.",
                field="method",
            )
        if fee.payment_id:
            raise CheckoutRefused(
                f"This fee was already paid on {clock.moment(fee.payment.taken_at)}.",
                field="method",
            )
        if fee.waived_at is not None:
            raise CheckoutRefused(
                f"This fee was waived on {clock.moment(fee.waived_at)}, so nothing is owed.",
                field="method",
            )
        fee.payment = _take(
            current,
            amount=fee.amount,
            method=method,
            note=fee.get_kind_display(),
            by=by,
            now=now,
            key=key,
            action=Action.FEE_PAID,
            details={
                "fee": fee.get_kind_display(),
                "amount": dollars(fee.amount),
                "method": PaymentMethod(method).label,
            },
        )
        fee.save(update_fields=["payment"])
    return fee


def _locked_fee(appointment: Appointment, *, field: str) -> tuple[Appointment, Fee]:
    """Return `appointment` and its fee, both locked; refuse (about `field`) if none."""
    current = _locked(appointment)
    fee = Fee.objects.select_for_update().filter(appointment=current).first()
    if fee is None:
        raise CheckoutRefused("There is no fee recorded for this session.", field=field)
    return current, fee


def owed_fee(appointment: Appointment) -> Fee | None:
    """Return the fee `appointment`'s client still owes (recorded, not waived or paid)."""
    return Fee.objects.filter(
        appointment=appointment, waived_at__isnull=True, payment__isnull=True
    ).first()


def _cancelled_at(appointment: Appointment) -> datetime | None:
    change = appointment.changes.filter(action=Action.CANCELLED).order_by("-at").first()
    return change.at if change else None


def fee_due(appointment: Appointment, policy: BookingPolicy) -> tuple[str, Decimal] | None:
    """Return the kind and policy amount of the fee `appointment` incurs, or None.

    A no-show owes the no-show fee; a cancellation made inside the late-cancellation window
    owes the late one. Either is capped at the session's price.
    """
    price = appointment.service_length.price
    if appointment.status == Status.NO_SHOW:
        kind, amount = Fee.Kind.NO_SHOW, policy.no_show_fee
    elif appointment.status == Status.CANCELLED:
        cancelled = _cancelled_at(appointment)
        window = timedelta(hours=policy.late_cancellation_hours)
        if cancelled is None or cancelled < appointment.start - window:
            return None
        kind, amount = Fee.Kind.LATE_CANCELLATION, policy.late_cancellation_fee
    else:
        return None
    return kind, min(amount, price)


def record_fee(
    *, appointment: Appointment, amount: Decimal, by: AbstractBaseUser, now: datetime
) -> Fee:
    """Record the fee `appointment`'s client owes under the clinic's policy."""
    price = appointment.service_length.price
    if amount is None or amount <= ZERO:
        raise CheckoutRefused("Enter the fee, more than $0.", field="amount")
    if amount > price:
        raise CheckoutRefused(
            f"A fee cannot be more than the session's price ({dollars(price)}).", field="amount"
        )
    with transaction.atomic():
        current = _locked(appointment)
        due = fee_due(current, BookingPolicy.load())
        if due is None:
            raise CheckoutRefused(_why_no_fee(current), field="amount")
        if Fee.objects.filter(appointment=current).exists():
            raise CheckoutRefused("A fee is already recorded for this session.", field="amount")
        kind, _policy_amount = due
        try:
            with transaction.atomic():
                fee = Fee.objects.create(
                    appointment=current,
                    kind=kind,
                    amount=amount,
                    session_price=price,
                    recorded_by=by,
                    recorded_at=now,
                )
        except IntegrityError:
            # The checks agree with the ones above; this is the last guard, not the answer.
            raise CheckoutRefused("That fee cannot be recorded.", field="amount") from None
        AppointmentChange.objects.create(
            appointment=current,
            by=by,
            at=now,
            action=Action.FEE_CHARGED,
            details={"fee": fee.get_kind_display(), "amount": dollars(amount)},
        )
    return fee


def _why_no_fee(appointment: Appointment) -> str:
    if appointment.status == Status.CANCELLED:
        policy = BookingPolicy.load()
        return (
            f"This booking was cancelled more than {policy.late_cancellation_hours} hours "
            "ahead, so no late-cancellation fee is owed."
        )
    return (
        f"This session is {appointment.get_status_display().lower()}: fees are owed only "
        "for late cancellations and no-shows."
    )


def waive_fee(*, appointment: Appointment, reason: str, by: AbstractBaseUser, now: datetime) -> Fee:
    """Waive the fee recorded for `appointment`, saying why."""
    reason = reason.strip()
    if not reason:
        raise CheckoutRefused("Say why the fee is waived.", field="reason")
    with transaction.atomic():
        current, fee = _locked_fee(appointment, field="reason")
        if fee.waived_at is not None:
            raise CheckoutRefused(
                f"This fee was already waived on {clock.moment(fee.waived_at)}.", field="reason"
            )
        if fee.payment_id is not None:
            raise CheckoutRefused(
                "The client has paid this fee, so there is nothing to waive.", field="reason"
            )
        fee.waived_at, fee.waived_by, fee.waive_reason = now, by, reason[:200]
        fee.save(update_fields=["waived_at", "waived_by", "waive_reason"])
        AppointmentChange.objects.create(
            appointment=current,
            by=by,
            at=now,
            action=Action.FEE_WAIVED,
            reason=reason[:200],
            details={"fee": fee.get_kind_display(), "amount": dollars(fee.amount)},
        )
    return fee


def email_receipt(*, appointment: Appointment, by: AbstractBaseUser, now: datetime) -> None:
    """Email the client the receipt of what they paid for `appointment`."""
    with transaction.atomic():
        current = _locked(appointment)
        if not current.client.email:
            raise CheckoutRefused("There is no email on file for this client; print it instead.")
        if not Payment.objects.filter(appointment=current).exists():
            raise CheckoutRefused("Nothing has been paid for this session yet.")
        outbox.queue_receipt(current)
        AppointmentChange.objects.create(
            appointment=current, by=by, at=now, action=Action.RECEIPT_SENT
        )


# --- reads ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Takings:
    method: str
    count: int
    total: Decimal


def day_takings(day: date) -> tuple[list[Takings], Decimal]:
    """Return the payments taken on local `day`, totalled per method, and the day's total
    (one query)."""
    start, end = clock.day_bounds(day)
    rows = (
        Payment.objects.filter(taken_at__gte=start, taken_at__lt=end)
        .values("method")
        .annotate(count=Count("pk"), total=Sum("amount"))
    )
    by_method = {row["method"]: row for row in rows}
    takings = [
        Takings(method.label, by_method[method]["count"], by_method[method]["total"])
        for method in PaymentMethod
        if method in by_method
    ]
    return takings, sum((t.total for t in takings), ZERO)


@dataclass(frozen=True, slots=True)
class Account:
    paid: Decimal
    owed: Decimal
    fees: list[Fee]


def client_account(client: Client) -> Account:
    """Return what `client` has paid and still owes in fees (two queries)."""
    paid = Payment.objects.filter(appointment__client=client).aggregate(total=Sum("amount"))
    fees = list(
        Fee.objects.filter(appointment__client=client)
        .select_related("appointment__service_length__service", "waived_by")
        .order_by("-recorded_at")
    )
    owed = sum((fee.owed for fee in fees), ZERO)
    return Account(paid["total"] or ZERO, owed, fees)
