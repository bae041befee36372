"""The clinic-wide pages: home, visit, health check and robots.txt."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from bookings.models import Therapist
from clinic import schema
from clinic.models import ClinicProfile, OpeningHours
from services.models import Service


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    profile = ClinicProfile.load()
    hours = list(OpeningHours.objects.all())
    context = {
        "clinic": profile,
        "services": Service.objects.published().prefetch_related("lengths"),
        "therapist_count": Therapist.objects.active().count(),
        "structured_data": schema.business(profile, hours),
    }
    return render(request, "clinic/home.html", context)


@require_safe
def visit(request: HttpRequest) -> HttpResponse:
    profile = ClinicProfile.load()
    hours = list(OpeningHours.objects.all())
    context = {
        "clinic": profile,
        "hours": hours,
        "structured_data": schema.business(profile, hours),
    }
    return render(request, "clinic/visit.html", context)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Return 200 "ok" when PostgreSQL answers a query now, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # Hand the broken connection back so the next check starts afresh.
        connection.close()
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /staff/",
        "Disallow: /book/",
        f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
