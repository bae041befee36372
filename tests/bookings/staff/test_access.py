"""Every staff URL refuses everyone its role does not cover: walked from the URLconf itself."""

import logging
import re

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, reverse

from bookings import roles
from bookings.frontdesk.urls import urlpatterns
from tests.bookings.staff.conftest import MONDAY, at, book
from tests.helpers import StaffClient as WebClient

pytestmark = pytest.mark.usefixtures("clock")

ROLES = ["anonymous", "runner", "therapist", "front_desk", "clinic_admin", "superuser"]
DESK = {"front_desk", "clinic_admin", "superuser"}

# Who may use each staff URL. A URL added to bookings/frontdesk/urls.py without a line here fails
# test_every_staff_url_has_an_access_rule, so none can be forgotten.
ACCESS: dict[str, set[str] | str] = {
    "login": "public",
    "logout": "public",
    "feed": "token",  # a phone's calendar app: the secret in the URL is the key
    "day": DESK,  # a therapist landing here is sent to their own schedule
    "day_for": DESK,
    "week": DESK,
    "week_for": DESK,
    "week_start": DESK,  # on to a therapist's week
    "calendar_css": DESK,  # the services' calendar colours
    "client_search": DESK,  # the booking panel's live search
    "book": DESK,
    "walk_in": DESK,
    "block": DESK,
    "unblock": DESK,  # any block or time off, with a history row
    "appointment": DESK | {"therapist"},  # a therapist: their own appointments only
    "move": DESK,
    "cancel": DESK,
    "status": DESK,
    "emails": DESK,
    "waitlist": DESK,
    "waitlist_remove": DESK,
    "resend_link": DESK,
    "checkout": DESK,
    "waive_fee": DESK,
    "pay_fee": DESK,
    "receipt": DESK,
    "receipt_email": DESK,
    "clients": DESK,
    "client": DESK,
    "client_notes": DESK,
    "client_contact": DESK,
    "client_merge": DESK,
    "client_export": DESK,
    "client_export_json": DESK,
    "client_erase": DESK,
    "client_revoke_links": DESK,
    "client_nudges": DESK,
    "reports": DESK,
    "reports_csv": DESK,
    "my_schedule": {"therapist"},  # needs a linked therapist profile
    "my_calendar": {"therapist"},
    "my_time_off": {"therapist"},
    "my_time_off_remove": {"therapist"},  # their own entries only
}


def test_every_staff_url_has_an_access_rule():
    assert {p.name for p in urlpatterns} == set(ACCESS)


@pytest.fixture
def people(make_user, clinic) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "runner": make_user(),
        "therapist": make_user(roles.THERAPIST, therapist=clinic.ana, is_staff=True),
        "front_desk": make_user(roles.FRONT_DESK),
        "clinic_admin": make_user(roles.CLINIC_ADMIN),
        "superuser": make_user(is_superuser=True, is_staff=True),
    }


def _url(pattern: URLPattern, objects: dict) -> str:
    names = set(pattern.pattern.regex.groupindex)
    kwargs = {}
    if "pk" in names:
        kwargs["pk"] = objects["client" if pattern.name.startswith("client") else "appointment"]
    if "day" in names:
        kwargs["day"] = MONDAY.isoformat()
    if "therapist" in names:
        kwargs["therapist"] = objects["therapist"]
    if "token" in names:
        kwargs["token"] = "x" * 43
    return reverse(f"staff:{pattern.name}", kwargs=kwargs)


def _outcome(response) -> str:
    if response.status_code == 302 and response["Location"].startswith("/staff/login/?next="):
        return "sign-in"
    if response.status_code == 302 and response["Location"] == reverse("staff:my_schedule"):
        return "own schedule"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code >= 500:
        return "error"
    return "allowed"


@pytest.mark.parametrize("role", ROLES)
def test_staff_urls_admit_only_their_roles(role, people, clinic):
    appointment = book(clinic, at("10:00"))
    objects = {"appointment": appointment.pk, "client": appointment.client_id}
    objects["therapist"] = clinic.ana.pk
    web = WebClient()
    if people[role] is not None:
        web.force_login(people[role])
    wrong = []
    for pattern in urlpatterns:
        rule = ACCESS[pattern.name]
        if rule in ("public", "token"):
            continue
        url = _url(pattern, objects)
        for method in ("get", "post"):
            expected = "allowed" if role in rule else "forbidden"
            if role == "anonymous":
                expected = "sign-in"
            if (pattern.name, role, method) == ("day", "therapist", "get"):
                expected = "own schedule"  # where sign-in lands: sent on to "My schedule"
            outcome = _outcome(getattr(web, method)(url))
            if outcome != expected:
                wrong.append(f"{method.upper()} {url}: {outcome}, expected {expected}")
    assert wrong == []


def test_a_therapist_landing_on_the_day_view_goes_to_their_schedule(ana_web):
    assert ana_web.get("/staff/")["Location"] == reverse("staff:my_schedule")
    assert ana_web.get(f"/staff/day/{MONDAY}/").status_code == 403


def test_a_therapist_cannot_open_another_therapists_appointment(ana_web, clinic):
    theirs = book(clinic, at("10:00"), therapist=clinic.ben)

    assert ana_web.get(reverse("staff:appointment", args=[theirs.pk])).status_code == 404


def test_accounts_without_a_linked_therapist_have_no_schedule(make_user):
    web = WebClient()
    web.force_login(make_user(roles.CLINIC_ADMIN))

    response = web.get(reverse("staff:my_schedule"))

    assert response.status_code == 403
    assert "not linked to a therapist" in response.text


def test_staff_pages_are_never_cached_nor_indexed(desk):
    response = desk.get("/staff/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    assert '<link rel="canonical"' not in response.text


def test_sign_in_lands_the_front_desk_on_the_day_view(client, make_user):
    user = make_user(roles.FRONT_DESK, password="front-desk-pass")

    page = client.get("/staff/login/")
    response = client.post(
        "/staff/login/", {"username": user.username, "password": "front-desk-pass"}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.post("/staff/logout/")["Location"] == "/staff/login/"
    assert client.get("/staff/").status_code == 302


def test_sign_in_turns_away_an_account_without_a_staff_role(client, make_user):
    runner = make_user(password="runner-pass-123")

    response = client.post(
        "/staff/login/", {"username": runner.username, "password": "runner-pass-123"}
    )

    assert response.status_code == 200
    assert "no staff role" in response.text
    assert "_auth_user_id" not in client.session


def test_request_log_names_routes_not_people(desk, clinic, caplog):
    appointment = book(clinic, at("10:00"))
    with caplog.at_level(logging.INFO, logger="clinic.requests"):
        desk.post("/staff/clients/", {"q": appointment.client.email})
        desk.get(reverse("staff:client", args=[appointment.client_id]))

    lines = [r.getMessage() for r in caplog.records if r.name == "clinic.requests"]
    assert re.fullmatch(r"POST /staff/clients/ 200 \d+\.\dms", lines[0])
    assert re.fullmatch(r"GET /staff/clients/<int:pk>/ 200 \d+\.\dms", lines[1])
    assert not any(appointment.client.email in line for line in lines)
