"""Staff roles: groups of permissions, and the decorator every staff view checks them with.

Views ask for permissions, never for group names, so an admin may give one person two roles
or a custom mix. The permissions below are not model permissions on purpose: a model's
"change appointment" would also open the Django admin's appointment form, which bypasses
booking.py (no history, no client email). These four open the staff pages only.

- **Front desk**: every calendar, bookings and changes, clients (intake and staff notes).
- **Therapist**: their own schedule and calendar feed; the intake of their own clients from
  the day of the session on (see ``can_see_intake``). Needs a linked ``Therapist.user``.
- **Clinic admin**: everything above plus every model permission of the clinic's apps in the
  Django admin; ``assign_role`` also sets ``is_staff`` so they can sign in there.

Migration 0004 created these groups; ``sync_roles`` repairs them (seed_demo runs it), and a
test keeps the migration's frozen copy and this module in step.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.apps import apps as global_apps
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

FRONT_DESK = "Front desk"
THERAPIST = "Therapist"
CLINIC_ADMIN = "Clinic admin"

VIEW_CALENDAR = "bookings.view_calendar"
MANAGE_BOOKINGS = "bookings.manage_bookings"
MANAGE_CLIENTS = "bookings.manage_clients"
VIEW_OWN_SCHEDULE = "bookings.view_own_schedule"

# codename: (model it hangs on, name shown in the admin)
CUSTOM_PERMISSIONS = {
    "view_calendar": ("appointment", "Can see every therapist's calendar"),
    "manage_bookings": (
        "appointment",
        "Can book, move, cancel and check in appointments, and block time",
    ),
    "manage_clients": ("client", "Can look up clients, read their intake and edit staff notes"),
    "view_own_schedule": ("therapist", "Can see their own schedule and calendar feed"),
}
STAFF_PERMISSIONS = [f"bookings.{codename}" for codename in CUSTOM_PERMISSIONS]
# Clinic admins get every model permission of these apps (the Django admin's content).
ADMIN_APPS = ("auth", "clinic", "services", "bookings")
ALL = "__all__"

ROLES: dict[str, list[str] | str] = {
    FRONT_DESK: [VIEW_CALENDAR, MANAGE_BOOKINGS, MANAGE_CLIENTS],
    THERAPIST: [VIEW_OWN_SCHEDULE],
    CLINIC_ADMIN: ALL,
}


def sync_roles(apps=global_apps) -> None:
    """Create or repair the role groups and their permissions (idempotent).

    Takes an app registry so the same steps can run on a migration's historical models.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    type_model = apps.get_model("contenttypes", "ContentType")

    wanted: dict[tuple[str, str, str], str] = {}  # (app, model, codename) -> name
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

    # post_migrate creates content types and model permissions only after every migration
    # has run, so on a fresh database this creates them first (post_migrate then skips them).
    types = {
        (ct.app_label, ct.model): ct for ct in type_model.objects.filter(app_label__in=ADMIN_APPS)
    }
    for app_label, model_name, _ in wanted:
        if (app_label, model_name) not in types:
            types[app_label, model_name] = type_model.objects.create(
                app_label=app_label, model=model_name
            )
    existing = {
        (perm.content_type_id, perm.codename): perm
        for perm in permission_model.objects.filter(content_type__in=list(types.values()))
    }
    perms: dict[str, object] = {}
    for (app_label, model_name, codename), name in wanted.items():
        content_type = types[app_label, model_name]
        perm = existing.get((content_type.pk, codename))
        if perm is None:
            perm = permission_model.objects.create(
                content_type=content_type, codename=codename, name=name
            )
        perms[f"{app_label}.{codename}"] = perm

    for role, names in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=role)
        chosen = perms.values() if names == ALL else [perms[name] for name in names]
        group.permissions.set(list(chosen))


def assign_role(user: AbstractBaseUser, role: str) -> None:
    """Put `user` in the group of `role`; clinic admins also get into the Django admin."""
    user.groups.add(Group.objects.get(name=role))
    if role == CLINIC_ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def is_staff_member(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether `user` may use any staff page."""
    return user.is_active and any(user.has_perm(perm) for perm in STAFF_PERMISSIONS)


def therapist_of(user: AbstractBaseUser | AnonymousUser):
    """Return the therapist profile `user` signs in as, or None."""
    if not user.is_authenticated:
        return None
    return getattr(user, "therapist", None)


def can_see_intake(user: AbstractBaseUser, appointment, *, now: datetime) -> bool:
    """Return whether `user` may read the runner intake shown beside `appointment`.

    Front desk and admins may always; a therapist only for their own session, from the
    day of it on (to prepare), and not for sessions of earlier days.
    """
    if user.has_perm(MANAGE_CLIENTS):
        return True
    if not user.has_perm(VIEW_OWN_SCHEDULE) or appointment.therapist.user_id != user.pk:
        return False
    return timezone.localdate(appointment.end) >= timezone.localdate(now)


def forbidden(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Return the staff 403 page."""
    response = render(request, "staff/forbidden.html", {"reason": reason}, status=403)
    add_never_cache_headers(response)
    return response


def staff_required(*perms: str, any_of: bool = False) -> Callable:
    """Decorate a staff view: anonymous users go to sign-in, others need `perms` (or a 403).

    With ``any_of`` one of `perms` suffices (the view then checks what the user may see).
    Every answer is marked never-cache and noindex: staff pages hold private details.
    """

    def allowed(user: AbstractBaseUser) -> bool:
        if any_of:
            return any(user.has_perm(perm) for perm in perms)
        return user.has_perms(perms)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_active or not allowed(user):
                return forbidden(request)
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return wrapped

    return decorator
