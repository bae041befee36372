"""Forms of the desk's records: checkout, fees, contact details, merges, time off.

They turn input into domain values (dollars as Decimal, phones as E.164, local times as
aware datetimes); checkout.py, client_records.py and booking.py decide the rest.
"""

import hashlib
import uuid
from dataclasses import astuple
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from bookings import phones
from bookings.client_records import Contact, contact_of
from bookings.frontdesk.forms import DateInput, TimeInput, local_instant
from bookings.models import Client, PaymentMethod

MONEY_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0.01"}


class MoneyField(forms.DecimalField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_digits", 8)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.NumberInput(attrs=MONEY_ATTRS))
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Enter an amount in dollars, such as 95.00.",
                "invalid": "Enter an amount in dollars, such as 95.00.",
                "max_digits": "That amount is too large.",
                "max_whole_digits": "That amount is too large.",
                "max_decimal_places": "Use dollars and cents, such as 95.50.",
            },
        )
        super().__init__(**kwargs)

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is not None and value <= 0:
            raise ValidationError("Enter an amount more than $0.")


def form_key(expired: str) -> forms.UUIDField:
    """Return the hidden key a payment form is sent with: the same form sent twice (a double
    click) records one payment; a missing or mangled one says `expired`."""
    return forms.UUIDField(
        widget=forms.HiddenInput,
        initial=uuid.uuid4,
        error_messages={"required": expired, "invalid": expired},
    )


class PaymentForm(forms.Form):
    amount = MoneyField(label="Amount taken ($)")
    method = forms.ChoiceField(
        label="How they paid",
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the client paid."},
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=200,
        required=False,
        help_text="e.g. the terminal's approval code. No card numbers.",
    )
    key = form_key("This form expired. Check the amount and send it again.")


class FeePaymentForm(forms.Form):
    """The client paid the fee they owe, in full: how they paid."""

    method = forms.ChoiceField(
        label="Paid by",
        # No method assumed: the desk says which one took the money.
        choices=[("", "Choose…"), *PaymentMethod.choices],
        error_messages={"required": "Choose how the client paid."},
    )
    key = form_key("This form expired. Open the page again.")


class FeeForm(forms.Form):
    amount = MoneyField(label="Fee owed ($)")


class WaiveForm(forms.Form):
    reason = forms.CharField(
        label="Why waive it",
        max_length=200,
        error_messages={"required": "Say why the fee is waived."},
    )


def contact_version(contact: Contact) -> str:
    """Return a short fingerprint of contact details, to spot someone else's edit."""
    return hashlib.sha256(repr(astuple(contact)).encode()).hexdigest()[:16]


class ContactForm(forms.Form):
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    phone = forms.CharField(
        max_length=30, required=False, help_text=f"Any way of writing it, e.g. {phones.EXAMPLE}."
    )
    email = forms.EmailField(required=False)
    seen = forms.CharField(widget=forms.HiddenInput, max_length=16)

    def __init__(self, *args, client: Client, **kwargs) -> None:
        self.client = client
        current = contact_of(client)
        kwargs.setdefault("initial", {}).update(
            first_name=client.first_name,
            last_name=client.last_name,
            phone=client.phone_display,
            email=client.email,
            seen=contact_version(current),
        )
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.input_type = "tel"

    def clean_phone(self) -> str:
        try:
            return phones.to_e164(self.cleaned_data["phone"])
        except phones.InvalidPhone as error:
            raise ValidationError(str(error)) from None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email and Client.objects.with_email(email).exclude(pk=self.client.pk).exists():
            raise ValidationError(
                "Another client already has this email. If they are the same person, merge "
                "the two records instead."
            )
        return email

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("phone") and not data.get("email"):
            self.add_error("phone", "Keep a phone number or an email to reach them.")
        return data

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(data["first_name"], data["last_name"], data["email"], data["phone"])

    def seen_matches(self) -> bool:
        return self.cleaned_data.get("seen") == contact_version(contact_of(self.client))


class MergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        queryset=Client.objects.filter(erased_at__isnull=True),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose the duplicate record to merge in.",
            "invalid_choice": "That record is not there any more (merged or erased).",
        },
    )
    confirm = forms.BooleanField(
        label="I have checked these are the same person",
        error_messages={"required": "Tick the box to confirm they are the same person."},
    )


class TimeOffForm(forms.Form):
    """Time off a therapist enters: from a local date and time to another."""

    start_day = forms.DateField(label="From (date)", widget=DateInput())
    start_time = forms.TimeField(label="From (time)", widget=TimeInput())
    end_day = forms.DateField(label="Until (date)", widget=DateInput())
    end_time = forms.TimeField(label="Until (time)", widget=TimeInput())
    reason = forms.CharField(
        max_length=200, required=False, help_text="Shown to the front desk, e.g. Race weekend."
    )

    def clean(self) -> dict:
        data = super().clean()
        for side in ("start", "end"):
            day, at = data.get(f"{side}_day"), data.get(f"{side}_time")
            if day and at:
                try:
                    data[side] = local_instant(day, at)
                except ValidationError as error:
                    self.add_error(f"{side}_time", error)
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end_time", "Your time off must end after it starts.")
        return data
