"""The public pages: content, SEO metadata and query budgets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import json_ld, meta, title

PUBLIC_PAGES = [
    "/",
    "/services/",
    "/services/sports-massage-for-runners/",
    "/therapists/",
    "/visit/",
]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/",
            [
                "Sports massage built for runners",
                "calves, hamstrings, quads, glutes and hip flexors",
                "Book a session",
            ],
        ),
        (
            "/services/",
            [
                "Sports massage for runners",
                "Deep tissue massage",
                "Myofascial release",
                "Assisted stretching",
            ],
        ),
        ("/therapists/", ["Maya Brooks", "Priya Raman", "assisted stretching sessions"]),
        (
            "/visit/",
            [
                "Sandy Springs, GA 30328",
                "(404) 555-0142",
                "Opening hours",
                "Cancellation policy",
                "What to wear",
                "Parking",
            ],
        ),
    ],
)
def test_public_page_shows_its_key_content(client, demo, path, expected):
    response = client.get(path)

    assert response.status_code == 200
    html = response.text
    for text in expected:
        assert text in html


def test_service_page_shows_what_whom_lengths_therapists_and_book(client, demo):
    response = client.get("/services/sports-massage-for-runners/")

    html = response.text
    assert response.status_code == 200
    assert "<h2>What it is</h2>" in html
    assert "IT band syndrome" in html and "plantar fasciitis" in html
    assert "$95.00" in html and "90 minutes" in html
    assert "Maya Brooks" in html and "Tom Hadley" in html
    assert 'href="/book/?service=sports-massage-for-runners"' in html


def test_every_public_page_has_distinct_title_description_and_canonical(client, demo):
    titles, descriptions = set(), set()
    for path in PUBLIC_PAGES:
        html = client.get(path).text
        titles.add(title(html))
        descriptions.add(meta(html, "name", "description"))
        assert f'<link rel="canonical" href="http://127.0.0.1:8000{path}">' in html
        assert meta(html, "property", "og:title")
        assert meta(html, "property", "og:description")
        assert meta(html, "property", "og:url") == f"http://127.0.0.1:8000{path}"
    assert len(titles) == len(PUBLIC_PAGES)
    assert len(descriptions) == len(PUBLIC_PAGES)


def test_home_json_ld_describes_the_business_with_address_and_hours(client, demo):
    [business] = json_ld(client.get("/").text)

    assert business["@type"] == "HealthAndBeautyBusiness"
    assert business["address"]["addressLocality"] == "Sandy Springs"
    assert business["address"]["addressRegion"] == "GA"
    assert business["telephone"] == "(404) 555-0142"
    days = {spec["dayOfWeek"] for spec in business["openingHoursSpecification"]}
    assert "https://schema.org/Monday" in days and "https://schema.org/Sunday" not in days


def test_service_json_ld_lists_one_offer_per_length(client, demo):
    [service] = [
        d
        for d in json_ld(client.get("/services/deep-tissue-massage/").text)
        if d["@type"] == "Service"
    ]

    assert service["name"] == "Deep tissue massage"
    assert [(o["price"], o["priceCurrency"]) for o in service["offers"]] == [
        ("100.00", "USD"),
        ("140.00", "USD"),
    ]


def test_json_ld_cannot_be_broken_out_of_by_admin_text(client, make_service):
    make_service(slug="sneaky", seo_description="</script><script>alert(1)</script>")

    html = client.get("/services/sneaky/").text

    assert "<script>alert(1)" not in html
    [data] = [d for d in json_ld(html) if d["@type"] == "Service"]
    assert data["description"] == "</script><script>alert(1)</script>"


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/book/", "/sitemap.xml"])
def test_query_count_does_not_grow_with_services_or_therapists(
    client, demo, make_service, make_therapist, path, django_assert_max_num_queries, settings
):
    # Rendering is what is measured here, so nothing comes from the page cache; public pages
    # also read the content version (clinic.page_cache). A service page also reads its FAQs,
    # therapists, reviews, other services and the hours.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    cached = path in PUBLIC_PAGES
    with django_assert_max_num_queries((8 if path.startswith("/services/") else 6) + cached):
        client.get(path)
    before = _queries(client, path)

    extra = [make_service(lengths=(30, 60, 90)) for _ in range(6)]
    for _ in range(6):
        make_therapist(services=extra)
    client.get(path)  # the first view after an edit reads the booking policy afresh

    assert _queries(client, path) == before


def test_unpublished_service_is_hidden_everywhere(client, make_service):
    hidden = make_service(title="Secret cupping", slug="secret-cupping", published=False)
    make_service(title="Visible stretch", slug="visible-stretch")

    assert client.get(hidden.get_absolute_url()).status_code == 404
    for path in ["/", "/services/", "/sitemap.xml", "/book/"]:
        assert "secret-cupping" not in client.get(path).text
        assert "Secret cupping" not in client.get(path).text
    assert "visible-stretch" in client.get("/sitemap.xml").text


def test_inactive_therapist_is_hidden(client, make_service, make_therapist):
    service = make_service(slug="stretch")
    make_therapist(name="Gone Away", services=[service], active=False)
    make_therapist(name="Still Here", services=[service])

    for path in ["/therapists/", "/services/stretch/"]:
        html = client.get(path).text
        assert "Still Here" in html
        assert "Gone Away" not in html


def test_sitemap_lists_pages_and_published_services(client, demo):
    response = client.get("/sitemap.xml")

    xml = response.text
    assert response.status_code == 200
    for path in ["/", "/services/", "/therapists/", "/visit/", "/services/assisted-stretching/"]:
        assert f"<loc>http://127.0.0.1:8000{path}</loc>" in xml


def test_robots_txt_points_to_sitemap_and_keeps_private_areas_out(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in response.text
    assert "Disallow: /staff/" in response.text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in response.text


def test_not_found_page_is_in_the_site_look_and_leaks_nothing(client, demo):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert "Medical &amp; Sports Massage" in response.text
    assert "Traceback" not in response.text and "urlpatterns" not in response.text


def test_pages_answer_with_the_static_files_hashed_names(client, demo):
    html = client.get("/").text

    assert "/static/css/site." in html and "/static/css/site.css" not in html
    assert "/static/vendor/bootstrap/css/bootstrap.min." in html
