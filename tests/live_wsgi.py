"""The WSGI app of the servers tests start (tests/live.py): the site, on the run's clock.

A tests-only entry point, so that production's clinic.wsgi carries no test hook.
"""

from tests import clock

clock.start()  # before Django loads, so that everything it does runs on the same clock

from clinic.wsgi import application  # noqa: E402

__all__ = ["application"]
