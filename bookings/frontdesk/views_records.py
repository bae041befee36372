"""Staff pages, part 4: checkout (payments, fees, receipts), editing and merging client
records, and a therapist's own time off.

Thin views: the forms turn input into values, checkout.py, client_records.py and booking.py
write. A refused step answers 422 with the message next to the field it is about; a
successful POST redirects (303).
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings import booking, checkout, client_records, clock, receipts, roles
from bookings.frontdesk import queries as desk_queries
from bookings.frontdesk.forms import client_search, is_client_search
from bookings.frontdesk.forms_records import (
    FeeForm,
    FeePaymentForm,
    MergeForm,
    PaymentForm,
    TimeOffForm,
    WaiveForm,
)
from bookings.frontdesk.views import schedule_page, therapist_required
from bookings.http import see_other
from bookings.models import Appointment, BookingPolicy, Client, Fee, Payment, Therapist

GET_POST = ["GET", "HEAD", "POST"]
Status = Appointment.Status


def _appointment(pk: int) -> Appointment:
    appointment = Appointment.objects.with_details().filter(pk=pk).first()
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


def _refused(form, refused: checkout.CheckoutRefused) -> None:
    field = refused.field if refused.field in form.fields else None
    form.add_error(field, refused.message)


def _checkout_page(
    request: HttpRequest, appointment: Appointment, *, status: int = 200, **forms
) -> HttpResponse:
    policy = BookingPolicy.load()
    fee = (
        Fee.objects.filter(appointment=appointment)
        .select_related("waived_by", "payment__taken_by")
        .first()
    )
    payments = list(Payment.objects.filter(appointment=appointment).select_related("taken_by"))
    paid = sum((p.amount for p in payments), checkout.ZERO)
    price = appointment.service_length.price
    due = checkout.fee_due(appointment, policy)
    takes_payment = appointment.status not in (Status.CANCELLED, Status.NO_SHOW)
    context = {
        "appointment": appointment,
        "price": price,
        "payments": payments,
        "paid": paid,
        "fee": fee,
        "fee_due": due,
        "takes_payment": takes_payment,
        "payment_form": forms.get("payment_form")
        or PaymentForm(initial={"amount": max(price - paid, checkout.ZERO) or None}),
        "fee_form": forms.get("fee_form") or FeeForm(initial={"amount": due[1] if due else None}),
        "waive_form": forms.get("waive_form") or WaiveForm(),
        "fee_pay_form": forms.get("fee_pay_form") or FeePaymentForm(),
        "policy": policy,
    }
    context["fee_forms"] = [context["fee_pay_form"], context["waive_form"]]
    return render(request, "staff/checkout.html", context, status=status)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_http_methods(GET_POST)
def checkout_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the payment for a session (completing it), or record the fee a missed or late-
    cancelled session owes."""
    appointment = _appointment(pk)
    if request.method != "POST":
        return _checkout_page(request, appointment)
    now = timezone.now()
    if request.POST.get("record") == "fee":
        form = FeeForm(request.POST)
        if form.is_valid():
            try:
                fee = checkout.record_fee(
                    appointment=appointment,
                    amount=form.cleaned_data["amount"],
                    by=request.user,
                    now=now,
                )
            except checkout.CheckoutRefused as refused:
                _refused(form, refused)
            else:
                messages.success(request, f"{fee.get_kind_display()} of ${fee.amount} recorded.")
                return see_other(reverse("staff:checkout", args=[pk]))
        return _checkout_page(request, _appointment(pk), status=422, fee_form=form)
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = checkout.record_payment(
                appointment=appointment,
                amount=data["amount"],
                method=data["method"],
                note=data["note"],
                by=request.user,
                now=now,
                key=data["key"],
            )
        except checkout.CheckoutRefused as refused:
            _refused(form, refused)
        else:
            messages.success(
                request,
                f"${payment.amount} taken by {payment.get_method_display().lower()}; "
                "the session is completed.",
            )
            return see_other(reverse("staff:checkout", args=[pk]))
    return _checkout_page(request, _appointment(pk), status=422, payment_form=form)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_POST
def waive_fee(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(pk)
    form = WaiveForm(request.POST)
    if form.is_valid():
        try:
            checkout.waive_fee(
                appointment=appointment,
                reason=form.cleaned_data["reason"],
                by=request.user,
                now=timezone.now(),
            )
        except checkout.CheckoutRefused as refused:
            _refused(form, refused)
        else:
            messages.success(request, "Fee waived; the reason is in the session's history.")
            return see_other(reverse("staff:checkout", args=[pk]))
    return _checkout_page(request, appointment, status=422, waive_form=form)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_POST
def pay_fee(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the client paid the fee they owe (from the checkout or client page), then
    show the receipt."""
    appointment = _appointment(pk)
    form = FeePaymentForm(request.POST)
    if form.is_valid():
        try:
            fee = checkout.pay_fee(
                appointment=appointment,
                method=form.cleaned_data["method"],
                by=request.user,
                now=timezone.now(),
                key=form.cleaned_data["key"],
            )
        except checkout.CheckoutRefused as refused:
            _refused(form, refused)
        else:
            messages.success(
                request,
                f"{fee.get_kind_display()} of {checkout.dollars(fee.amount)} paid by "
                f"{fee.payment.get_method_display().lower()}. Here is the receipt.",
            )
            return see_other(reverse("staff:receipt", args=[pk]))
    return _checkout_page(request, _appointment(pk), status=422, fee_pay_form=form)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_safe
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the session's printable receipt (for the client's HSA/FSA claim)."""
    appointment = _appointment(pk)
    context = {"receipt": receipts.receipt_for(appointment)}
    return render(request, "staff/receipt.html", context)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_POST
def receipt_email(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(pk)
    try:
        checkout.email_receipt(appointment=appointment, by=request.user, now=timezone.now())
    except checkout.CheckoutRefused as refused:
        messages.error(request, f"{refused.message} No email was sent.")
        context = {"receipt": receipts.receipt_for(appointment)}
        return render(request, "staff/receipt.html", context, status=409)
    messages.success(request, "The receipt is on its way to the client's email.")
    return see_other(reverse("staff:receipt", args=[pk]))


# --- client records ----------------------------------------------------------------------


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_http_methods(GET_POST)
def client_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Find a duplicate of this client (a search POST), then merge it into this record
    (POST)."""
    keep = get_object_or_404(Client, pk=pk)
    search, query = client_search(request)
    chosen = None
    if (other := request.GET.get("duplicate", "")).isdigit():
        chosen = Client.objects.filter(pk=other, erased_at__isnull=True).exclude(pk=pk).first()
    merge_post = request.method == "POST" and not is_client_search(request)
    form = MergeForm(request.POST if merge_post else None, initial={"duplicate": chosen})
    status = 200
    if merge_post:
        status = 422
        if form.is_valid():
            duplicate = form.cleaned_data["duplicate"]
            try:
                client_records.merge_clients(
                    keep=keep, duplicate=duplicate, by=request.user, now=timezone.now()
                )
            except client_records.RecordRefused as refused:
                field = refused.field if refused.field in form.fields else None
                # The hidden field has nowhere to show its message: above the form it goes.
                form.add_error(None if field == "duplicate" else field, refused.message)
            else:
                messages.success(request, f"{duplicate} merged into this record.")
                return see_other(reverse("staff:client", args=[pk]))
        chosen = form.cleaned_data.get("duplicate") if hasattr(form, "cleaned_data") else None
    results = []
    if query and chosen is None:
        results = [c for c in desk_queries.search_clients(query) if c.pk != pk]
    context = {
        "client": keep,
        "search": search,
        "query": query,
        "results": results,
        "chosen": chosen,
        "chosen_visits": Appointment.objects.filter(client=chosen).count() if chosen else 0,
        "form": form,
    }
    return render(request, "staff/client_merge.html", context, status=status)


# --- a therapist's own time off ----------------------------------------------------------


@therapist_required
@require_POST
def my_time_off(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    """Record time off the therapist entered on their schedule page."""
    form = TimeOffForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            booking.take_time_off(
                therapist=therapist,
                start=data["start"],
                end=data["end"],
                by=request.user,
                reason=data["reason"],
            )
        except booking.BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Time off saved: {clock.moment(data['start'], year=False)} to "
                f"{clock.moment(data['end'], year=False)}. The front desk sees it on the day grid.",
            )
            return see_other(reverse("staff:my_schedule"))
    return schedule_page(request, therapist, time_off_form=form, status=422)


@therapist_required
@require_POST
def my_time_off_remove(request: HttpRequest, therapist: Therapist, pk: int) -> HttpResponse:
    """Remove time off the therapist entered themselves, before it starts."""
    try:
        removed = booking.remove_time_off(
            therapist=therapist, time_off_id=pk, by=request.user, now=timezone.now()
        )
    except booking.BookingError as error:
        messages.error(request, f"{error.message} Nothing was changed.")
        return schedule_page(request, therapist, status=409)
    messages.success(
        request,
        f"Time off removed: {clock.moment(removed.start, year=False)} to "
        f"{clock.moment(removed.end, year=False)}. You can be booked in that time again.",
    )
    return see_other(reverse("staff:my_schedule"))
