"""Production readiness: health check, headers, deploy checks, error pages, logging, seed."""

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from clinic.models import ClinicProfile

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with the project's settings and extra env vars."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_deploy_check_passes_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k3q$9vXw!Lr2@pZt7#Yb5^Nc8&Hd1*Jf6(Gm0)Sa4-Ue_Ri+To=Ww~Ey",
            "DJANGO_ALLOWED_HOSTS": "clinic.example",
            "DJANGO_SECURE_SSL_REDIRECT": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_python("import django; django.setup()", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_turn_on_hsts_and_secure_cookies():
    result = run_python(
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.PASSWORD_HASHERS[0].rsplit('.', 1)[1])",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_SECURE_SSL_REDIRECT="",
    )

    assert result.stdout.split() == ["31536000", "True", "True", "True", "Argon2PasswordHasher"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/services/",
        "/services",  # a redirect (APPEND_SLASH)
        "/healthz",
        "/robots.txt",
        "/sitemap.xml",
        "/no-such-page/",
        "/admin/",  # a redirect to sign in
        "/admin/login/",
        "STATIC:css/site.css",
    ],
)
def test_security_headers_on_every_kind_of_response(client, demo, path):
    if path.startswith("STATIC:"):
        from django.templatetags.static import static

        path = static(path.removeprefix("STATIC:"))
    response = client.get(path)

    assert response.status_code in {200, 301, 302, 404}
    if "/static/" in path:
        assert response.status_code == 200
        assert "immutable" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_json_ld_script_carries_the_response_nonce(client, demo):
    response = client.get("/")

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script type="application/ld+json" nonce="{nonce}">' in response.text
    assert "<script>" not in response.text  # no inline script without a nonce


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.text == "ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not():
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode().strip())"
    )
    result = run_python(
        code, DATABASE_URL="postgresql://127.0.0.1:1/nowhere", DJANGO_DEBUG="1", DB_POOL_TIMEOUT="2"
    )

    assert result.stdout.strip() == "503 database unavailable", result.stderr[-2000:]


@pytest.mark.django_db(transaction=True)
def test_healthz_does_not_trust_a_connection_the_server_has_dropped():
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST'] or ''}/{db['NAME']}"
    code = (
        "import django, psycopg; django.setup(); from django.test import Client; "
        "from django.db import connection; c = Client(); print(c.get('/healthz').status_code); "
        "pid = connection.cursor().connection.info.backend_pid; connection.close(); "
        "killer = psycopg.connect(" + repr(_conninfo(db)) + ", autocommit=True); "
        "killer.execute('SELECT pg_terminate_backend(%s)', [pid]); "
        "print(c.get('/healthz').status_code)"
    )
    result = run_python(code, DATABASE_URL=url, DJANGO_DEBUG="1")

    assert result.stdout.split() == ["200", "200"], result.stderr[-2000:]


def _conninfo(db: dict) -> str:
    parts = [f"dbname={db['NAME']}"]
    if db["HOST"]:
        parts.append(f"host={db['HOST']}")
    if db["USER"]:
        parts.append(f"user={db['USER']}")
    return " ".join(parts)


@pytest.mark.urls("tests.clinic.failing_urls")
def test_server_error_page_is_friendly_and_leaks_nothing(db):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in response.text
    assert "secret-detail" not in response.text
    assert "Traceback" not in response.text


def test_request_log_has_route_status_and_duration_but_no_personal_data(client, demo, caplog):
    with caplog.at_level(logging.INFO, logger="clinic.requests"):
        client.get("/services/deep-tissue-massage/?email=runner@example.com&phone=4045550100")
        client.get("/no-such-page/runner@example.com")

    lines = [r.getMessage() for r in caplog.records if r.name == "clinic.requests"]
    assert re.fullmatch(r"GET /services/<slug:slug>/ 200 \d+\.\dms", lines[0])
    assert re.fullmatch(r"GET \(unmatched\) 404 \d+\.\dms", lines[1])
    assert not any("runner@example.com" in line or "4045550100" in line for line in lines)


def _snapshot() -> dict[str, list]:
    tables = {}
    for label in ["clinic", "services", "bookings", "auth"]:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label == "bookings.AvailabilityVersion":
                continue  # tokens every save replaces, whether or not anything changed
            rows = list(model.objects.order_by("pk").values())
            for row in rows:
                row.pop("updated_at", None)
                row.pop("last_login", None)
            tables[model._meta.label] = rows
    return tables


def test_seed_demo_twice_gives_the_same_data(demo):
    first = _snapshot()

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert _snapshot() == first
    assert len(first["services.Service"]) == 4
    assert len(first["bookings.Therapist"]) == 4
    assert [r["name"] for r in first["bookings.Room"]] == [
        "Treatment room 1",
        "Treatment room 2",
        "Treatment room 3",
        "Stretch studio",
    ]
    assert len(first["bookings.WeeklyHours"]) == 39
    assert len(first["bookings.BookingPolicy"]) == 1
    assert {c["name"] for c in first["bookings.ClinicClosure"]} >= {"Thanksgiving", "Christmas Day"}
    assert {u["username"] for u in first["auth.User"]} == {"admin", "frontdesk", "therapist"}
    assert ClinicProfile.load().locality == "Sandy Springs"


def test_seed_demo_accounts_can_sign_in_and_then_need_their_second_factor(client, demo):
    assert client.login(username="admin", password="clinic-admin-demo")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/2fa/?next=%2Fadmin%2F"


def test_database_connections_use_the_built_in_pool():
    assert connection.settings_dict["OPTIONS"]["pool"]
    assert connection.vendor == "postgresql"


def test_cookies_are_host_prefixed_secure_and_same_site(client, demo):
    response = client.get("/staff/login/")

    cookie = response.cookies["__Host-csrftoken"]
    assert cookie["secure"] is True
    assert cookie["path"] == "/"
    assert not cookie["domain"]
    assert cookie["samesite"] == "Lax"
