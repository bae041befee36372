"""schema.org structured data (JSON-LD) for the clinic, its services, team and FAQs."""

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse

from bookings.models import Therapist
from clinic.models import ClinicProfile, OpeningHours, Review
from services.models import Question, Service


def reviews(profile: ClinicProfile, items: Sequence[Review]) -> dict:
    """Return Review and AggregateRating properties, or nothing where the clinic's policy says no.

    Search engines treat reviews a business selects and shows itself as self-serving, so
    the markup is opt-in (ClinicProfile.review_markup); the quotes stay on the page either way.
    """
    if not profile.review_markup or not items:
        return {}
    return {
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": f"{sum(r.rating for r in items) / len(items):.1f}",
            "reviewCount": len(items),
            "bestRating": 5,
            "worstRating": 1,
        },
        "review": [
            {
                "@type": "Review",
                "reviewBody": r.quote,
                "author": {"@type": "Person", "name": r.first_name},
                "reviewRating": {"@type": "Rating", "ratingValue": r.rating, "bestRating": 5},
            }
            for r in items
        ],
    }


def faq_page(questions: Sequence[Question]) -> dict:
    """Return a schema.org FAQPage for a service's questions and answers."""
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": q.question,
                "acceptedAnswer": {"@type": "Answer", "text": str(q.answer_html)},
            }
            for q in questions
        ],
    }


def therapist(person: Therapist, profile: ClinicProfile) -> dict:
    """Return a therapist as a schema.org Person working for the clinic."""
    return {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": person.name,
        "jobTitle": "Licensed massage therapist",
        "url": settings.SITE_URL + reverse("therapist", kwargs={"slug": person.slug}),
        "worksFor": {
            "@type": "HealthAndBeautyBusiness",
            "@id": f"{settings.SITE_URL}/#clinic",
            "name": profile.name,
        },
    }


def business(
    profile: ClinicProfile, hours: list[OpeningHours], shown: Sequence[Review] = ()
) -> dict:
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
        **reviews(profile, shown),
    }


def service(item: Service, profile: ClinicProfile, shown: Sequence[Review] = ()) -> dict:
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
        **reviews(profile, shown),
    }
