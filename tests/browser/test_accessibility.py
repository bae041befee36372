"""axe-core finds nothing serious on the pages runners and staff use (every staff page, with
its errors shown); booking needs no mouse."""

import re
from datetime import datetime, time, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import ElementHandle, Locator, Page, expect

from bookings import clock
from bookings.models import Appointment, Room, Therapist, TimeOff
from bookings.tokens import issue_lookup_token
from services.models import Service
from tests.browser.test_booking import free_days, tap_day
from tests.browser.test_staff import next_clinic_day
from tests.factories import make_appointment, make_client
from tests.helpers import authenticator_code

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()


def find_token(email: str) -> str:
    """Return a fresh "find my bookings" token for `email` (it opens the list once)."""
    return issue_lookup_token(email, now=timezone.now())


OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


def settle(page: Page) -> None:
    """Wait for running transitions: colours read halfway through one are neither state's."""
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def audit(page: Page, found: dict[str, list[str]], label: str = "") -> None:
    """Run axe on the page as it is now; note each serious or critical violation in `found`."""
    settle(page)
    problems = [
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "\n".join(
            f"    {' '.join(node['target'])}: {node['failureSummary'].replace(chr(10), ' ')}"
            f"\n      {node['html'][:200]}"
            for node in violation["nodes"]
        )
        for violation in AXE.run(page, options=OPTIONS).response["violations"]
        if violation["impact"] in BLOCKING
    ]
    if problems:
        found[label or page.url] = problems


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}\n  " + "\n  ".join(problems) for where, problems in found.items())


def test_public_pages_have_no_serious_accessibility_violation_on_a_phone(
    site, demo, phone: Page, console_errors
):
    paths = ["/", "/services/", "/therapists/", "/visit/", "/book/find/"]
    paths += [
        f"/services/{slug}/" for slug in Service.objects.published().values_list("slug", flat=True)
    ]
    found: dict[str, list[str]] = {}
    for path in paths:
        phone.goto(site + path)
        audit(phone, found)

    phone.goto(site + "/")
    phone.get_by_role("button", name="Menu").click()
    expect(
        phone.get_by_role("navigation", name="Main").get_by_role("link", name="Visit")
    ).to_be_visible()
    audit(phone, found, "/ with the menu open")

    response = phone.goto(site + "/no-such-page/")
    assert response.status == 404
    audit(phone, found)

    phone.goto(site + "/book/find/")
    phone.get_by_role("button", name="Email me a link").click()
    expect(phone.locator(".invalid-feedback")).to_be_visible()
    audit(phone, found, "/book/find/ with an error")
    phone.get_by_label("Your email address").fill("nobody@example.com")
    phone.get_by_role("button", name="Email me a link").click()
    expect(phone).to_have_url(re.compile(r"/book/find/sent/$"))
    audit(phone, found)

    phone.goto(f"{site}/book/mine/{find_token('nobody@example.com')}/")
    audit(phone, found)
    phone.goto(f"{site}/book/mine/not-a-real-link/")
    audit(phone, found)
    phone.goto(f"{site}/book/manage/not-a-real-manage-token-at-all/")
    audit(phone, found)

    assert found == {}, report(found)
    # Only the statuses this test asked for: the unknown pages' 404s, the empty form's 422.
    assert [e for e in console_errors if not re.search("status of (404|422)", e)] == []


def test_the_manage_pages_have_no_serious_violation(site, demo, phone: Page):
    """The booking steps themselves are audited in test_journey_phone.py."""
    found: dict[str, list[str]] = {}
    phone.goto(site + "/book/")
    audit(phone, found, "step 1: service and length")
    section = phone.get_by_role("region", name="Sports massage for runners")
    section.get_by_role("link", name=re.compile("^60 minutes")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose a day and time")
    # Three days on at least, so the booking is past the 24-hour change cut-off whatever the
    # hour, and the manage page offers to move it.
    times = tap_day(phone, free_days(after=3)[0])
    expect(times.get_by_role("heading", level=2)).to_be_focused()  # once loaded
    audit(phone, found, "step 2: times of a day, loaded in place")
    times.get_by_role("link").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your details")
    phone.get_by_label("First name").fill("Jess")
    phone.get_by_label("Last name").fill("Runner")
    phone.get_by_label("Email").fill("jess@example.com")
    phone.get_by_label("Mobile phone").fill("(404) 555-0100")
    phone.get_by_label("I agree to the cancellation policy").check()
    phone.get_by_role("button", name="Book now").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You're booked in")

    phone.get_by_role("link", name="Move or cancel this booking").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your booking")
    audit(phone, found, "manage")
    manage = phone.url
    phone.get_by_role("link", name="Move to another time").click()
    audit(phone, found, "move: day")
    phone.locator("a[data-day]").nth(1).click()
    times = phone.locator("#times")
    expect(times.get_by_role("heading", level=2)).to_be_focused()  # once loaded
    audit(phone, found, "move: times of a day")
    times.get_by_role("link").first.click()
    expect(phone.get_by_role("button", name="Move my booking")).to_be_visible()
    audit(phone, found, "move: confirm")

    phone.goto(manage)
    phone.get_by_role("link", name="Cancel booking").click()
    expect(phone.get_by_role("button", name="Cancel my booking")).to_be_visible()
    audit(phone, found, "cancel")
    phone.goto(f"{site}/book/mine/{find_token('jess@example.com')}/")
    expect(phone.get_by_role("button", name=re.compile("^Manage this booking"))).to_be_visible()
    audit(phone, found, "find my bookings: the list")
    phone.goto(manage + "cancel/")
    phone.get_by_role("button", name="Cancel my booking").click()
    expect(phone.get_by_text("This booking is cancelled.")).to_be_visible()
    audit(phone, found, "manage: cancelled")

    assert found == {}, report(found)


def _with_time_off(session: Appointment) -> str:
    """Return the block page of `session`'s therapist and day, with time off that day."""
    day = clock.local(session.start).date()
    evening = datetime.combine(day, time(20), tzinfo=clock.clinic_tz())
    TimeOff.objects.create(
        therapist_id=session.therapist_id, start=evening, end=evening + timedelta(hours=1)
    )
    return f"/staff/block/?therapist={session.therapist_id}&day={day.isoformat()}"


def staff_sessions() -> tuple[Appointment, Appointment]:
    """Return a session on the next clinic day (movable) and one under way today (to check
    in), both for a client with an email on file."""
    client = make_client(
        first_name="Jess", last_name="Alvarez", email="jess@example.com", phone="(404) 555-0170"
    )
    maya, daniel = (Therapist.objects.get(slug=s) for s in ("maya-brooks", "daniel-okafor"))
    rooms = list(Room.objects.filter(name__startswith="Treatment room").order_by("name"))
    tz = clock.clinic_tz()
    later = make_appointment(
        therapist=maya,
        room=rooms[0],
        start=datetime.combine(next_clinic_day(), time(10), tzinfo=tz),
        client=client,
    )
    now = clock.local(timezone.now()).replace(second=0, microsecond=0)
    midnight = datetime.combine(now.date(), time(), tzinfo=tz)
    under_way = make_appointment(
        therapist=daniel,
        room=rooms[1],
        start=max(now - timedelta(minutes=10), midnight),
        client=client,
    )
    return later, under_way


def test_the_race_card_and_timing_advice_have_no_serious_violation(site, demo, phone: Page):
    from tests.browser.journeys import first_time_runner
    from tests.browser.test_race import next_race_day, race_card

    found: dict[str, list[str]] = {}
    first_time_runner(phone, site, email="racer@example.com")
    audit(phone, found, "confirmation: the race question")
    phone.get_by_role("button", name="Suggest sessions for my race").click()
    expect(phone.locator(".invalid-feedback")).to_be_visible()
    audit(phone, found, "confirmation: the race question with an error")
    race_day = next_race_day()
    phone.get_by_label("When's your next race?").fill(race_day.isoformat())
    phone.get_by_role("button", name="Suggest sessions for my race").click()
    expect(race_card(phone)).to_be_visible()
    audit(phone, found, "confirmation: the suggested sessions")
    # A tampered tap: the page saying why nothing was booked.
    phone.locator(".race-times input[name=start]").first.evaluate("(e) => e.value = 'soon'")
    phone.locator(".race-times button").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("We couldn't book that")
    audit(phone, found, "a tap refused")
    # The timing advice: deep tissue the day before the race.
    deep = Service.objects.get(slug="deep-tissue-massage").lengths.first()
    the_day_before = race_day - timedelta(days=1)
    phone.goto(f"{site}/book/time/?length={deep.pk}&therapist=any&day={the_day_before}")
    phone.locator("#times").get_by_role("link").first.click()
    expect(phone.get_by_role("heading", name=re.compile("A word before you book"))).to_be_visible()
    audit(phone, found, "details: the timing advice")

    assert found == {}, report(found)


def test_every_front_desk_page_has_no_serious_violation_on_a_laptop(site, demo, laptop: Page):
    found: dict[str, list[str]] = {}
    later, under_way = staff_sessions()
    laptop.goto(site + "/staff/")
    expect(laptop.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    audit(laptop, found, "staff sign-in")
    laptop.get_by_label("Username").fill("frontdesk")
    laptop.get_by_label("Password").fill("clinic-frontdesk-demo")
    laptop.get_by_role("button", name="Sign in").click()
    expect(laptop.get_by_role("heading", name="Set up sign-in codes")).to_be_visible()
    audit(laptop, found, "two-factor setup")
    secret = laptop.locator(".setup-key").inner_text().replace(" ", "")
    code = authenticator_code(secret)
    laptop.get_by_label("6-digit code from your authenticator app").fill(code)
    laptop.get_by_role("button", name="Confirm and continue").click()
    expect(laptop.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    audit(laptop, found, "two-factor recovery codes")
    laptop.get_by_role("link", name="Continue").click()
    expect(laptop.get_by_role("navigation", name="Staff")).to_be_visible()
    audit(laptop, found, "front desk: today")
    laptop.goto(f"{site}/staff/day/{next_clinic_day()}/")
    expect(laptop.get_by_role("region", name="Appointments by therapist")).to_be_visible()
    audit(laptop, found, "front desk: next clinic day")
    laptop.get_by_role("link", name="Book Maya Brooks at 2:00 PM").click()
    expect(laptop.get_by_role("dialog", name="New booking with Maya Brooks")).to_be_visible()
    audit(laptop, found, "front desk: booking panel")
    laptop.keyboard.press("Escape")
    laptop.get_by_role("navigation", name="Staff").get_by_role("link", name="Week").click()
    expect(laptop.get_by_role("region", name="Appointments by day")).to_be_visible()
    audit(laptop, found, "front desk: week")
    laptop.get_by_role("navigation", name="Staff").get_by_role("link", name="Emails").click()
    expect(laptop.get_by_role("heading", name="Failed")).to_be_visible()
    audit(laptop, found, "front desk: emails")

    pages = {
        "week": f"/staff/week/{later.therapist_id}/",
        "appointment: later": f"/staff/appointments/{later.pk}/",
        "appointment: under way": f"/staff/appointments/{under_way.pk}/",
        "move": f"/staff/appointments/{later.pk}/move/",
        "cancel": f"/staff/appointments/{later.pk}/cancel/",
        "book": "/staff/book/",
        "walk-in": "/staff/walk-in/",
        "block": "/staff/block/",
        "block: time off listed": _with_time_off(later),
        "client": f"/staff/clients/{later.client_id}/",
        "waitlist": "/staff/waitlist/",
    }
    for label, path in pages.items():
        response = laptop.goto(site + path)
        assert response.status == 200, label
        expect(laptop.get_by_role("heading", level=1)).to_be_visible()
        audit(laptop, found, label)
    # Searches post their term (it stays out of the URL), so they are typed in.
    for label, path, field in (
        ("book: a client found", "/staff/book/", "Find a client by name, email or phone"),
        ("clients: a search", "/staff/clients/", "Name, email or phone"),
    ):
        laptop.goto(site + path)
        laptop.get_by_label(field).fill("Alvarez")
        laptop.get_by_role("button", name="Search").click()
        expect(laptop.get_by_text("Alvarez").first).to_be_visible()
        audit(laptop, found, label)

    # Refusals and errors, shown beside the fields or above the form.
    laptop.goto(f"{site}/staff/appointments/{later.pk}/move/")
    laptop.get_by_role("button", name="Move").click()
    expect(laptop.get_by_text("That is when, with whom and where it already is.")).to_be_visible()
    audit(laptop, found, "move: nothing changed")
    laptop.goto(f"{site}/staff/appointments/{later.pk}/cancel/")
    laptop.get_by_role("button", name="Cancel appointment").click()
    expect(laptop.locator(".invalid-feedback")).to_be_visible()
    audit(laptop, found, "cancel: no reason")
    laptop.goto(f"{site}/staff/book/")
    laptop.get_by_role("button", name="Book", exact=True).click()
    expect(laptop.locator(".invalid-feedback").first).to_be_visible()
    audit(laptop, found, "book: errors")
    laptop.goto(f"{site}/staff/walk-in/")
    laptop.get_by_role("button", name="Book and check in").click()
    expect(laptop.locator(".invalid-feedback").first).to_be_visible()
    audit(laptop, found, "walk-in: errors")
    laptop.goto(f"{site}/staff/block/")
    laptop.get_by_role("button", name=re.compile("^Block")).click()
    expect(laptop.locator(".invalid-feedback").first).to_be_visible()
    audit(laptop, found, "block: errors")
    laptop.goto(f"{site}/staff/appointments/{under_way.pk}/")
    Appointment.objects.filter(pk=under_way.pk).update(sequence=F("sequence") + 1)  # elsewhere
    laptop.get_by_role("button", name="Check in").click()
    expect(laptop.get_by_role("alert")).to_contain_text("Someone changed this appointment")
    audit(laptop, found, "appointment: a stale change refused")

    assert found == {}, report(found)


def test_therapist_pages_and_the_sign_in_code_page_have_no_serious_violation(
    site, demo, laptop: Page
):
    found: dict[str, list[str]] = {}
    laptop.goto(site + "/staff/")
    laptop.get_by_label("Username").fill("therapist")
    laptop.get_by_label("Password").fill("clinic-therapist-demo")
    laptop.get_by_role("button", name="Sign in").click()
    secret = laptop.locator(".setup-key").inner_text().replace(" ", "")
    laptop.get_by_label("6-digit code from your authenticator app").fill(authenticator_code(secret))
    laptop.get_by_role("button", name="Confirm and continue").click()
    laptop.get_by_role("link", name="Continue").click()
    expect(laptop.get_by_role("heading", name="My schedule")).to_be_visible()
    audit(laptop, found, "my schedule")
    laptop.get_by_role("navigation", name="Staff").get_by_role("link", name="Calendar feed").click()
    expect(laptop.get_by_role("heading", name="My schedule on my phone")).to_be_visible()
    audit(laptop, found, "calendar feed")
    laptop.get_by_role("button", name="Create my calendar link").click()
    expect(laptop.get_by_label("Calendar link")).to_be_visible()
    audit(laptop, found, "calendar feed: the new link")

    # The next sign-in asks for a code from the app set up above.
    laptop.get_by_role("button", name="Sign out").click()
    laptop.goto(site + "/staff/")
    laptop.get_by_label("Username").fill("therapist")
    laptop.get_by_label("Password").fill("clinic-therapist-demo")
    laptop.get_by_role("button", name="Sign in").click()
    expect(laptop.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    audit(laptop, found, "two-factor verify")
    code = laptop.get_by_label(re.compile("from your authenticator app"))
    code.fill("000")
    laptop.get_by_role("button", name="Continue").click()
    expect(laptop.locator(".invalid-feedback")).to_be_visible()
    audit(laptop, found, "two-factor verify: a wrong code")
    code.fill(authenticator_code(secret, steps_later=1))  # the setup code's step is used
    laptop.get_by_role("button", name="Continue").click()
    expect(laptop.get_by_role("heading", name="My schedule")).to_be_visible()

    assert found == {}, report(found)


# --- the keyboard alone -----------------------------------------------------------------

FOCUS_SHOWN = """(e) => {
    const style = getComputedStyle(e);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return outline || style.boxShadow !== "none";
}"""


def tab_to(page: Page, target: Locator, *, limit: int = 60, key: str = "Tab") -> ElementHandle:
    """Press `key` until `target` has the focus; check that the focus can be seen there."""
    element = target.element_handle()
    for _ in range(limit):
        page.keyboard.press(key)
        if element.evaluate("(e) => e === document.activeElement"):
            break
    else:
        pytest.fail(f"{limit} presses of {key} never reached {target}")
    settle(page)
    assert element.evaluate(FOCUS_SHOWN), f"no visible focus on {target}"
    return element


def test_runner_books_a_session_with_the_keyboard_alone(site, demo, laptop: Page):
    page = laptop
    page.goto(site + "/")
    tab_to(page, page.get_by_role("link", name="Skip to main content"))
    tab_to(page, page.get_by_role("banner").get_by_role("link", name="Book a session"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Book a session")
    section = page.get_by_role("region", name="Sports massage for runners")
    tab_to(page, section.get_by_role("link", name=re.compile("^60 minutes")))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a day and time")
    tab_to(page, page.locator("a[data-day]").first)
    page.keyboard.press("Enter")
    times = page.locator("#times")
    heading = times.get_by_role("heading", level=2)
    expect(heading).to_be_focused()  # the times load in place and the focus moves to them
    tab_to(page, times.get_by_role("link").first, limit=3)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    for label, text in [
        ("First name", "Jess"),
        ("Last name", "Runner"),
        ("Email", "jess@example.com"),
        ("Mobile phone", "(404) 555-0100"),
    ]:
        tab_to(page, page.get_by_label(label))
        page.keyboard.type(text)
    tab_to(page, page.get_by_label("I agree to the cancellation policy"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Book now"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked in")
    expect(page.get_by_role("main")).to_contain_text("Sports massage for runners, 60 minutes")


def test_the_nudge_unsubscribe_pages_have_no_serious_violation(site, demo, phone: Page):
    from bookings.tokens import issue_nudge_token

    found: dict[str, list[str]] = {}
    link = f"{site}/book/nudges/off/{issue_nudge_token(make_client())}/"
    phone.goto(link)
    audit(phone, found, "unsubscribe: asked")
    phone.get_by_role("button", name="Unsubscribe from suggestions").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
    audit(phone, found, "unsubscribe: done")
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("You're already unsubscribed")
    audit(phone, found, "unsubscribe: already")
    phone.goto(f"{site}/book/nudges/off/not-a-link-we-ever-sent-out/")
    audit(phone, found, "unsubscribe: not valid")

    assert found == {}, report(found)


def test_a_training_blocks_manage_pages_have_no_serious_violation(site, demo, phone: Page):
    """The block's review and confirmation are audited in test_series.py."""
    from uuid import uuid4

    from bookings import series
    from bookings.clock import start_param
    from services.models import ServiceLength
    from tests.browser.test_series import block_start

    therapist = Therapist.objects.get(slug="maya-brooks")
    length = ServiceLength.objects.filter(service__in=therapist.services.all()).first()
    start = block_start(length, therapist)
    booked = series.book_series(
        client=make_client(email="block@example.com"),
        service_length=length,
        therapist=therapist,
        every_weeks=1,
        starts=series.occurrence_starts(start, every_weeks=1, count=6),
        now=timezone.now(),
        key=uuid4(),
    )
    second = booked.appointments[1]
    manage = f"{site}/book/manage/{booked.tokens[second.pk]}/"
    found: dict[str, list[str]] = {}

    phone.goto(manage)
    expect(phone.get_by_role("heading", name=re.compile("Your training block"))).to_be_visible()
    audit(phone, found, "manage: a block's session")
    phone.goto(manage + "cancel/")
    expect(phone.get_by_role("button", name=re.compile("^Cancel this and the 4"))).to_be_visible()
    audit(phone, found, "cancel: this and the rest")
    phone.goto(manage + f"move/confirm/?start={start_param(second.start + timedelta(hours=1))}")
    expect(phone.get_by_role("button", name=re.compile("^Move this and the 4"))).to_be_visible()
    audit(phone, found, "move: this and the rest")

    assert found == {}, report(found)
