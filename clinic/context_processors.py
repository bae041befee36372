from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from clinic.models import ClinicProfile


def clinic(request: HttpRequest) -> dict:
    """Return the clinic profile (loaded on first use) and the canonical site URL.

    The booking steps have read their kept reference copies (``bookings.reference``) and
    take the profile from there, without a query while nothing changed.
    """
    lookup = getattr(request, "reference", None)
    return {
        "clinic": SimpleLazyObject(ClinicProfile.load if lookup is None else lookup.clinic),
        "site_url": settings.SITE_URL,
    }
