"""Move staff authenticators from the hand-written StaffTwoFactor to django-otp's TOTPDevice.

Confirmed authenticators keep working: the same secret (base32 there, hex here) and the
last accepted step, so a code used just before the deploy cannot be used again after it.
Unconfirmed ones are dropped; their owners are shown a new setup key at the next sign-in.
"""

import base64

from django.db import migrations
from django.utils import timezone


def copy_confirmed_devices(apps, schema_editor) -> None:
    """Create a confirmed TOTPDevice for each confirmed StaffTwoFactor."""
    old_model = apps.get_model("clinic", "StaffTwoFactor")
    device_model = apps.get_model("otp_totp", "TOTPDevice")
    device_model.objects.bulk_create(
        device_model(
            user_id=old.user_id,
            name="Authenticator app",
            confirmed=True,
            key=base64.b32decode(old.secret.upper() + "=" * (-len(old.secret) % 8)).hex(),
            last_t=old.last_step,
            step=30,
            digits=6,
            tolerance=1,
            created_at=old.confirmed_at,
        )
        for old in old_model.objects.filter(confirmed_at__isnull=False)
    )


def copy_devices_back(apps, schema_editor) -> None:
    """Recreate StaffTwoFactor rows from confirmed TOTP devices (one per user)."""
    old_model = apps.get_model("clinic", "StaffTwoFactor")
    device_model = apps.get_model("otp_totp", "TOTPDevice")
    seen: set[int] = set()
    for device in device_model.objects.filter(confirmed=True, step=30, digits=6).order_by("pk"):
        if device.user_id in seen:
            continue
        seen.add(device.user_id)
        old_model.objects.create(
            user_id=device.user_id,
            secret=base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("="),
            confirmed_at=device.created_at or timezone.now(),
            last_step=device.last_t,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0003_staff_two_factor"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(copy_confirmed_devices, copy_devices_back),
        migrations.DeleteModel(name="StaffTwoFactor"),
    ]
