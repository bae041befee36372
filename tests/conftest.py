import io

import pytest
from django.core.management import call_command

from bookings.public import kept
from clinic import page_cache, ratelimit
from clinic.models import ClinicProfile
from tests import clock, factories
from tests.helpers import StaffClient

_run_clock = None


def pytest_configure(config: pytest.Config) -> None:
    # Before collection, so that dates computed at import are on the run's clock too.
    global _run_clock
    _run_clock = clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _run_clock is not None:
        _run_clock.stop()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--repeat",
        type=int,
        default=1,
        help="run each selected test this many times (scripts/test-races-on-a-busy-machine)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # One process runs a race test many times: a fresh pytest per run would spend most
    # of the time starting up, not racing.
    if (count := metafunc.config.getoption("repeat")) > 1:
        metafunc.fixturenames.append("_run_number")
        metafunc.parametrize("_run_number", range(1, count + 1), indirect=True)


@pytest.fixture
def _run_number(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.fixture(autouse=True)
def _no_kept_answers():
    # Kept booking pages live in process memory, across tests; each test starts without.
    kept.clear()


@pytest.fixture(autouse=True)
def _no_rate_limit_sweep(monkeypatch):
    # One post in a hundred also sweeps old rate-limit windows, one statement more
    # (tests/clinic/test_ratelimit.py proves it): query counts must not depend on the dice.
    monkeypatch.setattr(ratelimit.random, "random", lambda: 1.0)


@pytest.fixture(scope="session", autouse=True)
def _page_cache_connection_closed_before_teardown(django_db_setup):
    # A page served outside a transaction (transactional tests) opens the page cache's own
    # connection; the test database cannot be dropped while it is open.
    yield
    page_cache.close_own_connection()


@pytest.fixture
def make_service(db):
    return factories.make_service


@pytest.fixture
def make_therapist(db):
    return factories.make_therapist


@pytest.fixture
def demo(db) -> ClinicProfile:
    """Load the demo clinic and return its profile."""
    call_command("seed_demo", stdout=io.StringIO())
    return ClinicProfile.load()


@pytest.fixture
def admin_client(admin_user) -> StaffClient:
    """pytest-django's admin client, past the staff second factor as well."""
    client = StaffClient()
    client.force_login(admin_user)
    return client
