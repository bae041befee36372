"""The clinic-wide pages: home, visit, therapists, health check and robots.txt."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from bookings.models import Therapist
from clinic import schema
from clinic.models import ClinicProfile, HomeSection, Review
from clinic.page_cache import cached_public_page
from services.models import Service

HOME_REVIEWS = 3


@require_safe
@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    profile = ClinicProfile.load()
    reviews = list(Review.objects.published()[:HOME_REVIEWS])
    context = {
        "clinic": profile,
        "sections": HomeSection.objects.published(),
        "services": Service.objects.published().prefetch_related("lengths"),
        "reviews": reviews,
        "structured_data": schema.business(profile, profile.hours, reviews),
    }
    return render(request, "clinic/home.html", context)


@require_safe
@cached_public_page
def visit(request: HttpRequest) -> HttpResponse:
    profile = ClinicProfile.load()
    context = {
        "clinic": profile,
        "hours": profile.hours,
        "structured_data": schema.business(profile, profile.hours),
    }
    return render(request, "clinic/visit.html", context)


def _offered_services() -> Prefetch:
    return Prefetch("services", queryset=Service.objects.published().prefetch_related("lengths"))


@require_safe
@cached_public_page
def therapist_list(request: HttpRequest) -> HttpResponse:
    therapists = (
        Therapist.objects.active()
        .select_related("profile__photo")
        .prefetch_related(_offered_services())
    )
    context = {"clinic": ClinicProfile.load(), "therapists": therapists}
    return render(request, "bookings/therapist_list.html", context)


@require_safe
@cached_public_page
def therapist_detail(request: HttpRequest, slug: str) -> HttpResponse:
    therapist = get_object_or_404(
        Therapist.objects.active()
        .select_related("profile__photo")
        .prefetch_related(_offered_services()),
        slug=slug,
    )
    profile = ClinicProfile.load()
    context = {
        "clinic": profile,
        "therapist": therapist,
        "structured_data": schema.therapist(therapist, profile),
    }
    return render(request, "clinic/therapist_detail.html", context)


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponse:
    """Return an uploaded picture from MEDIA_ROOT (404 outside it), cacheable for a year."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


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
