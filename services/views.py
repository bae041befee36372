"""Public service pages."""

from django.db.models import Case, Prefetch, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from bookings import roles
from bookings.models import Therapist
from clinic import schema
from clinic.models import ClinicProfile, Review
from clinic.page_cache import cached_public_page
from services.models import Service


@require_safe
@cached_public_page
def service_list(request: HttpRequest) -> HttpResponse:
    services = Service.objects.published().prefetch_related("lengths")
    context = {"clinic": ClinicProfile.load(), "services": services}
    return render(request, "services/service_list.html", context)


@require_safe
@cached_public_page
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, Service.objects.published(), slug, preview=False)


@require_safe
@roles.staff_required("services.change_service")
def service_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Return the page as it will look with its draft body: staff only, never cached, noindex.

    Served from the admin (ServiceAdmin.get_urls), behind its sign-in and second factor.
    """
    return _detail(request, Service.objects.all(), slug, preview=True)


def _detail(request: HttpRequest, services, slug: str, *, preview: bool) -> HttpResponse:
    service = get_object_or_404(
        services.select_related("hero").prefetch_related(
            "lengths", "questions", Prefetch("therapists", queryset=Therapist.objects.active())
        ),
        slug=slug,
    )
    profile = ClinicProfile.load()
    # This service's own reviews first, topped up with the clinic's others (shown, but never
    # marked up as reviews of this service); one query either way.
    own_first = Case(When(service=service, then=0), default=1)
    reviews = list(Review.objects.published().order_by(own_first, "ordering", "pk")[:3])
    own = [review for review in reviews if review.service_id == service.pk]
    # A question shows once its answer is published (the preview shows the drafts).
    questions = [q for q in service.questions.all() if (q.draft_answer if preview else q.answer)]
    context = {
        "clinic": profile,
        "service": service,
        "questions": questions,
        "reviews": reviews,
        "other_services": Service.objects.published().exclude(pk=service.pk),
        "structured_data": schema.service(service, profile, own),
        "faq_data": schema.faq_page(questions) if questions and not preview else None,
        "preview": preview,
        "body": service.draft_html if preview else service.body_html,
    }
    return render(request, "services/service_detail.html", context)
