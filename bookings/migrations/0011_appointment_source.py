"""Record which door each booking came through: online or the front desk.

Existing rows: the public flow books with no staff user (``created_by`` empty), every staff
door records who booked. A desk booking whose staff account was deleted since also has an
empty ``created_by`` and is counted online; nothing else recorded tells the two apart.
"""

from django.db import migrations, models


def mark_online_bookings(apps, schema_editor) -> None:
    Appointment = apps.get_model("bookings", "Appointment")
    Appointment.objects.filter(created_by__isnull=True).update(source="online")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0010_availability_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="source",
            field=models.CharField(
                choices=[("online", "Online"), ("desk", "Front desk")],
                default="desk",
                editable=False,
                max_length=8,
            ),
        ),
        migrations.RunPython(mark_online_bookings, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(("source__in", ["online", "desk"])),
                name="appointment_source_valid",
            ),
        ),
    ]
