"""Therapist profiles, home and visit sections and FAQ answers are drafted, previewed,
published and restored in the admin, like service pages."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from reversion.models import Version

from bookings import roles
from bookings.models import Therapist
from clinic.models import PageSection, TherapistProfile
from services.models import Question, Service
from tests.helpers import StaffClient

MAYA = "/therapists/maya-brooks/"


def _staff(role: str) -> StaffClient:
    user = get_user_model().objects.create_user(role.replace(" ", ""), password="x", is_staff=True)
    roles.sync_roles()
    roles.assign_role(user, role)
    client = StaffClient()
    client.force_login(user)
    return client


def _profile_form(profile: TherapistProfile, **changes) -> dict:
    data = {
        "therapist": profile.therapist_id,
        "license_number": profile.license_number,
        "practicing_since": profile.practicing_since,
        "portrait": profile.portrait,
        "portrait_alt": profile.portrait_alt,
        "draft_bio": profile.draft_bio,
    }
    return {k: v for k, v in (data | changes).items() if v != ""}


def _save_profile(admin_client, profile: TherapistProfile, **changes) -> None:
    url = f"/admin/clinic/therapistprofile/{profile.pk}/change/"
    response = admin_client.post(url, _profile_form(profile, **changes))
    assert response.status_code == 302, response.context["adminform"].errors
    profile.refresh_from_db()


@pytest.fixture
def maya(demo) -> TherapistProfile:
    return TherapistProfile.objects.get(therapist__slug="maya-brooks")


def test_a_therapist_profile_is_a_draft_until_published(admin_client, client, maya):
    assert "10,000 meters" in client.get(MAYA).text  # the published demo profile

    _save_profile(admin_client, maya, draft_bio="<h2>New season</h2><p>Now on Sundays.</p>")

    assert "Now on Sundays." not in client.get(MAYA).text
    preview = admin_client.get(f"/admin/clinic/therapistprofile/preview/{maya.pk}/")
    assert preview.status_code == 200
    assert "Now on Sundays." in preview.text and "Preview of the draft" in preview.text
    assert preview["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in preview["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in preview.text

    _save_profile(admin_client, maya, publish="on")

    assert "<h2>New season</h2><p>Now on Sundays.</p>" in client.get(MAYA).text


def test_a_profile_is_sanitized_and_its_history_restores(admin_client, client, maya):
    _save_profile(admin_client, maya, draft_bio="<p>First.</p>", publish="on")
    _save_profile(
        admin_client, maya, draft_bio='<p onclick="x()">Second.</p><script>1</script>', publish="on"
    )
    html = client.get(MAYA).text
    assert "Second." in html and "onclick" not in html and "<script>1" not in html

    first = Version.objects.get_for_object(maya).last()
    assert first.revision.user.username == "admin"
    url = f"/admin/clinic/therapistprofile/{maya.pk}/history/{first.pk}/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, _profile_form(maya, draft_bio="<p>First.</p>")).status_code == 302

    assert "First." in client.get(MAYA).text


def test_previews_refuse_the_public_and_staff_without_page_rights(client, maya):
    front_desk = _staff(roles.FRONT_DESK)
    for url in [
        f"/admin/clinic/therapistprofile/preview/{maya.pk}/",
        "/admin/clinic/pagesection/preview/home/",
        "/admin/clinic/pagesection/preview/visit/",
    ]:
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
        assert front_desk.get(url).status_code == 403


def test_an_inactive_therapist_is_previewed_but_not_public(admin_client, client, maya):
    Therapist.objects.filter(pk=maya.therapist_id).update(active=False)

    assert client.get(MAYA).status_code == 404
    preview = admin_client.get(f"/admin/clinic/therapistprofile/preview/{maya.pk}/")
    assert preview.status_code == 200 and "inactive" in preview.text


def _save_section(admin_client, section: PageSection, **changes) -> None:
    data = {
        "page": section.page,
        "heading": section.heading,
        "draft_body": section.draft_body,
        "published": "on" if section.published else "",
        "ordering": section.ordering,
    } | changes
    data = {k: v for k, v in data.items() if v != ""}
    response = admin_client.post(f"/admin/clinic/pagesection/{section.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].errors
    section.refresh_from_db()


@pytest.mark.parametrize(("page", "path"), [("home", "/"), ("visit", "/visit/")])
def test_home_and_visit_sections_are_drafted_previewed_and_published(
    admin_client, client, demo, page, path
):
    section = PageSection.objects.of(page).first()
    client.get(path)  # cached now: the publish must still show at once

    _save_section(admin_client, section, draft_body="<p>Fresh <em>copy</em> for spring.</p>")

    assert "Fresh <em>copy</em>" not in client.get(path).text
    preview = admin_client.get(f"/admin/clinic/pagesection/preview/{page}/")
    assert preview.status_code == 200 and "Fresh <em>copy</em>" in preview.text
    assert '<meta name="robots" content="noindex, nofollow">' in preview.text

    _save_section(admin_client, section, publish="on")

    assert "Fresh <em>copy</em> for spring." in client.get(path).text


def test_an_unknown_page_has_no_preview(admin_client, demo):
    assert admin_client.get("/admin/clinic/pagesection/preview/nowhere/").status_code == 404


def test_visit_sections_are_their_own_page_sections(client, demo):
    PageSection.objects.filter(heading="Accessibility").update(published=False)

    html = client.get("/visit/").text

    assert "By transit or bike" in html and "Paying, HSA/FSA and receipts" in html
    assert "elevator" not in html
    assert "Who we help" not in html  # a home section


def _service_form(service: Service, questions: list[Question], **changes) -> dict:
    data = {
        "title": service.title,
        "slug": service.slug,
        "summary": service.summary,
        "draft_body": service.draft_body,
        "seo_description": service.seo_description,
        "ordering": service.ordering,
        "colour": service.colour,
        "published": "on",
        "lengths-TOTAL_FORMS": 0,
        "lengths-INITIAL_FORMS": 0,
        "questions-TOTAL_FORMS": len(questions),
        "questions-INITIAL_FORMS": len(questions),
    }
    for n, q in enumerate(questions):
        data |= {
            f"questions-{n}-id": q.pk,
            f"questions-{n}-service": service.pk,
            f"questions-{n}-question": q.question,
            f"questions-{n}-draft_answer": q.draft_answer,
            f"questions-{n}-ordering": q.ordering,
        }
    return data | changes


def test_faq_answers_are_drafted_and_published_with_their_service(admin_client, client, demo):
    service = Service.objects.get(slug="assisted-stretching")
    questions = list(service.questions.all())
    url = f"/admin/services/service/{service.pk}/change/"
    n = len(questions)
    form = _service_form(
        service,
        questions,
        **{
            "questions-TOTAL_FORMS": n + 1,
            "questions-0-draft_answer": "<p>Changed answer.</p>",
            f"questions-{n}-question": "Can I bring a friend?",
            f"questions-{n}-draft_answer": "<p>Yes, book two sessions.</p>",
            f"questions-{n}-ordering": 9,
        },
    )

    assert admin_client.post(url, form).status_code == 302
    public = client.get(service.get_absolute_url()).text
    assert "Changed answer." not in public and "Can I bring a friend?" not in public
    preview = admin_client.get(f"/admin/services/service/preview/{service.slug}/").text
    assert "Changed answer." in preview and "Yes, book two sessions." in preview
    assert "unpublished changes" in admin_client.get("/admin/services/service/").text

    questions = list(service.questions.all())
    assert (
        admin_client.post(url, _service_form(service, questions, publish="on")).status_code == 302
    )

    public = client.get(service.get_absolute_url()).text
    assert "Changed answer." in public and "Yes, book two sessions." in public
    assert '"name": "Can I bring a friend?"' in public  # in the FAQPage markup too


@pytest.mark.django_db(transaction=True)
def test_visit_texts_and_bios_are_migrated_into_drafted_pages():
    executor = MigrationExecutor(connection)
    before = [("clinic", "0005_content_pages")]
    after = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        old.get_model("clinic", "ClinicProfile").objects.create(
            pk=1, street_address="1 Main St", postal_code="30328", phone="404", email="a@b.co",
            parking="Lot.", what_to_wear="Shorts.", cancellation_policy="24 h.",
            transit="Red Line & buses.", accessibility="", payment_methods="Cards.",
            receipts="Itemized <receipts>.",
        )  # fmt: skip
        # The bookings tables are as now (only the clinic app went back): today's model.
        therapist = Therapist.objects.create(
            name="Old", slug="old", bio="Ran <fast>.\n\nStill does."
        )
        old.get_model("clinic", "TherapistProfile").objects.create(
            therapist_id=therapist.pk, license_number="MT1", practicing_since=2010
        )
        MigrationExecutor(connection).migrate(after)

        sections = {s.heading: s for s in PageSection.objects.of("visit")}
        assert set(sections) == {"By transit or bike", "Paying, HSA/FSA and receipts"}
        assert sections["By transit or bike"].body == "<p>Red Line &amp; buses.</p>"
        paying = sections["Paying, HSA/FSA and receipts"]
        assert paying.body == "<p>Cards.</p>\n<p>Itemized &lt;receipts&gt;.</p>"
        assert paying.draft_body == paying.body and not paying.has_unpublished_draft
        profile = TherapistProfile.objects.get(therapist__slug="old")
        assert profile.bio == profile.draft_bio == "<p>Ran &lt;fast&gt;.</p>\n\n<p>Still does.</p>"
    finally:
        call_command("migrate", verbosity=0)
