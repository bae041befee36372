"""A session's receipt: what the client paid, to whom, for what; printable and emailable.

Written to be accepted for an HSA or FSA claim: the provider's name and Georgia license
number, the clinic's address and phone, the service and its date, each payment and its
method, and the receipt's own number. Read-only: it imports no writes (the outbox composes
its email from here).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bookings.models import Appointment, Fee, Payment
from clinic.models import ClinicProfile, TherapistProfile


@dataclass(frozen=True, slots=True)
class Receipt:
    number: str
    clinic: ClinicProfile
    appointment: Appointment
    provider: str
    credentials: str
    license_number: str
    payments: list[Payment]
    total: Decimal
    fee: Fee | None
    issued_at: datetime | None  # the last payment's time

    @property
    def methods(self) -> str:
        """Return the payment methods used, in words ("Card terminal, Cash")."""
        seen = dict.fromkeys(payment.get_method_display() for payment in self.payments)
        return ", ".join(seen)


def receipt_for(appointment: Appointment, *, profile: ClinicProfile | None = None) -> Receipt:
    """Return `appointment`'s receipt (two queries: its payments and its provider's license)."""
    payments = list(Payment.objects.filter(appointment=appointment).order_by("taken_at", "pk"))
    therapist = appointment.therapist
    licensed = TherapistProfile.objects.filter(therapist=therapist).first()
    return Receipt(
        number=f"R-{appointment.pk:06d}",
        clinic=profile or ClinicProfile.load(),
        appointment=appointment,
        provider=therapist.name,
        credentials=therapist.credentials,
        license_number=licensed.license_number if licensed else "",
        payments=payments,
        total=sum((payment.amount for payment in payments), Decimal("0.00")),
        fee=Fee.objects.filter(appointment=appointment).first(),
        issued_at=payments[-1].taken_at if payments else None,
    )
