"""Staff pages: the waitlist, with who is waiting for what, the times held for them and the
offers sent, and removing an entry. Front desk and admins (bookings/roles.py)."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from bookings import roles, waitlist
from bookings.http import see_other
from bookings.models import Therapist, WaitlistEntry, WaitlistHold
from services.models import Service

LIMIT = 200
HOLDS_SHOWN = 30


class WaitlistFilter(forms.Form):
    """The list's filters, from the query string; anything unusable means "all"."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Waiting"), *WaitlistEntry.Status.choices[1:]],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    therapist = forms.ModelChoiceField(
        required=False,
        queryset=Therapist.objects.all(),
        empty_label="Any therapist",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    service = forms.ModelChoiceField(
        required=False,
        queryset=Service.objects.all(),
        empty_label="Any service",
        widget=forms.Select(attrs={"class": "form-select"}),
    )


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_safe
def waitlist_list(request: HttpRequest) -> HttpResponse:
    waitlist.release_expired(now=timezone.now())
    filters = WaitlistFilter(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    status = data.get("status") or WaitlistEntry.Status.WAITING
    entries = WaitlistEntry.objects.filter(status=status)
    if data.get("therapist"):
        entries = entries.filter(therapist=data["therapist"])
    if data.get("service"):
        entries = entries.filter(service_length__service=data["service"])
    entries = entries.select_related("client", "therapist", "service_length__service")
    holds = (
        WaitlistHold.objects.select_related("therapist", "appointment__client")
        .prefetch_related("offers__entry__client")
        .order_by("-created_at")[:HOLDS_SHOWN]
    )
    context = {
        "filters": filters,
        "entries": list(entries[:LIMIT]),
        "holds": holds,
        "can_see_client": request.user.has_perm(roles.MANAGE_CLIENTS),
    }
    return render(request, "staff/waitlist.html", context)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_POST
def waitlist_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = WaitlistEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404("No such waitlist entry.")
    waitlist.remove_entry(entry=entry, now=timezone.now())
    return see_other(reverse("staff:waitlist"))
