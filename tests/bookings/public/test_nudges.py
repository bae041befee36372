"""Rebook nudges: who gets one and when, what it suggests, once per visit, and unsubscribe."""

import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from bookings import nudge_times, nudges, tokens
from bookings.models import (
    Appointment,
    ClientChange,
    ClientMessage,
    NudgeSettings,
    Room,
    RunnerIntake,
)
from clinic.logs import redact
from tests.bookings.public.conftest import NOW, NY, make_clinic, page_text, run_due_tasks
from tests.factories import make_appointment, make_client
from tests.helpers import race

Kind = ClientMessage.Kind
VISIT = datetime(2026, 12, 3, 10, 0, tzinfo=NY)  # the Thursday before NOW (Monday 8:00): 4 days
RACE = date(2026, 12, 27)
Status = Appointment.Status


def visit(clinic: dict, *, start: datetime = VISIT, status: str = Status.COMPLETED, **fields):
    """Return a past visit with Maya (completed unless told otherwise)."""
    return make_appointment(
        therapist=clinic["maya"],
        room=Room.objects.first(),
        start=start,
        length=clinic["length"],
        status=status,
        **fields,
    )


def racing(client, race_day: date | None = RACE) -> RunnerIntake:
    """Give `client` an intake naming their next race."""
    return RunnerIntake.objects.create(
        client=client,
        next_race_date=race_day,
        next_race_distance=RunnerIntake.Distance.HALF,
        health_conditions="Old Achilles strain",
        policy_consent_at=timezone.now(),
        policy_version="1",
        treatment_consent_at=timezone.now(),
        treatment_version="1",
    )


@pytest.fixture
def nudging(clinic) -> NudgeSettings:
    return NudgeSettings.objects.create(enabled=True, days_after=4)


@pytest.fixture
def runner(clinic, nudging) -> Appointment:
    """Return Jess's completed visit four days ago; her intake names a race in three weeks."""
    jess = make_client(first_name="Jess", email="jess@example.com")
    racing(jess)
    return visit(clinic, client=jess)


def nudges_sent(mailoutbox) -> list:
    return [m for m in mailoutbox if m.subject == NudgeSettings.load().lead_line]


def links_in(body: str) -> list[str]:
    return re.findall(r"http://\S+/book/details/\?\S+", body)


def unsubscribe_path(mail) -> str:
    return urlsplit(re.search(r"http://\S+/book/nudges/off/\S+/", mail.body)[0]).path


# --- who gets one, and when --------------------------------------------------------------


def test_a_completed_visit_in_a_training_block_gets_one_nudge_with_free_times(runner, mailoutbox):
    assert nudges.send_due(now=timezone.now()) == 1
    run_due_tasks()

    [mail] = nudges_sent(mailoutbox)
    assert mail.to == ["jess@example.com"]
    assert "Your next session before the long run?" in mail.body
    # Same therapist, one a day, at the visit's own time of day; from the first day the
    # minimum notice allows (Monday 8:00 + 12 hours -> Tuesday).
    assert "Tuesday, December 8 at 10:00 AM with Maya Brooks" in mail.body
    assert "Wednesday, December 9 at 10:00 AM with Maya Brooks" in mail.body
    assert "Thursday, December 10 at 10:00 AM with Maya Brooks" in mail.body
    assert len(links_in(mail.body)) == 3
    html = mail.alternatives[0].content
    assert "Tuesday, December 8 at 10:00 AM" in html
    # The race only bounds the times: no intake answer is written in the email.
    for private in ("December 27", "Half marathon", "Achilles", "race"):
        assert private not in mail.body and private not in html
    assert ClientMessage.objects.get(kind=Kind.NUDGE).status == "sent"


def test_every_suggested_time_opens_the_booking_flow_bookable(runner, mailoutbox, clinic):
    nudges.send_due(now=timezone.now())
    run_due_tasks()
    [mail] = nudges_sent(mailoutbox)

    for link in links_in(mail.body):
        query = parse_qs(urlsplit(link).query)
        assert set(query) == {"length", "therapist", "start"}  # no email, no token
        response = Client().get(urlsplit(link).path + "?" + urlsplit(link).query)
        assert response.status_code == 200, page_text(response)[:500]
        assert 'name="email"' in response.content.decode()  # the details step, time kept


def test_suggestions_skip_taken_times_and_fill_from_another_therapist(runner, clinic):
    # Maya is fully booked on Tuesday, and only three days are looked at.
    day = datetime(2026, 12, 8, 9, 0, tzinfo=NY)
    for n in range(6):
        visit(clinic, start=day + timedelta(minutes=75 * n), status=Status.BOOKED)
    assert nudge_times.suggestions(runner, now=timezone.now())[0].start == datetime(
        2026, 12, 9, 10, 0, tzinfo=NY
    )  # Maya first, while she has enough days
    NudgeSettings.objects.update(look_ahead_days=3)

    found = nudge_times.suggestions(runner, now=timezone.now())

    # Tuesday's time comes from Tom, who is free at the visit's hour.
    assert [(s.start.astimezone(NY), s.therapist.slug) for s in found] == [
        (datetime(2026, 12, 8, 10, 0, tzinfo=NY), "tom"),
        (datetime(2026, 12, 9, 10, 0, tzinfo=NY), "maya"),
        (datetime(2026, 12, 10, 10, 0, tzinfo=NY), "maya"),
    ]


def test_with_a_race_close_by_times_stop_the_day_before_it(runner):
    RunnerIntake.objects.filter(client=runner.client).update(next_race_date=date(2026, 12, 10))

    found = nudge_times.suggestions(runner, now=timezone.now())

    assert [s.start.astimezone(NY).date() for s in found] == [date(2026, 12, 8), date(2026, 12, 9)]


def test_without_a_race_regular_visits_make_a_training_block(clinic, nudging):
    sam = make_client(first_name="Sam")
    visit(clinic, client=sam, start=VISIT - timedelta(weeks=3))
    latest = visit(clinic, client=sam)
    once = visit(clinic, client=make_client(), start=VISIT + timedelta(hours=2))

    assert list(nudges.due_visits(now=timezone.now())) == [latest]
    assert once not in nudges.due_visits(now=timezone.now())


@pytest.mark.parametrize("status", [Status.NO_SHOW, Status.CANCELLED, Status.BOOKED])
def test_a_visit_not_completed_gets_no_nudge(clinic, nudging, status):
    jess = make_client()
    racing(jess)
    visit(clinic, client=jess, status=status)

    assert nudges.send_due(now=timezone.now()) == 0


@pytest.mark.parametrize(
    "change",
    [
        "disabled",
        "never saved",
        "race in the past",
        "no race given",
        "unsubscribed",
        "no email",
        "booked again",
        "other service only",
        "too soon",
        "too long ago",
    ],
)
def test_who_gets_no_nudge(runner, clinic, change):
    now = timezone.now()
    client = runner.client
    if change == "disabled":
        NudgeSettings.objects.update(enabled=False)
    elif change == "never saved":
        NudgeSettings.objects.all().delete()
    elif change == "race in the past":
        RunnerIntake.objects.update(next_race_date=date(2026, 12, 6))
    elif change == "no race given":
        RunnerIntake.objects.update(next_race_date=None)
    elif change == "unsubscribed":
        nudges.set_nudges(client=client, wanted=False, by=None, door="email link", now=now)
    elif change == "no email":
        type(client).objects.filter(pk=client.pk).update(email="")
    elif change == "booked again":
        visit(clinic, client=client, start=datetime(2026, 12, 12, 10, tzinfo=NY), status="booked")
    elif change == "other service only":
        NudgeSettings.load().services.set([clinic["stretch"].service])
    elif change == "too soon":
        runner.delete()
        visit(clinic, client=client, start=VISIT + timedelta(days=1))
    elif change == "too long ago":
        runner.delete()
        visit(clinic, client=client, start=VISIT - timedelta(days=nudges.GRACE_DAYS + 1))

    assert nudges.send_due(now=now) == 0
    assert not ClientMessage.objects.filter(kind=Kind.NUDGE).exists()


def test_a_missed_daily_run_still_nudges_within_the_grace_days(runner):
    later = timezone.now() + timedelta(days=nudges.GRACE_DAYS)
    with time_machine.travel(later, tick=False):
        assert nudges.send_due(now=timezone.now()) == 1


def test_the_chosen_services_prompt_nudges(runner, clinic):
    NudgeSettings.load().services.set([clinic["service"]])
    assert nudges.send_due(now=timezone.now()) == 1


# --- once per visit ------------------------------------------------------------------------


def test_running_twice_nudges_once(runner, mailoutbox):
    out = io.StringIO()
    call_command("send_nudges", stdout=out)
    call_command("send_nudges", stdout=out)
    run_due_tasks()

    assert out.getvalue().splitlines() == ["1 rebook nudge(s) queued.", "0 rebook nudge(s) queued."]
    assert ClientMessage.objects.filter(kind=Kind.NUDGE).count() == 1
    assert len(nudges_sent(mailoutbox)) == 1


def test_the_database_refuses_a_second_nudge_for_one_visit(runner):
    ClientMessage.objects.create(appointment=runner, kind=Kind.NUDGE)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientMessage.objects.create(appointment=runner, kind=Kind.NUDGE)


RACERS = 6


@pytest.mark.django_db(transaction=True)
def test_runs_racing_each_other_nudge_each_visit_once(wide_pool):
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        NudgeSettings.objects.create(enabled=True, days_after=4)
        visits = []
        for n in range(3):
            person = make_client()
            racing(person)
            visits.append(visit(clinic, client=person, start=VISIT + timedelta(hours=2 * n)))

        results = race(RACERS, lambda _: nudges.send_due(now=timezone.now()))

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 3
    rows = ClientMessage.objects.filter(kind=Kind.NUDGE)
    assert sorted(rows.values_list("appointment_id", flat=True)) == [v.pk for v in visits]


# --- unsubscribe ---------------------------------------------------------------------------


def test_the_email_carries_one_click_unsubscribe_headers(runner, mailoutbox):
    nudges.send_due(now=timezone.now())
    run_due_tasks()
    [mail] = nudges_sent(mailoutbox)

    url = re.search(r"http://\S+/book/nudges/off/\S+/", mail.body)[0]
    assert mail.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert tokens.client_for_nudge_token(token) == runner.client
    assert not any(token in d for d in runner.client.nudge_tokens.values_list("digest", flat=True))


def test_unsubscribe_asks_then_stops_nudges_at_once_and_says_so_again(runner, mailoutbox):
    nudges.send_due(now=timezone.now())
    run_due_tasks()
    path = unsubscribe_path(nudges_sent(mailoutbox)[0])
    web = Client()

    asked = web.get(path)
    assert asked.status_code == 200
    assert "Stop session suggestions?" in page_text(asked)
    assert "Unsubscribe from suggestions" in page_text(asked)
    assert runner.client.email not in page_text(asked)

    done = web.post(path)
    assert done.status_code == 303 and done["Location"] == "/book/nudges/stopped/"
    assert "You're unsubscribed" in page_text(web.get(done["Location"]))
    runner.client.refresh_from_db()
    assert runner.client.nudges_off_at is not None
    [change] = ClientChange.objects.filter(client=runner.client)
    assert (change.action, change.door, change.actor) == ("nudges_off", "email link", "The client")

    again = web.get(path)
    assert again.status_code == 200 and "You're already unsubscribed" in page_text(again)
    assert web.post(path).status_code == 303  # a repeat changes nothing more
    assert ClientChange.objects.filter(client=runner.client).count() == 1


def test_a_mail_apps_one_click_post_needs_no_form_token(runner):
    token = tokens.issue_nudge_token(runner.client)
    web = Client(enforce_csrf_checks=True)

    response = web.post(
        f"/book/nudges/off/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 303
    runner.client.refresh_from_db()
    assert runner.client.nudges_off_at is not None


def test_a_nudge_queued_but_not_sent_is_not_sent_after_unsubscribing(runner, mailoutbox):
    token = tokens.issue_nudge_token(runner.client)  # from an earlier nudge's email
    nudges.send_due(now=timezone.now())  # queued; the worker has not run yet

    assert Client().post(f"/book/nudges/off/{token}/").status_code == 303
    run_due_tasks()

    assert nudges_sent(mailoutbox) == []
    nudge = ClientMessage.objects.get(kind=Kind.NUDGE)
    assert (nudge.status, nudge.reason) == ("skipped", "the client turned rebook emails off")


def test_the_worker_checks_again_when_it_sends(runner, mailoutbox):
    nudges.send_due(now=timezone.now())
    # Turned off by a door that withdraws nothing (a bulk update): the send-time check holds.
    type(runner.client).objects.filter(pk=runner.client_id).update(nudges_off_at=timezone.now())
    run_due_tasks()

    assert nudges_sent(mailoutbox) == []
    assert (
        ClientMessage.objects.get(kind=Kind.NUDGE).reason == "the client turned rebook emails off"
    )


def test_a_client_who_booked_again_before_the_send_gets_no_nudge(runner, clinic, mailoutbox):
    nudges.send_due(now=timezone.now())
    visit(clinic, client=runner.client, start=datetime(2026, 12, 9, 11, tzinfo=NY), status="booked")
    run_due_tasks()

    assert nudges_sent(mailoutbox) == []
    assert ClientMessage.objects.get(kind=Kind.NUDGE).reason == "the client has booked again"


@pytest.mark.parametrize(
    "token",
    ["x" * 43, "short", "a" * 65, "%00", "..", "'; drop table--", "é" * 30, "A" * 32 + "-_"],
)
def test_an_unknown_or_tampered_link_says_so_and_changes_nothing(runner, token):
    real = tokens.issue_nudge_token(runner.client)
    web = Client()

    for response in (web.get(f"/book/nudges/off/{token}/"), web.post(f"/book/nudges/off/{token}/")):
        assert response.status_code == 404
        assert "This isn't a valid link" in page_text(response)
    tampered = real[:-1] + ("A" if real[-1] != "A" else "B")
    assert web.post(f"/book/nudges/off/{tampered}/").status_code == 404
    runner.client.refresh_from_db()
    assert runner.client.nudges_off_at is None
    assert not ClientChange.objects.exists()


def test_unsubscribe_links_stay_out_of_log_lines():
    path = "/book/nudges/off/AbCdEfGhIjKlMnOpQrStUvWxYz012345/"
    assert redact(f"Forbidden (CSRF cookie not set.): {path}") == (
        "Forbidden (CSRF cookie not set.): /book/nudges/off/<str:token>/"
    )


def test_with_no_free_time_before_the_race_the_nudge_links_to_the_picker(runner, mailoutbox):
    RunnerIntake.objects.update(next_race_date=date(2026, 12, 8))  # tomorrow: nothing before
    nudges.send_due(now=timezone.now())
    run_due_tasks()

    [mail] = nudges_sent(mailoutbox)
    assert links_in(mail.body) == []
    picker = f"{settings.SITE_URL}/book/time/?length={runner.service_length_id}"
    assert f"See the free times and pick one: {picker}" in mail.body


@pytest.mark.django_db(transaction=True)
def test_two_unsubscribes_at_once_record_one_change(wide_pool):
    with time_machine.travel(NOW, tick=False):
        person = make_client()

        results = race(
            RACERS,
            lambda _: nudges.set_nudges(
                client=person, wanted=False, by=None, door="email link", now=timezone.now()
            ),
        )

    assert sorted(results) == [False] * (RACERS - 1) + [True], results
    assert ClientChange.objects.filter(client=person, action="nudges_off").count() == 1
