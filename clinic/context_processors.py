from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from clinic.models import ClinicProfile


def clinic(request: HttpRequest) -> dict:
    """Return the clinic profile (loaded on first use) and the canonical site URL."""
    return {
        "clinic": SimpleLazyObject(ClinicProfile.load),
        "site_url": settings.SITE_URL,
    }
