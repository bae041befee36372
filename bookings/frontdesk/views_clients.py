"""Staff pages, part 3: find a client; their visits, counts, intake and private notes;
revoke their links; export or erase their data on request.

Health details (the runner intake) appear on these pages only, in the response body:
client pages are addressed by id, searches match names, emails and phones only, and the
request log records route patterns, not paths or query strings.
"""

import json

from django import forms
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings import checkout, client_data, client_records, links, nudges, roles
from bookings.frontdesk import queries as desk_queries
from bookings.frontdesk.forms import StaffNotesForm, client_search
from bookings.frontdesk.forms_records import ContactForm, FeePaymentForm, contact_version
from bookings.http import see_other
from bookings.models import AppointmentChange, Client, ClientChange, RunnerIntake

RECENT_CHANGES = 30
ERASE_WORD = "ERASE"


class EraseForm(forms.Form):
    confirm = forms.CharField(
        label=f"Type {ERASE_WORD} to confirm",
        max_length=20,
        error_messages={"required": f"Type {ERASE_WORD} to confirm the erasure."},
    )

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed.upper() != ERASE_WORD:
            raise forms.ValidationError(f"Type {ERASE_WORD} (and only that) to confirm.")
        return typed


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_http_methods(["GET", "HEAD", "POST"])
def clients(request: HttpRequest) -> HttpResponse:
    """Show who is coming in and who was seen (GET), or the clients a search finds (POST).

    A search is rendered, not redirected: the term then lives in the request body only.
    """
    search, query = client_search(request)
    recent, upcoming = ([], []) if query else desk_queries.clients_around(now=timezone.now())
    context = {
        "search": search,
        "query": query,
        "results": desk_queries.search_clients(query) if query else [],
        "recent": recent,
        "upcoming": upcoming,
        "can_book": request.user.has_perm(roles.MANAGE_BOOKINGS),
    }
    return render(request, "staff/client_list.html", context, status=422 if search.errors else 200)


def _recent_changes(client: Client) -> list[AppointmentChange]:
    """Return the latest history lines of all of `client`'s appointments, newest first."""
    return list(
        AppointmentChange.objects.filter(appointment__client=client)
        .select_related("by", "appointment")
        .order_by("-at", "-pk")[:RECENT_CHANGES]
    )


def _client_page(
    request: HttpRequest,
    client: Client,
    notes_form: StaffNotesForm,
    status: int = 200,
    contact_form: ContactForm | None = None,
) -> HttpResponse:
    intake = RunnerIntake.objects.filter(client=client).first()
    account = checkout.client_account(client)
    can_take_payment = request.user.has_perm(roles.MANAGE_BOOKINGS)
    for fee in account.fees:
        if fee.owed:
            # Its own ids: one form per fee owed on the page.
            fee.pay_form = FeePaymentForm(auto_id=f"id_fee{fee.pk}_%s")
    context = {
        "contact_form": contact_form or ContactForm(client=client),
        "account": account,
        "can_take_payment": can_take_payment,
        "record_changes": list(
            ClientChange.objects.filter(client=client).select_related("by")[:RECENT_CHANGES]
        ),
        "client": client,
        "intake": intake,
        "history": desk_queries.client_history(client, now=timezone.now()),
        "changes": _recent_changes(client),
        "notes_form": notes_form,
        "can_book": request.user.has_perm(roles.MANAGE_BOOKINGS) and not client.erased_at,
    }
    return render(request, "staff/client_detail.html", context, status=status)


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_safe
def client(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Client, pk=pk)
    return _client_page(request, person, StaffNotesForm(client=person))


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_POST
def client_notes(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        # Locked from comparing the notes the editor started from to saving theirs.
        person = get_object_or_404(Client.objects.select_for_update(), pk=pk)
        form = StaffNotesForm(request.POST, client=person)
        if form.is_valid() and person.erased_at is not None:
            form.add_error(None, "This client's data was erased; notes cannot be added.")
        elif form.is_valid():
            person.staff_notes = form.cleaned_data["staff_notes"].strip()
            person.save(update_fields=["staff_notes"])
            messages.success(request, "Staff notes saved.")
            return see_other(reverse("staff:client", args=[pk]))
    return _client_page(request, person, form, status=422)


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_POST
def client_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the client's edited contact details, unless someone else saved first."""
    person = get_object_or_404(Client, pk=pk)
    form = ContactForm(request.POST, client=person)
    if form.is_valid() and not form.seen_matches():
        form.add_error(None, STALE_CONTACT)
        form = _fresh_seen(form, person)
    elif form.is_valid():
        try:
            client_records.update_contact(
                client=person,
                contact=form.contact(),
                seen=client_records.contact_of(person),
                by=request.user,
                now=timezone.now(),
            )
        except client_records.RecordRefused as refused:
            field = refused.field if refused.field in form.fields else None
            form.add_error(field, refused.message)
        else:
            messages.success(request, "Contact details saved.")
            return see_other(reverse("staff:client", args=[pk]))
    person.refresh_from_db()
    return _client_page(
        request, person, StaffNotesForm(client=person), status=422, contact_form=form
    )


STALE_CONTACT = (
    "Someone changed these details after you opened this page, so yours were not saved. "
    "The details now on file are shown above the form; send yours again to replace them."
)


def _fresh_seen(form: ContactForm, person: Client) -> ContactForm:
    """Keep what the editor typed but take in the current version, so sending the form
    again, after reading the refusal, goes through."""
    form.data = form.data.copy()
    form.data["seen"] = contact_version(client_records.contact_of(person))
    return form


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_POST
def client_revoke_links(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Client, pk=pk)
    count = links.revoke_client_links(client=person, by=request.user, now=timezone.now())
    revoked = "There were no live manage links."
    if count:
        revoked = f"Revoked {count} manage link{'s' if count > 1 else ''}."
    messages.success(
        request, f"{revoked} Find-my-bookings links sent until now no longer work either."
    )
    return see_other(reverse("staff:client", args=[pk]))


class NudgesForm(forms.Form):
    wanted = forms.TypedChoiceField(
        choices=[("on", "On"), ("off", "Off")], coerce=lambda value: value == "on"
    )


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_POST
def client_nudges(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn a client's rebook emails on or off (a line in the record's history)."""
    person = get_object_or_404(Client, pk=pk)
    form = NudgesForm(request.POST)
    if not form.is_valid() or person.erased_at is not None:
        why = "This client's data was erased." if person.erased_at else "Choose on or off."
        messages.error(request, f"Rebook emails not changed. {why}")
        return _client_page(request, person, StaffNotesForm(client=person), status=422)
    wanted = form.cleaned_data["wanted"]
    changed = nudges.set_nudges(
        client=person, wanted=wanted, by=request.user, door="client page", now=timezone.now()
    )
    state = "on" if wanted else "off"
    messages.success(
        request,
        f"Rebook emails turned {state}." if changed else f"Rebook emails were already {state}.",
    )
    return see_other(reverse("staff:client", args=[pk]))


def _export(request: HttpRequest, pk: int) -> dict:
    return client_data.export_client(get_object_or_404(Client, pk=pk), now=timezone.now())


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_safe
def client_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Return everything held on the client as a printable page."""
    return render(request, "staff/client_export.html", {"data": _export(request, pk)})


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_safe
def client_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    """Return everything held on the client as a JSON download."""
    body = json.dumps(_export(request, pk), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    # The id only: a file name travels further than the file (download lists, logs).
    response["Content-Disposition"] = f'attachment; filename="client-{pk}.json"'
    return response


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_http_methods(["GET", "HEAD", "POST"])
def client_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to confirm erasing the client's data (GET), then erase it (POST)."""
    person = get_object_or_404(Client, pk=pk)
    now = timezone.now()
    form = EraseForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            client_data.erase_client(client=person, by=request.user, now=now)
        except client_data.ErasureRefused as refused:
            form.add_error(None, refused.message)
            status = 409
        else:
            messages.success(request, "The client's personal and health data is erased.")
            return see_other(reverse("staff:client", args=[pk]))
    elif form.errors:
        status = 422
    context = {
        "client": person,
        "form": form,
        "upcoming": client_data.upcoming_count(person, now=now),
    }
    return render(request, "staff/client_erase.html", context, status=status)
