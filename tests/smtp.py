"""A real local SMTP server (aiosmtpd) that accepts, or refuses at a chosen step."""

from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from django.test import override_settings

from tests.live import free_port


class Refuser:
    """An aiosmtpd handler answering `reply` at `step` ("MAIL", "RCPT" or "DATA")."""

    def __init__(self, step: str, reply: str) -> None:
        self.step, self.reply = step, reply
        self.delivered: list[bytes] = []
        self.tries = 0

    async def handle_MAIL(self, server, session, envelope, address, options) -> str:
        if self.step == "MAIL":
            self.tries += 1
            return self.reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if self.step == "RCPT":
            self.tries += 1
            return self.reply.replace("{address}", address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.step == "DATA":
            self.tries += 1
            return self.reply
        self.delivered.append(envelope.content)
        return "250 OK"


@contextmanager
def smtp_server(handler) -> Iterator[None]:
    """Run `handler` on a free local port and send the site's mail there meanwhile."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        with override_settings(MAILERS=mailers):
            yield
    finally:
        controller.stop()
