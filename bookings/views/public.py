"""Public pages of the bookings app: the therapists and the start of booking."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from bookings.models import Therapist
from services.models import Service


@require_safe
def therapist_list(request: HttpRequest) -> HttpResponse:
    therapists = Therapist.objects.active().prefetch_related(
        Prefetch("services", queryset=Service.objects.published())
    )
    return render(request, "bookings/therapist_list.html", {"therapists": therapists})


@require_safe
def book(request: HttpRequest) -> HttpResponse:
    services = Service.objects.published().prefetch_related("lengths")
    chosen = request.GET.get("service", "")
    return render(request, "bookings/book_start.html", {"services": services, "chosen": chosen})
