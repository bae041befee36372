"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30-second steps).

Pure functions over the standard library, compatible with every authenticator app.
"""

import base64
import hmac
import secrets
import struct
from hashlib import sha1
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """Return a new random 160-bit secret, base32-encoded as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def step_at(timestamp: float) -> int:
    """Return the 30-second time step containing `timestamp` (seconds since the epoch)."""
    return int(timestamp // STEP_SECONDS)


def code_for_step(secret: str, step: int) -> str:
    """Return the code an authenticator shows for `secret` during `step`."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def matching_step(secret: str, code: str, *, timestamp: float, after_step: int = -1) -> int | None:
    """Return the step `code` belongs to (now, or one step either side for clock drift).

    Steps at or before `after_step` are refused, so a code cannot be used twice.
    """
    code = "".join(code.split())
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    now = step_at(timestamp)
    for step in (now, now - 1, now + 1):
        if step > after_step and hmac.compare_digest(code_for_step(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """Return the otpauth:// URI an authenticator app can import."""
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"
