"""The clinic-wide pages: home, visit, therapists, health check and robots.txt."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from bookings import roles
from bookings.models import Therapist
from clinic import schema
from clinic.models import ClinicProfile, PageSection, Review
from clinic.page_cache import cached_public_page
from services.models import Service

HOME_REVIEWS = 3


@require_safe
@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    return _home(request, preview=False)


@require_safe
@cached_public_page
def visit(request: HttpRequest) -> HttpResponse:
    return _visit(request, preview=False)


@require_safe
@roles.staff_required("clinic.change_pagesection")
def page_preview(request: HttpRequest, page: str) -> HttpResponse:
    """Return the home or visit page with its sections' drafts: staff only, never cached.

    Served from the admin (PageSectionAdmin.get_urls), behind its sign-in and second factor.
    """
    renderers = {PageSection.Page.HOME: _home, PageSection.Page.VISIT: _visit}
    if page not in renderers:
        raise Http404("No such page.")
    return renderers[page](request, preview=True)


def _sections(page: str, *, preview: bool) -> list[dict]:
    """Return the page's published sections as heading and (live or draft) text."""
    sections = PageSection.objects.published().of(page)
    return [
        {"pk": s.pk, "heading": s.heading, "html": s.draft_html if preview else s.body_html}
        for s in sections
    ]


def _home(request: HttpRequest, *, preview: bool) -> HttpResponse:
    profile = ClinicProfile.load()
    reviews = list(Review.objects.published()[:HOME_REVIEWS])
    context = {
        "clinic": profile,
        "sections": _sections(PageSection.Page.HOME, preview=preview),
        "services": Service.objects.published().prefetch_related("lengths"),
        "reviews": reviews,
        "structured_data": schema.business(profile, profile.hours, reviews),
        "preview": preview,
    }
    return render(request, "clinic/home.html", context)


def _visit(request: HttpRequest, *, preview: bool) -> HttpResponse:
    profile = ClinicProfile.load()
    context = {
        "clinic": profile,
        "hours": profile.hours,
        "sections": _sections(PageSection.Page.VISIT, preview=preview),
        "structured_data": schema.business(profile, profile.hours),
        "preview": preview,
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
    return _therapist(request, Therapist.objects.active(), preview=False, slug=slug)


@require_safe
@roles.staff_required("clinic.change_therapistprofile")
def therapist_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a therapist's page with the profile's draft: staff only, never cached, noindex.

    Served from the admin (TherapistProfileAdmin.get_urls); an inactive therapist's too.
    """
    return _therapist(request, Therapist.objects.all(), preview=True, profile__pk=pk)


def _therapist(request: HttpRequest, therapists, *, preview: bool, **lookup) -> HttpResponse:
    therapist = get_object_or_404(
        therapists.select_related("profile__photo").prefetch_related(_offered_services()),
        **lookup,
    )
    profile = ClinicProfile.load()
    about = getattr(therapist, "profile", None)
    context = {
        "clinic": profile,
        "therapist": therapist,
        "about": (about.draft_html if preview else about.bio_html) if about else "",
        "structured_data": schema.therapist(therapist, profile),
        "preview": preview,
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
