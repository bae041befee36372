"""Staff sign-in: a second factor, throttled passwords, idle sessions ending, the admin's door."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings import roles
from tests.helpers import StaffClient, authenticator_code, setup_key

PASSWORD = "front-desk-password-42"
NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


def make_staff(username: str, role: str | None = None, **fields) -> User:
    user = User.objects.create_user(username, password=PASSWORD, **fields)
    if role is not None:
        roles.assign_role(user, role)
    return user


@pytest.fixture
def desk_user(db) -> User:
    roles.sync_roles()
    return make_staff("desk", roles.FRONT_DESK)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(client: Client, username: str = "desk", password: str = PASSWORD, **extra):
    return client.post("/staff/login/", {"username": username, "password": password}, **extra)


def new_authenticator(user: User) -> tuple[TOTPDevice, str]:
    """Return a confirmed device for `user` and its key as an authenticator app holds it."""
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return device, base64.b32encode(device.bin_key).decode()


def test_first_sign_in_sets_up_an_authenticator_before_any_staff_page(client, desk_user, clock):
    sign_in(client)

    response = client.get("/staff/", follow=True)

    assert response.redirect_chain[-1][0] == "/staff/2fa/setup/?next=%2Fstaff%2F"
    key = setup_key(response.text)
    device = TOTPDevice.objects.get(user=desk_user)
    assert not device.confirmed
    assert device.key == base64.b32decode(key.replace(" ", "")).hex()
    assert client.get("/staff/clients/").status_code == 302

    wrong = client.post("/staff/2fa/setup/?next=%2Fstaff%2F", {"code": "000000"})
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.text

    clock.shift(timedelta(seconds=2))  # past django-otp's one-second pause after a miss
    right = client.post("/staff/2fa/setup/?next=%2Fstaff%2F", {"code": authenticator_code(key)})
    assert right.status_code == 303
    assert right["Location"] == "/staff/2fa/recovery-codes/?next=%2Fstaff%2F"
    assert client.get("/staff/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_later_sign_ins_ask_for_a_fresh_code_and_refuse_a_replay(desk_user, clock):
    _, key = new_authenticator(desk_user)
    first, second = Client(), Client()
    sign_in(first)
    code = authenticator_code(key)
    assert first.post("/staff/2fa/", {"code": code, "next": "/staff/"}).status_code == 303

    sign_in(second)
    replay = second.post("/staff/2fa/", {"code": code, "next": "/staff/"})

    assert replay.status_code == 422
    assert second.get("/staff/").status_code == 302
    clock.shift(timedelta(seconds=30))
    fresh = second.post("/staff/2fa/", {"code": authenticator_code(key), "next": "/staff/"})
    assert fresh.status_code == 303
    assert second.get("/staff/").status_code == 200


def test_the_django_admin_is_behind_the_second_factor_too(desk_user, client, clock):
    desk_user.is_superuser = desk_user.is_staff = True
    desk_user.save()
    sign_in(client)

    response = client.get("/admin/services/service/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/2fa/?next=")


def test_next_parameter_cannot_send_staff_off_site(desk_user, client, clock):
    _, key = new_authenticator(desk_user)
    sign_in(client)

    response = client.post(
        "/staff/2fa/", {"code": authenticator_code(key), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/staff/"


def test_code_guessing_is_limited(desk_user, client, clock):
    new_authenticator(desk_user)
    sign_in(client)

    statuses = [client.post("/staff/2fa/", {"code": "123456"}).status_code for _ in range(6)]

    assert statuses == [422] * 5 + [429]


def test_repeated_wrong_passwords_lock_that_account_from_that_address_only(desk_user, clock):
    make_staff("other", roles.FRONT_DESK)
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        assert sign_in(guesser, password="wrong-guess").status_code == 200

    locked = sign_in(guesser)
    colleague_same_address = sign_in(Client(REMOTE_ADDR="203.0.113.7"), username="other")
    owner_elsewhere = sign_in(Client(REMOTE_ADDR="198.51.100.20"))

    assert locked.status_code == 200
    assert "Too many failed sign-ins" in locked.text
    assert colleague_same_address.status_code == 302
    assert owner_elsewhere.status_code == 302
    clock.shift(timedelta(minutes=16))
    assert sign_in(guesser).status_code == 302


def test_staff_session_ends_after_30_idle_minutes(desk_user, clock):
    desk = StaffClient()
    desk.force_login(desk_user)
    assert desk.get("/staff/").status_code == 200

    clock.shift(timedelta(minutes=29))
    assert desk.get("/staff/").status_code == 200  # activity keeps it alive
    clock.shift(timedelta(minutes=31))
    response = desk.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/staff/"


# --- the Django admin is for clinic admins -------------------------------------------------


@pytest.mark.parametrize("role", [roles.FRONT_DESK, roles.THERAPIST])
@pytest.mark.parametrize("path", ["/admin/", "/admin/password_change/", "/admin/auth/user/"])
def test_the_admin_refuses_front_desk_and_therapists(desk_user, role, path):
    # is_staff as well: it alone must not open the admin.
    staff = StaffClient()
    staff.force_login(make_staff("someone", role, is_staff=True))

    response = staff.get(path)

    assert response.status_code == 403
    assert "for clinic admins only" in response.text


def test_the_admin_refuses_a_password_change_posted_by_the_front_desk(desk_user):
    desk_user.is_staff = True
    desk_user.save()
    staff = StaffClient()
    staff.force_login(desk_user)

    response = staff.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "x-New-pass-987",
            "new_password2": "x-New-pass-987",
        },
    )

    assert response.status_code == 403
    desk_user.refresh_from_db()
    assert desk_user.check_password(PASSWORD)


@pytest.mark.parametrize("superuser", [False, True])
def test_the_admin_admits_clinic_admins_and_superusers(desk_user, superuser):
    if superuser:
        user = User.objects.create_superuser("root", password=PASSWORD)
    else:
        user = make_staff("boss", roles.CLINIC_ADMIN)
    staff = StaffClient()
    staff.force_login(user)

    assert staff.get("/admin/").status_code == 200
    assert staff.get("/admin/password_change/").status_code == 200
    assert staff.get("/admin/services/service/").status_code == 200


def test_signed_out_visitors_of_the_admin_go_to_the_staff_sign_in(client, db):
    assert client.get("/admin/auth/user/")["Location"] == "/staff/login/?next=/admin/auth/user/"
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/staff/login/?next=/admin/"


def test_a_clinic_admin_resets_a_lost_authenticator_by_deleting_it(desk_user):
    device, _ = new_authenticator(desk_user)
    admin = StaffClient()
    admin.force_login(make_staff("boss", roles.CLINIC_ADMIN))

    listing = admin.get("/admin/otp_totp/totpdevice/")
    deleted = admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert device.key not in listing.text
    assert deleted.status_code == 302
    assert not TOTPDevice.objects.filter(user=desk_user).exists()
    assert admin.get("/admin/otp_totp/totpdevice/add/").status_code == 403


# --- changing one's own password ----------------------------------------------------------


@pytest.fixture
def desk(desk_user) -> StaffClient:
    staff = StaffClient()
    staff.force_login(desk_user)
    return staff


def change_password(client: Client, old: str, new: str, again: str | None = None):
    return client.post(
        "/staff/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_staff_change_their_password_and_stay_signed_in(desk, desk_user):
    assert "/staff/password/" in desk.get("/staff/").text  # linked from the top bar

    response = change_password(desk, PASSWORD, "Sandy-Springs-10k-2027")

    assert response.status_code == 303
    assert response["Location"] == "/staff/"
    desk_user.refresh_from_db()
    assert desk_user.check_password("Sandy-Springs-10k-2027")
    assert "Your password has been changed." in desk.get("/staff/", follow=True).text


@pytest.mark.parametrize(
    ("old", "new", "again", "message"),
    [
        (PASSWORD, "Sandy-Springs-10k-2027", "Sandy-Springs-10k-2028", "password fields didn"),
        ("not-my-password", "Sandy-Springs-10k-2027", None, "Your old password was entered"),
        (PASSWORD, "12345678", None, "This password is too common"),
    ],
)
def test_a_wrong_password_change_changes_nothing_and_says_why(
    desk, desk_user, old, new, again, message
):
    response = change_password(desk, old, new, again)

    assert response.status_code == 422
    assert message in response.text
    desk_user.refresh_from_db()
    assert desk_user.check_password(PASSWORD)


def test_the_password_page_needs_a_staff_account_past_the_second_factor(desk_user, client):
    assert client.get("/staff/password/")["Location"] == "/staff/login/?next=/staff/password/"
    sign_in(client)
    assert client.get("/staff/password/")["Location"].startswith("/staff/2fa/?next=")
    nobody = StaffClient()
    nobody.force_login(make_staff("nobody"))
    assert nobody.get("/staff/password/").status_code == 403


def test_guessing_the_old_password_on_the_password_page_is_throttled(desk, desk_user):
    answers = [
        change_password(desk, f"guess-{n}", "Sandy-Springs-10k-2027").status_code for n in range(6)
    ]

    assert answers == [422] * 5 + [429]
    assert change_password(desk, PASSWORD, "Sandy-Springs-10k-2027").status_code == 429
    desk_user.refresh_from_db()
    assert desk_user.check_password(PASSWORD)
