"""Small helpers for tests: a staff client, racing threads, reading rendered pages."""

import base64
import json
import re
import threading
from html.parser import HTMLParser

import django_otp
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class StaffClient(Client):
    """A test client whose sign-ins have also passed the second factor (a TOTP device).

    For tests about what staff can do; tests/clinic/test_staff_auth.py covers the factor.
    """

    def force_login(self, user, backend=None) -> None:
        super().force_login(user, backend)
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": "Test authenticator"}
        )
        session = self.session
        # What django_otp.login(request, device) stores after a right code.
        session[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def authenticator_code(setup_key: str, *, steps_later: int = 0) -> str:
    """Return the code an authenticator app shows now for `setup_key` (the base32 key)."""
    key = base64.b32decode("".join(setup_key.split()))
    return f"{totp(key, drift=steps_later):06d}"


def setup_key(html: str) -> str:
    """Return the key the setup page shows for typing in by hand, groups space-separated."""
    shown = re.search(r'<code class="setup-key[^"]*">(.*?)</code>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", shown)


def race(count: int, attempt) -> list:
    """Run `attempt(i)` in `count` threads released together; return what each returned."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = attempt(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class _JsonLdParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "script" and ("type", "application/ld+json") in attrs
        if self._inside:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.blocks[-1] += data


def json_ld(html: str) -> list[dict]:
    """Return every JSON-LD block in `html`, parsed (raises if one is not valid JSON)."""
    parser = _JsonLdParser()
    parser.feed(html)
    return [json.loads(block) for block in parser.blocks]


def meta(html: str, attr: str, name: str) -> str | None:
    """Return the content of <meta {attr}="{name}" content="...">, if present."""
    match = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)"', html)
    return match.group(1) if match else None


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
