"""Migration 0011 tells the online bookings already made from the front desk's."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bookings.models import Appointment


@pytest.mark.django_db(transaction=True)
def test_existing_bookings_without_a_staff_author_become_online_ones():
    before = [("bookings", "0010_availability_version"), ("services", "0002_content_pages")]
    try:
        MigrationExecutor(connection).migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        user = old.get_model("auth", "User").objects.create(username="desk")
        service = old.get_model("services", "Service").objects.create(
            title="Massage", slug="massage", summary="s", seo_description="d", draft_body=""
        )
        length = old.get_model("services", "ServiceLength").objects.create(
            service=service, minutes=60, price=95
        )
        therapist = old.get_model("bookings", "Therapist").objects.create(
            name="Ana", slug="ana", bio="b"
        )
        room = old.get_model("bookings", "Room").objects.create(name="Room A")
        client = old.get_model("bookings", "Client").objects.create(
            first_name="Rae", last_name="Runner", email="rae@example.com"
        )
        start = datetime(2026, 6, 8, 13, tzinfo=UTC)
        for n, by in enumerate((None, user)):
            at = start + timedelta(hours=2 * n)
            old.get_model("bookings", "Appointment").objects.create(
                client=client,
                therapist=therapist,
                room=room,
                service_length=length,
                start=at,
                end=at + timedelta(hours=1),
                buffer_before=0,
                buffer_after=0,
                occupied_from=at,
                occupied_until=at + timedelta(hours=1),
                created_by=by,
            )
        call_command("migrate", verbosity=0)

        sources = list(Appointment.objects.order_by("start").values_list("source", flat=True))
        assert sources == [Appointment.Source.ONLINE, Appointment.Source.DESK]
    finally:
        call_command("migrate", verbosity=0)
