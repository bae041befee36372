"""Staff roles as groups: Front desk, Therapist, Clinic admin (see bookings/roles.py).

A frozen copy of bookings.roles as of this migration, run on the historical models, so
that later edits to roles.py cannot change what this migration did (change roles with a new
migration; tests/bookings/staff/test_roles.py fails until the two agree again).
"""

from django.db import migrations

CUSTOM_PERMISSIONS = {
    "view_calendar": ("appointment", "Can see every therapist's calendar"),
    "manage_bookings": (
        "appointment",
        "Can book, move, cancel and check in appointments, and block time",
    ),
    "manage_clients": ("client", "Can look up clients, read their intake and edit staff notes"),
    "view_own_schedule": ("therapist", "Can see their own schedule and calendar feed"),
}
ADMIN_APPS = ("auth", "clinic", "services", "bookings")
ALL = "__all__"
ROLES = {
    "Front desk": [
        "bookings.view_calendar",
        "bookings.manage_bookings",
        "bookings.manage_clients",
    ],
    "Therapist": ["bookings.view_own_schedule"],
    "Clinic admin": ALL,
}


def create_roles(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    wanted = {}
    for label in ADMIN_APPS:
        for model in apps.get_app_config(label).get_models():
            opts = model._meta
            for action in opts.default_permissions:
                key = (label, opts.model_name, f"{action}_{opts.model_name}")
                wanted[key] = f"Can {action} {opts.verbose_name_raw}"
            for codename, name in opts.permissions:
                wanted[label, opts.model_name, codename] = name
    for codename, (model_name, name) in CUSTOM_PERMISSIONS.items():
        wanted["bookings", model_name, codename] = name

    # Content types and model permissions normally appear in post_migrate, after every
    # migration; create the ones needed now (post_migrate then finds them and skips them).
    types = {
        (ct.app_label, ct.model): ct
        for ct in ContentType.objects.filter(app_label__in=ADMIN_APPS)
    }
    for app_label, model_name, _ in wanted:
        if (app_label, model_name) not in types:
            types[app_label, model_name] = ContentType.objects.create(
                app_label=app_label, model=model_name
            )
    existing = {
        (perm.content_type_id, perm.codename): perm
        for perm in Permission.objects.filter(content_type__in=list(types.values()))
    }
    perms = {}
    for (app_label, model_name, codename), name in wanted.items():
        content_type = types[app_label, model_name]
        perm = existing.get((content_type.pk, codename))
        if perm is None:
            perm = Permission.objects.create(
                content_type=content_type, codename=codename, name=name
            )
        perms[f"{app_label}.{codename}"] = perm

    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        chosen = perms.values() if names == ALL else [perms[name] for name in names]
        group.permissions.set(list(chosen))


def remove_roles(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="bookings", codename__in=list(CUSTOM_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_therapist_feed_token"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clinic", "0002_ratelimit"),
        ("services", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
