"""Public service pages."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from bookings.models import Therapist
from clinic import schema
from clinic.models import ClinicProfile
from services.models import Service


@require_safe
def service_list(request: HttpRequest) -> HttpResponse:
    services = Service.objects.published().prefetch_related("lengths")
    return render(request, "services/service_list.html", {"services": services})


@require_safe
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(
        Service.objects.published().prefetch_related(
            "lengths", Prefetch("therapists", queryset=Therapist.objects.active())
        ),
        slug=slug,
    )
    profile = ClinicProfile.load()
    context = {
        "clinic": profile,
        "service": service,
        "other_services": Service.objects.published().exclude(pk=service.pk),
        "structured_data": schema.service(service, profile),
    }
    return render(request, "services/service_detail.html", context)
