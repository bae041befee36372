"""Service pages: Markdown sanitising and editing through the Django admin."""

import pytest
from django.contrib.auth import get_user_model

from clinic.markdown import render_markdown
from services.models import Service
from tests.helpers import StaffClient


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("Hello <script>alert('x')</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="#" onclick="steal()">x</a>', "onclick"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
    ],
)
def test_markdown_removes_unsafe_html(source, forbidden):
    assert forbidden not in render_markdown(source)


def test_markdown_keeps_headings_lists_links_and_emphasis():
    html = render_markdown("## Whom it helps\n\n- **calves**\n- *hips*\n\n[Book](/book/)")

    assert "<h2>Whom it helps</h2>" in html
    assert "<li><strong>calves</strong></li>" in html
    assert "<em>hips</em>" in html
    assert '<a href="/book/" rel="noopener noreferrer">Book</a>' in html


def test_script_in_a_service_body_never_reaches_the_page(client, make_service):
    make_service(
        slug="sneaky", body="<h2>Fine</h2><script>alert('owned')</script><p>Still fine.</p>"
    )

    html = client.get("/services/sneaky/").text

    assert "alert('owned')" not in html
    assert "<h2>Fine</h2>" in html and "Still fine." in html


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser(
        "boss", "boss@example.com", "a-long-test-pw-42"
    )
    client = StaffClient()
    client.force_login(user)
    return client


def _service_form(service: Service, **changes) -> dict:
    data = {
        "title": service.title,
        "slug": service.slug,
        "summary": service.summary,
        "draft_body": service.draft_body,
        "seo_description": service.seo_description,
        "colour": service.colour,
        "ordering": service.ordering,
        "published": "on" if service.published else "",
        # One extra inline form only when the test fills it in.
        "lengths-TOTAL_FORMS": service.lengths.count()
        + any(key.startswith(f"lengths-{service.lengths.count()}-") for key in changes),
        "lengths-INITIAL_FORMS": service.lengths.count(),
        "lengths-MIN_NUM_FORMS": 0,
        "lengths-MAX_NUM_FORMS": 1000,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
    }
    for i, length in enumerate(service.lengths.all()):
        data |= {
            f"lengths-{i}-id": length.pk,
            f"lengths-{i}-service": service.pk,
            f"lengths-{i}-minutes": length.minutes,
            f"lengths-{i}-price": length.price,
            f"lengths-{i}-buffer_before": length.buffer_before,
            f"lengths-{i}-buffer_after": length.buffer_after,
        }
    return {k: v for k, v in (data | changes).items() if v != ""}


def test_admin_edit_shows_on_the_public_page_at_once(admin_client, make_service):
    service = make_service(slug="stretch", title="Stretching", lengths=(60,))
    new = service.lengths.count()

    response = admin_client.post(
        f"/admin/services/service/{service.pk}/change/",
        _service_form(
            service,
            title="Assisted stretching for runners",
            draft_body="<h2>Hips first</h2><p>We open up <strong>tight hip flexors</strong>.</p>",
            publish="on",
            **{
                f"lengths-{new}-minutes": 90,
                f"lengths-{new}-price": "120.00",
                f"lengths-{new}-buffer_before": 0,
                f"lengths-{new}-buffer_after": 10,
            },
        ),
    )

    assert response.status_code == 302, (
        response.context["adminform"].errors if response.context else ""
    )
    html = admin_client.get("/services/stretch/").text
    assert "Assisted stretching for runners" in html
    assert "<strong>tight hip flexors</strong>" in html
    assert "$120.00" in html


def test_admin_unpublishing_hides_the_service(admin_client, client, make_service):
    service = make_service(slug="cupping")

    response = admin_client.post(
        f"/admin/services/service/{service.pk}/change/", _service_form(service, published="")
    )

    assert response.status_code == 302

    assert not Service.objects.get(pk=service.pk).published
    assert admin_client.get("/services/cupping/").status_code == 404


def test_admin_rejects_a_length_shorter_than_15_minutes(admin_client, make_service):
    service = make_service(slug="quick")
    new = service.lengths.count()

    response = admin_client.post(
        f"/admin/services/service/{service.pk}/change/",
        _service_form(service, **{f"lengths-{new}-minutes": 5, f"lengths-{new}-price": "10"}),
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 15." in response.text
    assert service.lengths.count() == 1


def test_admin_sets_a_calendar_colour_only_where_text_stays_readable(admin_client, make_service):
    service = make_service(slug="colours")
    url = f"/admin/services/service/{service.pk}/change/"

    muddy = admin_client.post(url, _service_form(service, colour="#777777"))
    dark = admin_client.post(url, _service_form(service, colour="#0f4c5c"))

    assert muddy.status_code == 200
    assert "Text on this colour would be hard to read" in muddy.text
    assert dark.status_code == 302
    service.refresh_from_db()
    assert (service.colour, service.ink) == ("#0f4c5c", "#ffffff")


def test_admin_edits_a_therapist_profile(admin_client, make_service, make_therapist):
    service = make_service(slug="deep")
    therapist = make_therapist(name="Sam Lee", slug="sam-lee")

    response = admin_client.post(
        f"/admin/bookings/therapist/{therapist.pk}/change/",
        {
            "name": "Sam Lee",
            "slug": "sam-lee",
            "credentials": "LMT",
            "bio": "Hill runner.",
            "services": [service.pk],
            "active": "on",
            "ordering": 1,
            "weekly_hours-TOTAL_FORMS": 0,
            "weekly_hours-INITIAL_FORMS": 0,
            "date_hours-TOTAL_FORMS": 0,
            "date_hours-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    assert "Hill runner." in admin_client.get("/therapists/").text
    assert "Sam Lee" in admin_client.get("/services/deep/").text
