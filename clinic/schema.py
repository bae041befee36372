"""schema.org structured data (JSON-LD) for the clinic and its services."""

from django.conf import settings

from clinic.models import ClinicProfile, OpeningHours
from services.models import Service


def business(profile: ClinicProfile, hours: list[OpeningHours]) -> dict:
    """Return the clinic as a schema.org HealthAndBeautyBusiness."""
    return {
        "@context": "https://schema.org",
        "@type": "HealthAndBeautyBusiness",
        "@id": f"{settings.SITE_URL}/#clinic",
        "name": profile.name,
        "url": f"{settings.SITE_URL}/",
        "telephone": profile.phone,
        "email": profile.email,
        "priceRange": "$$",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": profile.street_address,
            "addressLocality": profile.locality,
            "addressRegion": profile.region,
            "postalCode": profile.postal_code,
            "addressCountry": "US",
        },
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{h.schema_day}",
                "opens": h.opens.strftime("%H:%M"),
                "closes": h.closes.strftime("%H:%M"),
            }
            for h in hours
        ],
    }


def service(item: Service, profile: ClinicProfile) -> dict:
    """Return a service as a schema.org Service with one Offer per bookable length."""
    url = settings.SITE_URL + item.get_absolute_url()
    return {
        "@context": "https://schema.org",
        "@type": "Service",
        "name": item.title,
        "description": item.seo_description,
        "url": url,
        "areaServed": f"{profile.locality}, {profile.region}",
        "provider": {
            "@type": "HealthAndBeautyBusiness",
            "@id": f"{settings.SITE_URL}/#clinic",
            "name": profile.name,
        },
        "offers": [
            {
                "@type": "Offer",
                "name": f"{length.minutes}-minute session",
                "price": f"{length.price:.2f}",
                "priceCurrency": "USD",
                "url": url,
            }
            for length in item.lengths.all()
        ],
    }
