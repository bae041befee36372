"""What the front desk keeps beside the bookings: a client record's history, and checkout
(payments taken at the desk's own terminal, fees owed for late cancellations and no-shows).

No card is processed here: a payment row says what the desk's terminal (or the cash
drawer) took. Amounts are dollars and cents; the checks keep them positive and a fee
within the price of the session it is owed for (copied onto the fee when it is recorded).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from bookings.models.appointments import Appointment
from bookings.models.clients import Client
from bookings.models.history import ChangeRecord

MONEY = {"max_digits": 8, "decimal_places": 2}


class ClientChange(ChangeRecord):
    """One change to a client's record: contact details edited (``details`` as
    ``{"field": [before, after]}``), or a duplicate merged in (what moved)."""

    class Action(models.TextChoices):
        EDITED = "edited", "Contact details edited"
        MERGED = "merged", "Duplicate merged in"
        NUDGES_OFF = "nudges_off", "Rebook emails turned off"
        NUDGES_ON = "nudges_on", "Rebook emails turned on"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="record_changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    # Where the change was made: "client page", "admin".
    door = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    @property
    def actor(self) -> str:
        if self.by is None and self.door == "email link":
            return "The client"  # their rebook email's unsubscribe link
        return super().actor


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card terminal"
    CASH = "cash", "Cash"
    HSA_FSA = "hsa_fsa", "HSA/FSA card"
    OTHER = "other", "Other"


class Payment(models.Model):
    """Money the desk took for a session (at its own terminal, or cash)."""

    Method = PaymentMethod

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    note = models.CharField(max_length=200, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The checkout form's key: the same form sent twice (a double click) records one payment.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["taken_at", "pk"]
        indexes = [models.Index(fields=["taken_at"], name="payment_taken_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message="A payment must be more than $0.",
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=PaymentMethod.values),
                name="payment_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"${self.amount:,.2f} by {self.get_method_display()}"

    @property
    def receipt_number(self) -> str:
        return f"R-{self.appointment_id:06d}-{self.pk}"


class Fee(models.Model):
    """A fee the client owes for a late cancellation or a no-show, unless waived."""

    class Kind(models.TextChoices):
        LATE_CANCELLATION = "late_cancel", "Late cancellation fee"
        NO_SHOW = "no_show", "No-show fee"

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="fee")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    # The session's price when the fee was recorded: the fee may not exceed it.
    session_price = models.DecimalField(**MONEY)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waive_reason = models.CharField(max_length=200, blank=True)
    # The payment that settled it, taken at the desk for the fee's amount.
    payment = models.OneToOneField(
        Payment, models.PROTECT, null=True, blank=True, related_name="paid_fee"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(waived_at__isnull=True) | models.Q(payment__isnull=True),
                name="fee_paid_or_waived",
                violation_error_message="A fee is either paid or waived, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="fee_amount_positive",
                violation_error_message="A fee must be more than $0.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__lte=models.F("session_price")),
                name="fee_within_session_price",
                violation_error_message="A fee cannot be more than the session's price.",
            ),
            models.CheckConstraint(
                condition=models.Q(waived_at__isnull=True)
                | (models.Q(waived_at__isnull=False) & ~models.Q(waive_reason="")),
                name="fee_waived_with_reason",
                violation_error_message="Say why the fee is waived.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["late_cancel", "no_show"]), name="fee_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ${self.amount:,.2f}"

    @property
    def owed(self) -> Decimal:
        """Return what is still owed: the amount, or nothing once waived or paid."""
        return Decimal("0.00") if self.waived_at or self.payment_id else self.amount
