"""The role groups: what the migration creates, what sync_roles repairs, who seed_demo puts in."""

import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from bookings import roles

migration = importlib.import_module("bookings.migrations.0004_roles")


def role_permissions() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


@pytest.mark.django_db
def test_the_migration_and_sync_roles_give_the_same_roles():
    Group.objects.all().delete()
    migration.create_roles(apps, schema_editor=None)
    migrated = role_permissions()
    Group.objects.all().delete()

    roles.sync_roles()

    assert role_permissions() == migrated
    assert migrated[roles.FRONT_DESK] == set(roles.ROLES[roles.FRONT_DESK])
    assert migrated[roles.THERAPIST] == {roles.VIEW_OWN_SCHEDULE}
    admin = migrated[roles.CLINIC_ADMIN]
    assert set(roles.STAFF_PERMISSIONS) < admin
    assert {"services.change_service", "auth.change_user", "bookings.change_therapist"} < admin
    assert "bookings.change_appointment" not in migrated[roles.FRONT_DESK]  # no admin bypass


@pytest.mark.django_db
def test_seed_demo_gives_each_demo_account_its_role_and_books_demo_clients_once(demo):
    call_command("seed_demo", "--appointments", stdout=io.StringIO())
    booked = set(roles_of("frontdesk"))

    out = io.StringIO()
    call_command("seed_demo", "--appointments", stdout=out)

    assert booked == {roles.FRONT_DESK}
    assert roles_of("therapist") == [roles.THERAPIST]
    assert roles_of("admin") == [roles.CLINIC_ADMIN]
    assert User.objects.get(username="therapist").therapist.name == "Maya Brooks"
    assert "6 demo appointments" in out.getvalue()


def roles_of(username: str) -> list[str]:
    return list(User.objects.get(username=username).groups.values_list("name", flat=True))
