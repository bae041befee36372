"""Plain factory functions for tests: each makes one saved object with sensible defaults."""

import itertools
from decimal import Decimal

from bookings.models import Therapist
from services.models import Service, ServiceLength

_seq = itertools.count(1)


def make_service(*, published: bool = True, lengths: tuple[int, ...] = (60,), **fields) -> Service:
    n = next(_seq)
    defaults = {
        "title": f"Service {n}",
        "slug": f"service-{n}",
        "summary": f"Summary of service {n}.",
        "body": f"## About service {n}\n\nIt helps runners.",
        "seo_description": f"Service {n} for runners in Sandy Springs.",
        "ordering": n,
        "published": published,
    }
    service = Service.objects.create(**(defaults | fields))
    for minutes in lengths:
        ServiceLength.objects.create(service=service, minutes=minutes, price=Decimal(minutes + 35))
    return service


def make_therapist(*, services: list[Service] = (), active: bool = True, **fields) -> Therapist:
    n = next(_seq)
    defaults = {
        "name": f"Therapist {n}",
        "slug": f"therapist-{n}",
        "bio": f"Bio {n}.",
        "active": active,
    }
    therapist = Therapist.objects.create(**(defaults | fields))
    therapist.services.set(services)
    return therapist
