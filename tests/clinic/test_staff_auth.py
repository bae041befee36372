"""Staff sign-in: a second factor (TOTP), throttled passwords, and idle sessions ending."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from bookings import roles
from clinic import totp
from clinic.models import StaffTwoFactor

PASSWORD = "front-desk-password-42"
NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


@pytest.fixture
def desk_user(db) -> User:
    roles.sync_roles()
    user = User.objects.create_user("desk", password=PASSWORD)
    roles.assign_role(user, roles.FRONT_DESK)
    return user


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(client: Client, username: str = "desk", password: str = PASSWORD, **extra):
    return client.post("/staff/login/", {"username": username, "password": password}, **extra)


def current_code(secret: str, *, offset_steps: int = 0) -> str:
    return totp.code_for_step(secret, totp.step_at(datetime.now(UTC).timestamp()) + offset_steps)


def test_first_sign_in_sets_up_an_authenticator_before_any_staff_page(client, desk_user, clock):
    sign_in(client)

    response = client.get("/staff/", follow=True)

    assert response.redirect_chain[-1][0] == "/staff/2fa/setup/?next=%2Fstaff%2F"
    secret = re.search(r'<code class="setup-key">([A-Z2-7 ]+)</code>', response.text).group(1)
    secret = secret.replace(" ", "")
    assert StaffTwoFactor.objects.get(user=desk_user).secret == secret
    assert client.get("/staff/clients/").status_code == 302

    wrong = client.post("/staff/2fa/setup/", {"code": "000000", "next": "/staff/"})
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.text

    right = client.post("/staff/2fa/setup/", {"code": current_code(secret), "next": "/staff/"})
    assert right.status_code == 302
    assert right["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert StaffTwoFactor.objects.get(user=desk_user).confirmed_at == NOW


def test_later_sign_ins_ask_for_a_fresh_code_and_refuse_a_replay(desk_user, clock):
    device = StaffTwoFactor.objects.create(
        user=desk_user, secret=totp.new_secret(), confirmed_at=NOW
    )
    first, second = Client(), Client()
    sign_in(first)
    code = current_code(device.secret)
    assert first.post("/staff/2fa/", {"code": code, "next": "/staff/"}).status_code == 302

    sign_in(second)
    replay = second.post("/staff/2fa/", {"code": code, "next": "/staff/"})

    assert replay.status_code == 422
    assert second.get("/staff/").status_code == 302
    clock.shift(timedelta(seconds=30))
    fresh = second.post("/staff/2fa/", {"code": current_code(device.secret), "next": "/staff/"})
    assert fresh.status_code == 302
    assert second.get("/staff/").status_code == 200


def test_the_django_admin_is_behind_the_second_factor_too(desk_user, client, clock):
    desk_user.is_superuser = desk_user.is_staff = True
    desk_user.save()
    sign_in(client)

    response = client.get("/admin/services/service/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/2fa/?next=")


def test_next_parameter_cannot_send_staff_off_site(desk_user, client, clock):
    device = StaffTwoFactor.objects.create(
        user=desk_user, secret=totp.new_secret(), confirmed_at=NOW
    )
    sign_in(client)

    response = client.post(
        "/staff/2fa/", {"code": current_code(device.secret), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/staff/"


def test_code_guessing_is_limited(desk_user, client, clock):
    StaffTwoFactor.objects.create(user=desk_user, secret=totp.new_secret(), confirmed_at=NOW)
    sign_in(client)

    statuses = [client.post("/staff/2fa/", {"code": "123456"}).status_code for _ in range(6)]

    assert statuses == [422] * 5 + [429]


def test_repeated_wrong_passwords_lock_that_account_from_that_address_only(desk_user, clock):
    roles.assign_role(User.objects.create_user("other", password=PASSWORD), roles.FRONT_DESK)
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
    desk = Client()
    desk.force_login(desk_user)
    session = desk.session
    session["two_factor_ok"] = True
    session.save()
    assert desk.get("/staff/").status_code == 200

    clock.shift(timedelta(minutes=29))
    assert desk.get("/staff/").status_code == 200  # activity keeps it alive
    clock.shift(timedelta(minutes=31))
    response = desk.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/staff/"
