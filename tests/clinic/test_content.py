"""The trust content: therapist pages, reviews, FAQs, price chips, the visit page and footer."""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from bookings.models import Therapist
from clinic.models import ClinicProfile, PageSection, Review
from services.models import Service
from tests import factories
from tests.helpers import json_ld

# A Monday morning in the clinic's zone, well inside the booking horizon of the demo hours.
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("America/New_York"))
PUBLIC_PAGES = [
    "/",
    "/services/",
    "/services/sports-massage-for-runners/",
    "/therapists/",
    "/therapists/maya-brooks/",
    "/visit/",
]


def _hrefs(html: str, pattern: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(rf'href="({pattern}[^"]*)"', html)]


@time_machine.travel(NOW, tick=False)
def test_therapist_page_shows_portrait_license_years_and_services(client, demo):
    response = client.get("/therapists/maya-brooks/")

    html = response.text
    assert response.status_code == 200
    assert '<h1 class="mb-1">Maya Brooks</h1>' in html
    assert "Georgia massage license" in html and "MT012841" in html
    assert "12 years in practice" in html  # since 2014, on the pinned date
    assert re.search(r'<img class="portrait[^"]*" src="/static/img/therapists/maya-brooks\.', html)
    assert 'alt="Illustrated portrait of Maya Brooks"' in html
    for title in ["Sports massage for runners", "Deep tissue massage", "Myofascial release"]:
        assert title in html
    assert "Assisted stretching" not in html.split('id="book-heading"')[1]


@time_machine.travel(NOW, tick=False)
def test_book_with_a_therapist_preselects_that_therapist(client, demo):
    maya = Therapist.objects.get(slug="maya-brooks")
    html = client.get("/therapists/maya-brooks/").text
    links = _hrefs(html, "/book/time/")

    assert links, "the page has no Book-with links"
    for href in links:
        response = client.get(href)
        assert response.status_code == 200, href
        choice = response.context["choice"]
        assert choice.therapist == maya
        assert choice.length.service in maya.services.all()


@time_machine.travel(NOW, tick=False)
def test_every_therapist_on_the_list_links_into_booking_with_them_preselected(client, demo):
    html = client.get("/therapists/").text

    for therapist in Therapist.objects.active():
        card = html.split(f'id="{therapist.slug}"')[1].split("</article>")[0]
        assert f'href="/therapists/{therapist.slug}/"' in card
        [first, *_] = _hrefs(card, "/book/time/")
        assert client.get(first).context["choice"].therapist == therapist


def test_unknown_or_inactive_therapist_page_is_not_found(client, make_therapist):
    make_therapist(slug="gone", active=False)

    assert client.get("/therapists/gone/").status_code == 404
    assert client.get("/therapists/nobody/").status_code == 404


def test_therapist_without_a_profile_still_has_a_page(client, make_service, make_therapist):
    make_therapist(slug="new-hire", name="New Hire", services=[make_service()])

    response = client.get("/therapists/new-hire/")

    assert response.status_code == 200
    assert "New Hire" in response.text and "Georgia massage license" not in response.text


def test_prices_are_chips_that_preselect_service_and_length(client, demo):
    html = client.get("/services/").text
    service = Service.objects.get(slug="sports-massage-for-runners")
    thirty = service.lengths.get(minutes=30)

    assert "30 min · $55</a>" in html
    assert '<span aria-hidden="true">|</span>' not in html
    assert f"/book/therapist/?length={thirty.pk}" in _hrefs(html, "/book/therapist/")
    choice = client.get(f"/book/therapist/?length={thirty.pk}").context["choice"]
    assert choice.length == thirty and choice.service == service


def test_reviews_show_on_home_and_service_pages_without_markup_by_default(client, demo):
    for path in ["/", "/services/deep-tissue-massage/"]:
        html = client.get(path).text
        assert "What runners say" in html
        assert "5 out of 5 stars" in html
        assert all("aggregateRating" not in block for block in json_ld(html))
    assert "IT band finally stopped" in client.get("/services/deep-tissue-massage/").text


def test_review_markup_appears_only_where_the_clinic_allows_it(client, demo):
    ClinicProfile.objects.update(review_markup=True)

    [business] = json_ld(client.get("/").text)
    [service] = [
        d
        for d in json_ld(client.get("/services/myofascial-release/").text)
        if d["@type"] == "Service"
    ]

    assert business["aggregateRating"]["@type"] == "AggregateRating"
    assert business["aggregateRating"]["reviewCount"] == 3
    assert {r["@type"] for r in business["review"]} == {"Review"}
    # Only the service's own review is marked up as a review of the service.
    assert service["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": "4.0",
        "reviewCount": 1,
        "bestRating": 5,
        "worstRating": 1,
    }


def test_unpublished_review_is_hidden(client, make_service):
    service = make_service(slug="cupping")
    factories.make_review(service=service, quote="Shown to everyone.")
    factories.make_review(service=service, quote="Still a draft.", published=False)

    for path in ["/", "/services/cupping/"]:
        html = client.get(path).text
        assert "Shown to everyone." in html and "Still a draft." not in html


def test_service_page_answers_its_faqs_with_faq_page_json_ld(client, make_service):
    service = make_service(slug="cupping")
    factories.make_question(
        service, question="Does it leave marks?", answer="<p>Sometimes, briefly.</p>"
    )

    html = client.get("/services/cupping/").text
    [faq] = [d for d in json_ld(html) if d["@type"] == "FAQPage"]

    assert "Does it leave marks?" in html
    assert faq["mainEntity"][0]["name"] == "Does it leave marks?"
    assert faq["mainEntity"][0]["acceptedAnswer"]["text"] == "<p>Sometimes, briefly.</p>"


def test_service_page_without_faqs_has_no_faq_markup(client, make_service):
    make_service(slug="quiet")

    html = client.get("/services/quiet/").text

    assert all(d["@type"] != "FAQPage" for d in json_ld(html))
    assert "Questions runners ask" not in html


def test_faq_answer_cannot_carry_a_script(client, make_service):
    service = make_service(slug="cupping")
    factories.make_question(service, answer='Yes <script>alert(1)</script><a href="javascript:x">')

    html = client.get("/services/cupping/").text

    assert "<script>alert(1)" not in html and "javascript:" not in html


def test_visit_page_has_directions_transit_access_payment_and_receipts(client, demo):
    html = client.get("/visit/").text

    [maps] = _hrefs(html, "https://www.google.com/maps/search/")
    assert "6100+Roswell+Road" in maps
    for text in ["Parking", "By transit or bike", "MARTA", "Accessibility", "elevator",
                 "Paying, HSA/FSA", "HSA or FSA cards", "itemized receipt"]:  # fmt: skip
        assert text in html
    # A plain link: no third-party script, frame or map tile on the page.
    assert not re.search(r'<(script|iframe|img)[^>]+(src)="https?://', html)


def test_admin_map_link_replaces_the_address_search(client, demo):
    ClinicProfile.objects.update(map_url="https://maps.example.com/clinic")

    assert 'href="https://maps.example.com/clinic"' in client.get("/visit/").text


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_footer_shows_hours_phone_and_find_my_bookings(client, demo, path):
    footer = client.get(path).text.split('<footer class="site-footer">')[1]

    assert "Mon</span> 8:00 AM\u20137:00 PM" in footer
    assert "Sat</span> 8:00 AM\u20132:00 PM" in footer and "Sun" not in footer
    assert 'href="tel:+14045550142"' in footer
    assert 'href="/book/find/">Find my bookings</a>' in footer


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_copy_is_in_us_english(client, demo, path):
    text = client.get(path).text.lower()

    for british in [" lift ", "specialis", "afterwards", "one-to-one", "niggle", "licence",
                    "colour", "centre", "favour", "practise"]:  # fmt: skip
        assert british not in text, (path, british)


def test_home_sections_come_from_the_admin_in_their_order(client, demo):
    PageSection.objects.create(
        heading="Race-week tune-ups", body="<p>Light and <strong>loose</strong>.</p>", ordering=0
    )
    PageSection.objects.filter(heading="Why runners come back").update(published=False)

    html = client.get("/").text

    assert html.index("Race-week tune-ups") < html.index("Who we help")
    assert "<strong>loose</strong>" in html
    assert "Why runners come back" not in html


def test_home_heading_and_introduction_come_from_the_clinic_profile(client, demo):
    ClinicProfile.objects.update(hero_heading="Run further, hurt less", hero_text="New intro.")

    html = client.get("/").text

    assert "<h1>Run further, hurt less</h1>" in html and "New intro." in html


def test_seed_demo_twice_creates_no_duplicate_content(demo):
    counts = (Review.objects.count(), PageSection.objects.count())
    call_command("seed_demo", stdout=io.StringIO())

    assert (Review.objects.count(), PageSection.objects.count()) == counts
