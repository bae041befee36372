"""TOTP codes match RFC 6238's published test vectors and refuse replays."""

import io
import time

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from clinic import totp
from clinic.models import StaffTwoFactor

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"


@pytest.mark.parametrize(
    ("timestamp", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_test_vectors(timestamp, code):
    assert totp.code_for_step(RFC_SECRET, totp.step_at(timestamp)) == code


def test_accepts_the_current_and_neighbouring_codes_only():
    now = 1_800_000_000
    step = totp.step_at(now)

    for drift in (-1, 0, 1):
        code = totp.code_for_step(RFC_SECRET, step + drift)
        assert totp.matching_step(RFC_SECRET, code, timestamp=now) == step + drift
    old = totp.code_for_step(RFC_SECRET, step - 3)
    assert totp.matching_step(RFC_SECRET, old, timestamp=now) is None


def test_a_used_code_cannot_be_used_again():
    now = 1_800_000_000
    code = totp.code_for_step(RFC_SECRET, totp.step_at(now))
    used = totp.matching_step(RFC_SECRET, code, timestamp=now)

    assert totp.matching_step(RFC_SECRET, code, timestamp=now, after_step=used) is None


@pytest.mark.parametrize("junk", ["", "12345", "1234567", "abcdef", "12 34 5x", "٣٣٣٣٣٣"])
def test_malformed_codes_are_refused(junk):
    assert totp.matching_step(RFC_SECRET, junk, timestamp=59) is None


def test_new_secrets_are_random_and_importable():
    first, second = totp.new_secret(), totp.new_secret()

    assert first != second
    assert len(first) == 32
    uri = totp.provisioning_uri(first, account="frontdesk", issuer="Medical & Sports Massage")
    assert uri.startswith("otpauth://totp/Medical%20%26%20Sports%20Massage%3Afrontdesk?secret=")


@pytest.mark.django_db
def test_demo_command_prints_the_current_code_in_debug_only(settings):
    user = User.objects.create_user("frontdesk")
    device = StaffTwoFactor.objects.create(user=user, secret=RFC_SECRET)
    settings.DEBUG = True
    out = io.StringIO()

    call_command("totp_code", "frontdesk", stdout=out)

    step = totp.matching_step(device.secret, out.getvalue().strip(), timestamp=time.time())
    assert step is not None
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Only for local demos"):
        call_command("totp_code", "frontdesk")
