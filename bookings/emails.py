"""Compose client emails (plain text and HTML, with an .ics) from a ClientMessage.

Composed at send time from the appointment's current state. Manage and "find my bookings"
links are minted here, so a raw token exists only inside the email that carries it. Nothing
from the runner intake is ever put in an email.
"""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bookings import calendar, clock, nudge_times, receipts, tokens, waitlist_emails
from bookings.models import BookingPolicy, ClientMessage, NudgeSettings
from clinic.models import ClinicProfile

Kind = ClientMessage.Kind

SUBJECTS = {
    Kind.CONFIRMATION: "Booked: {service} on {when}",
    Kind.MOVED: "Moved: {service} is now on {when}",
    Kind.CANCELLED: "Cancelled: {service} on {when}",
    # The reminder's lead time is a policy setting, so the subject names the day itself.
    Kind.REMINDER: "Reminder: {service} on {when}",
    Kind.LOOKUP: "Your bookings at Medical & Sports Massage",
    Kind.MANAGE_LINK: "Your new link for {service} on {when}",
    Kind.RECEIPT: "Your receipt: {service} on {when}",
    # A training block: one email for the whole set (bookings/series.py).
    Kind.SERIES_BOOKED: "Booked: {sessions} of {service}, from {when}",
    Kind.SERIES_CANCELLED: "Cancelled: {sessions} of {service}, from {when}",
    Kind.SERIES_MOVED: "Moved: {sessions} of {service}, now from {when}",
    # Staff notices name the client as the desk knows them, and nothing they told us.
    Kind.NOTICE_BOOKED: "Booked online: {client}, {service}, {when}",
    Kind.NOTICE_MOVED: "Moved online: {client}, {service}, now {when}",
    Kind.NOTICE_CANCELLED: "Cancelled online: {client}, {service}, {when}",
    Kind.NOTICE_SERIES_BOOKED: "Booked online: {client}, {sessions} of {service}, from {when}",
    Kind.NOTICE_SERIES_MOVED: "Moved online: {client}, {sessions} of {service}, now from {when}",
    Kind.NOTICE_SERIES_CANCELLED: "Cancelled online: {client}, {sessions} of {service}, "
    "from {when}",
}
NOTICES = {Kind.NOTICE_BOOKED, Kind.NOTICE_MOVED, Kind.NOTICE_CANCELLED}
BLOCK_NOTICES = {
    Kind.NOTICE_SERIES_BOOKED,
    Kind.NOTICE_SERIES_MOVED,
    Kind.NOTICE_SERIES_CANCELLED,
}
SERIES = {Kind.SERIES_BOOKED, Kind.SERIES_CANCELLED, Kind.SERIES_MOVED}
# Emails that carry the client's calendar invitation.
WITH_INVITATION = {Kind.CONFIRMATION, Kind.MOVED, Kind.CANCELLED, Kind.REMINDER, Kind.MANAGE_LINK}


def _url(path: str) -> str:
    return settings.SITE_URL + path


def _sessions(count: int) -> str:
    return f"{count} session" if count == 1 else f"{count} sessions"


def compose(message: ClientMessage, *, now: datetime) -> EmailMultiAlternatives:
    """Return the email for `message`, ready to send."""
    profile = ClinicProfile.load()
    context = {"clinic": profile, "site_url": settings.SITE_URL, "kind": message.kind}
    if message.kind in NOTICES | BLOCK_NOTICES:
        return _notice(message, context)
    if message.kind == Kind.NUDGE:
        return _nudge(message, context, now=now)
    if message.kind in waitlist_emails.KINDS:
        return waitlist_emails.compose(message, context)
    if message.kind in SERIES:
        return _series(message, context, profile)
    if message.kind == Kind.LOOKUP:
        to = message.email
        context["lookup_url"] = _url(
            reverse("bookings:find_link", args=[tokens.issue_lookup_token(to, now=now)])
        )
        subject = SUBJECTS[Kind.LOOKUP]
    else:
        appointment = message.appointment
        to = message.email or appointment.client.email
        local = timezone.localtime(appointment.start)
        context |= {
            "appointment": appointment,
            "client": appointment.client,
            "service": appointment.service_length.service,
            "start": local,
            "policy": BookingPolicy.load(),
        }
        if message.kind == Kind.RECEIPT:
            context["receipt"] = receipts.receipt_for(appointment, profile=profile)
        elif message.kind != Kind.CANCELLED:
            token = tokens.issue_manage_token(appointment)
            context["manage_url"] = _url(reverse("bookings:manage", args=[token]))
        subject = SUBJECTS[message.kind].format(
            service=appointment.service_length.service.title,
            when=f"{clock.day(local)} at {clock.time_of_day(local)}",
            time=clock.time_of_day(local),
        )
    text = render_to_string(f"emails/{message.kind}.txt", context)
    page = "emails/receipt.html" if message.kind == Kind.RECEIPT else "emails/message.html"
    html = render_to_string(page, context | {"text_template": message.kind})
    email = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    email.attach_alternative(html, "text/html")
    if message.kind in WITH_INVITATION:
        # The invitation follows the appointment's state, as the email does: a confirmation
        # sent after a cancellation carries the CANCEL, never a stale REQUEST.
        invite = calendar.invitation(
            appointment, manage_url=context.get("manage_url", ""), profile=profile
        )
        email.attach("appointment.ics", invite.content, invite.content_type)
    return email


def _notice(message: ClientMessage, context: dict) -> EmailMultiAlternatives:
    """Return a staff notice: when, what, with whom, and the staff page; no health details,
    no client contact details, no links a client could use."""
    appointment = message.appointment
    sessions = [appointment]
    if message.kind in BLOCK_NOTICES:
        from bookings import outbox  # outbox imports this module

        sessions = outbox.block_notice_sessions(message, BookingPolicy.load())
        appointment = sessions[0]
    local = timezone.localtime(appointment.start)
    client = appointment.client
    context |= {
        "appointment": appointment,
        "client": client,
        "service": appointment.service_length.service,
        "start": local,
        "staff_url": _url(reverse("staff:appointment", args=[appointment.pk])),
        "sessions": [
            (
                each,
                timezone.localtime(each.start),
                _url(reverse("staff:appointment", args=[each.pk])),
            )
            for each in sessions
        ],
    }
    subject = SUBJECTS[message.kind].format(
        client=f"{client.first_name} {client.last_name[:1]}.".strip(),
        sessions=_sessions(len(sessions)),
        service=appointment.service_length.service.title,
        when=f"{clock.day(local)} at {clock.time_of_day(local)}",
    )
    text = render_to_string(f"emails/{message.kind}.txt", context)
    return EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [message.email])


def _nudge(message: ClientMessage, context: dict, *, now: datetime) -> EmailMultiAlternatives:
    """Return a rebook nudge: the lead line, free times for the next session (each a link
    into the booking flow), and a one-tap unsubscribe link (also as List-Unsubscribe).

    Nothing from the intake is written in it: the race date only bounds the times offered.
    """
    visit, config = message.appointment, NudgeSettings.load()
    client = visit.client
    unsubscribe_url = _url(reverse("bookings:nudges_off", args=[tokens.issue_nudge_token(client)]))
    context |= {
        "client": client,
        "visit": visit,
        "service": visit.service_length.service,
        "lead_line": config.lead_line,
        "suggestions": nudge_times.suggestions(visit, now=now, config=config),
        "book_url": _url(reverse("bookings:time") + f"?length={visit.service_length_id}"),
        "unsubscribe_url": unsubscribe_url,
    }
    text = render_to_string("emails/nudge.txt", context)
    html = render_to_string("emails/nudge.html", context)
    headers = {
        # RFC 8058 one-click: the mail app POSTs "List-Unsubscribe=One-Click" to the link.
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    email = EmailMultiAlternatives(
        config.lead_line, text, settings.DEFAULT_FROM_EMAIL, [client.email], headers=headers
    )
    email.attach_alternative(html, "text/html")
    return email


def _series(
    message: ClientMessage, context: dict, profile: ClinicProfile
) -> EmailMultiAlternatives:
    """Return a training block's one email: every date it is about, each with its own manage
    link (unless cancelled), and one invitation holding an event for each session."""
    from bookings import series  # series imports outbox, which imports this module

    anchor = message.appointment
    listed = series.emailed_sessions(anchor, message.kind)
    links = {}
    if message.kind != Kind.SERIES_CANCELLED:
        links = {
            each.pk: _url(reverse("bookings:manage", args=[tokens.issue_manage_token(each)]))
            for each in listed
        }
    first = listed[0] if listed else anchor
    local = timezone.localtime(first.start)
    context |= {
        "appointment": first,
        "client": anchor.client,
        "service": anchor.service_length.service,
        "start": local,
        "policy": BookingPolicy.load(),
        "every": series.describe(anchor.series),
        "sessions": [(each, timezone.localtime(each.start), links.get(each.pk)) for each in listed],
    }
    subject = SUBJECTS[message.kind].format(
        sessions=_sessions(len(listed)),
        service=anchor.service_length.service.title,
        when=f"{clock.day(local)} at {clock.time_of_day(local)}",
    )
    text = render_to_string("emails/series.txt", context)
    html = render_to_string("emails/series.html", context)
    to = message.email or anchor.client.email
    email = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    email.attach_alternative(html, "text/html")
    if listed:
        invite = calendar.series_invitation(listed, manage_urls=links, profile=profile)
        email.attach("training-block.ics", invite.content, invite.content_type)
    return email
