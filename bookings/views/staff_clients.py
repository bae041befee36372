"""Staff pages, part 3: find a client; their visits, counts, intake and private notes.

Health details (the runner intake) appear on these pages only, in the response body:
client pages are addressed by id, searches match names, emails and phones only, and the
request log records route patterns, not paths or query strings.
"""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from bookings import roles, staff_queries
from bookings.models import Client, RunnerIntake
from bookings.staff_forms import ClientSearchForm, StaffNotesForm


@roles.staff_required(roles.MANAGE_CLIENTS)
@require_safe
def clients(request: HttpRequest) -> HttpResponse:
    search = ClientSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    context = {
        "search": search,
        "query": query,
        "results": staff_queries.search_clients(query) if query else [],
        "can_book": request.user.has_perm(roles.MANAGE_BOOKINGS),
    }
    return render(request, "staff/client_list.html", context, status=422 if search.errors else 200)


def _client_page(
    request: HttpRequest, client: Client, notes_form: StaffNotesForm, status: int = 200
) -> HttpResponse:
    intake = RunnerIntake.objects.filter(client=client).first()
    context = {
        "client": client,
        "intake": intake,
        "history": staff_queries.client_history(client, now=timezone.now()),
        "notes_form": notes_form,
        "can_book": request.user.has_perm(roles.MANAGE_BOOKINGS),
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
        if form.is_valid():
            person.staff_notes = form.cleaned_data["staff_notes"].strip()
            person.save(update_fields=["staff_notes"])
            messages.success(request, "Staff notes saved.")
            return redirect("staff:client", pk=pk)
    return _client_page(request, person, form, status=422)
