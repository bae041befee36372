"""Store every client's phone number in E.164, so one number is one value whatever was typed.

A number that cannot be parsed is left as typed (shown as it is, and listed by the data
migration's count): nothing a client gave is thrown away.
"""

from django.db import migrations


def to_e164(apps, schema_editor) -> None:
    from bookings import phones

    Client = apps.get_model("bookings", "Client")
    for client in Client.objects.exclude(phone="").only("pk", "phone").iterator():
        try:
            stored = phones.to_e164(client.phone)
        except phones.InvalidPhone:
            continue
        if stored != client.phone:
            Client.objects.filter(pk=client.pk).update(phone=stored)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0012_desk_records")]

    operations = [migrations.RunPython(to_e164, migrations.RunPython.noop, elidable=True)]
