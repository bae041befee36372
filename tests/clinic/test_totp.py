"""Sign-in codes on django-otp: one use per code, a step of drift, recovery codes, QR setup."""

import base64
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings import roles
from clinic.two_factor import CodeForm
from tests.helpers import authenticator_code, race, setup_key

PASSWORD = "front-desk-password-42"
NOW = datetime(2026, 12, 7, 14, 0, 10, tzinfo=UTC)
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk_user(db) -> User:
    roles.sync_roles()
    user = User.objects.create_user("desk", password=PASSWORD)
    roles.assign_role(user, roles.FRONT_DESK)
    return user


def key_of(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


def signed_in(user: User) -> Client:
    """Return a client past the password but not yet past the second factor."""
    client = Client()
    assert client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    return client


def set_up(client: Client) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator through the pages; return it and the recovery codes shown."""
    page = client.get("/staff/2fa/setup/?next=/staff/")
    key = setup_key(page.text)
    confirmed = client.post("/staff/2fa/setup/?next=/staff/", {"code": authenticator_code(key)})
    assert confirmed.status_code == 303
    shown = client.get(confirmed["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown.text)
    return TOTPDevice.objects.get(confirmed=True), codes


def test_the_rfc_test_vector_is_what_the_demo_command_prints(desk_user, settings):
    key = base64.b32decode(RFC_SECRET).hex()
    TOTPDevice.objects.create(user=desk_user, key=key, confirmed=True)
    settings.DEBUG = True
    out = io.StringIO()

    with time_machine.travel(datetime.fromtimestamp(1111111109, UTC), tick=False):
        call_command("totp_code", "desk", stdout=out)

    assert out.getvalue().strip() == "081804"  # RFC 6238, appendix B, truncated to 6 digits
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Only for local demos"):
        call_command("totp_code", "desk")


def test_a_code_works_once(desk_user, clock):
    device = TOTPDevice.objects.create(user=desk_user, confirmed=True)
    code = authenticator_code(key_of(device))

    assert device.verify_token(code)
    clock.shift(timedelta(seconds=2))
    assert not device.verify_token(code)


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (1, True), (2, False)])
def test_a_phone_clock_one_step_off_is_accepted_and_two_are_not(desk_user, clock, steps, accepted):
    device = TOTPDevice.objects.create(user=desk_user, confirmed=True)

    assert device.verify_token(authenticator_code(key_of(device), steps_later=steps)) is accepted


def test_two_sign_ins_racing_with_one_code_let_only_one_in(desk_user, clock, transactional_db):
    device = TOTPDevice.objects.create(user=desk_user, confirmed=True)
    code = authenticator_code(key_of(device))

    def attempt(_: int) -> bool:
        return CodeForm({"code": code}, authenticator=device, recovery=None).is_valid()

    assert sorted(race(8, attempt)) == [False] * 7 + [True]


@pytest.mark.parametrize("junk", ["", "12345", "1234567", "abcdef", "12 34 5x", "٣٣٣٣٣٣", "x" * 21])
def test_malformed_codes_are_refused_with_a_message(desk_user, clock, junk):
    TOTPDevice.objects.create(user=desk_user, confirmed=True)
    client = signed_in(desk_user)

    response = client.post("/staff/2fa/", {"code": junk})

    assert response.status_code == 422
    assert 'class="invalid-feedback"' in response.text
    assert client.get("/staff/").status_code == 302


def test_setup_shows_a_qr_code_of_the_key_and_the_key_in_groups(desk_user, clock):
    client = signed_in(desk_user)

    page = client.get("/staff/2fa/setup/").text

    device = TOTPDevice.objects.get(user=desk_user)
    img = re.search(
        r'<img class="setup-qr[^"]*" src="data:image/svg\+xml;base64,([^"]+)"[^>]*>', page
    )
    assert 'alt="QR code for adding Medical &amp; Sports Massage' in img.group(0)
    svg = base64.b64decode(img.group(1)).decode()
    assert svg.startswith("<svg") and "<path" in svg and "style=" not in svg
    grouped = setup_key(page)
    assert grouped.split() == re.findall(".{4}", key_of(device))
    assert device.config_url.startswith("otpauth://totp/Medical%20%26%20Sports%20Massage%3Adesk?")


def test_recovery_codes_are_shown_once_right_after_setup(desk_user, clock):
    client = signed_in(desk_user)

    _, codes = set_up(client)

    assert len(codes) == len(set(codes)) == 10
    assert sorted(codes) == sorted(StaticToken.objects.values_list("token", flat=True))
    again = client.get("/staff/2fa/recovery-codes/?next=/staff/")
    assert again.status_code == 200
    assert "were shown once" in again.text
    assert not any(code in again.text for code in codes)
    assert "two_factor_new_recovery_codes" not in client.session


def test_a_recovery_code_signs_in_once_and_is_used_up(desk_user, clock):
    _, codes = set_up(signed_in(desk_user))
    later, thief = signed_in(desk_user), signed_in(desk_user)

    used = later.post("/staff/2fa/", {"code": codes[3].upper(), "next": "/staff/"})

    assert used.status_code == 303
    assert "9 left" in later.get("/staff/", follow=True).text
    assert not StaticToken.objects.filter(token=codes[3]).exists()
    clock.shift(timedelta(seconds=5))
    assert thief.post("/staff/2fa/", {"code": codes[3]}).status_code == 422
    assert thief.get("/staff/").status_code == 302


def test_setting_up_again_after_a_reset_replaces_the_recovery_codes(desk_user, clock):
    device, old_codes = set_up(signed_in(desk_user))
    device.delete()  # what an admin does for a lost phone
    clock.shift(timedelta(minutes=1))

    _, new_codes = set_up(signed_in(desk_user))

    assert not set(old_codes) & set(new_codes)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(new_codes)


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_confirmed_authenticators_to_django_otp():
    executor = MigrationExecutor(connection)
    before = [("clinic", "0003_staff_two_factor"), ("otp_totp", "0003_add_timestamps")]
    after = [("clinic", "0004_django_otp_devices")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = old_apps.get_model("auth", "User").objects.create(username="desk")
    old_apps.get_model("clinic", "StaffTwoFactor").objects.create(
        user=user, secret=RFC_SECRET, confirmed_at=NOW, last_step=37037036
    )
    pending = old_apps.get_model("auth", "User").objects.create(username="new")
    old_apps.get_model("clinic", "StaffTwoFactor").objects.create(user=pending, secret=RFC_SECRET)

    try:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    device = TOTPDevice.objects.get()
    assert device.user_id == user.pk
    assert device.confirmed
    assert device.bin_key == b"12345678901234567890"
    assert device.last_t == 37037036
    # The step used just before the deploy (RFC time 1111111109) is not accepted again.
    with time_machine.travel(datetime.fromtimestamp(1111111109, UTC), tick=False):
        assert not device.verify_token("081804")
    with time_machine.travel(datetime.fromtimestamp(1111111139, UTC), tick=False):
        assert device.verify_token(authenticator_code(RFC_SECRET))
