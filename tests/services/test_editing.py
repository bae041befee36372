"""Editing service pages in the admin: rich text sanitized, drafts, staff previews, history."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from reversion.models import Version

from bookings import roles
from services.models import Service
from tests.helpers import StaffClient

PREVIEW = "/admin/services/service/preview/cupping/"
LIVE = "<h2>Live</h2><p>What runners see today.</p>"


@pytest.fixture
def service(make_service) -> Service:
    return make_service(slug="cupping", title="Cupping", body=LIVE)


def _form(service: Service, **changes) -> dict:
    data = {
        "title": service.title,
        "slug": service.slug,
        "summary": service.summary,
        "draft_body": service.draft_body,
        "seo_description": service.seo_description,
        "colour": service.colour,
        "ordering": service.ordering,
        "published": "on" if service.published else "",
        "lengths-TOTAL_FORMS": 0,
        "lengths-INITIAL_FORMS": 0,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
    }
    return {k: v for k, v in (data | changes).items() if v != ""}


def _save(admin_client, service: Service, **changes):
    response = admin_client.post(
        f"/admin/services/service/{service.pk}/change/", _form(service, **changes)
    )
    assert response.status_code == 302, response.context["adminform"].errors
    service.refresh_from_db()
    return response


def _staff(role: str) -> StaffClient:
    user = get_user_model().objects.create_user(role.replace(" ", ""), password="x", is_staff=True)
    roles.sync_roles()
    roles.assign_role(user, role)
    client = StaffClient()
    client.force_login(user)
    return client


def test_an_edit_is_a_draft_until_published(admin_client, client, service):
    _save(admin_client, service, draft_body="<h2>Draft</h2><p>Coming soon.</p>")

    public = client.get("/services/cupping/").text
    assert "What runners see today." in public and "Coming soon." not in public

    preview = admin_client.get(PREVIEW)
    assert preview.status_code == 200
    assert "Coming soon." in preview.text and "What runners see today." not in preview.text
    assert "Preview of the draft" in preview.text

    _save(admin_client, service, publish="on")
    assert "Coming soon." in client.get("/services/cupping/").text


def test_preview_is_for_staff_who_edit_pages_never_cached_and_noindex(admin_client, service):
    response = admin_client.get(PREVIEW)

    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.text


def test_preview_refuses_the_public_and_staff_without_page_rights(client, service):
    anonymous = client.get(PREVIEW)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]

    assert _staff(roles.FRONT_DESK).get(PREVIEW).status_code == 403


def test_preview_shows_an_unpublished_service_to_staff_only(admin_client, client, make_service):
    make_service(slug="hidden", published=False, body="<p>Secret launch.</p>")

    assert client.get("/services/hidden/").status_code == 404
    assert "Secret launch." in admin_client.get("/admin/services/service/preview/hidden/").text


def test_history_keeps_each_save_with_who_and_an_admin_restores_one(admin_client, client, service):
    _save(admin_client, service, draft_body="<p>First version.</p>", publish="on")
    _save(admin_client, service, draft_body="<p>Second version.</p>", publish="on")
    assert "Second version." in client.get("/services/cupping/").text

    versions = Version.objects.get_for_object(service)
    assert versions.count() == 2
    first = versions.last()
    assert first.revision.user.username == "admin"
    assert first.revision.date_created
    history = admin_client.get(f"/admin/services/service/{service.pk}/history/").text
    assert "admin" in history

    url = f"/admin/services/service/{service.pk}/history/{first.pk}/"
    assert admin_client.get(url).status_code == 200
    restore = admin_client.post(url, _form(service, draft_body="<p>First version.</p>"))

    assert restore.status_code == 302
    assert "First version." in client.get("/services/cupping/").text


@pytest.mark.parametrize(
    ("body", "forbidden"),
    [
        ("<p>Hi</p><script>alert('owned')</script>", "alert('owned')"),
        ('<p onclick="steal()">Hi</p>', "steal()"),
        ('<p><a href="javascript:alert(1)">Book</a></p>', "javascript:"),
        ('<img src="https://tracker.example/p.gif" alt="x">', "tracker.example"),
        ('<p class="evil" style="display:none">Hi</p>', "evil"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
    ],
)
def test_unsafe_html_in_a_body_never_reaches_the_page(
    admin_client, client, service, body, forbidden
):
    _save(admin_client, service, draft_body=body, publish="on")

    assert forbidden not in service.body  # sanitized when saved
    assert forbidden not in client.get("/services/cupping/").text
    assert forbidden not in admin_client.get(PREVIEW).text


def test_body_rendering_sanitizes_rows_written_outside_the_admin(client, service):
    Service.objects.filter(pk=service.pk).update(
        body='<p onmouseover="x()">Hi</p><script>1</script>'
    )

    html = client.get("/services/cupping/").text

    assert "onmouseover" not in html and "<script>1" not in html


def test_tables_callouts_and_pictures_survive_and_are_styled(admin_client, client, service):
    body = (
        '<p class="callout">Race week? Book a lighter session.</p>'
        "<table><tbody><tr><th>Length</th><th>Price</th></tr><tr><td>30 min</td><td>$55</td></tr>"
        "</tbody></table>"
        '<figure><img src="/media/pictures/abc/800.jpeg" alt="A calf stretch">'
        "<figcaption>Calf stretch</figcaption></figure>"
    )
    _save(admin_client, service, draft_body=body, publish="on")

    html = client.get("/services/cupping/").text

    assert '<p class="callout">Race week?' in html
    assert "<th>Length</th>" in html and "<td>$55</td>" in html
    assert '<img src="/media/pictures/abc/800.jpeg" alt="A calf stretch">' in html
    css = re.search(r'href="(/static/css/site\.[^"]+\.css)"', html).group(1)
    stylesheet = b"".join(client.get(css).streaming_content).decode()
    assert ".prose table" in stylesheet and ".prose p.callout" in stylesheet


def test_the_admin_editor_loads_its_scripts_with_the_csp_nonce(admin_client, service):
    html = admin_client.get(f"/admin/services/service/{service.pk}/change/").text

    assert "django_prose_editor/editor" in html
    [importmap] = re.findall(r'<script type="importmap"[^>]*>', html)
    assert "nonce=" in importmap


@pytest.mark.django_db(transaction=True)
def test_existing_markdown_bodies_are_migrated_to_html():
    executor = MigrationExecutor(connection)
    before = [("services", "0001_initial")]
    after = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        Old = old.get_model("services", "Service")
        Old.objects.create(
            title="Old", slug="old", summary="s", seo_description="d",
            body="## Whom it helps\n\n- **calves**\n\n<script>x()</script>",
        )  # fmt: skip
        MigrationExecutor(connection).migrate(after)
        migrated = Service.objects.get(slug="old")
        assert "<h2>Whom it helps</h2>" in migrated.body
        assert "<li><strong>calves</strong></li>" in migrated.body
        assert "<script>" not in migrated.body
        assert migrated.draft_body == migrated.body
    finally:
        call_command("migrate", verbosity=0)
