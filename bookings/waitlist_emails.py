"""Compose the waitlist's emails (plain text, and HTML in the frame every email shares):
joined (with the link to leave), a time offered (with the claim link that holds it), and
the time gone. Links are minted here, so a raw token exists
only inside the email that carries it; the emails name no health details."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bookings import clock
from bookings.models import ClientMessage

Kind = ClientMessage.Kind
KINDS = {Kind.WAITLIST_JOINED, Kind.WAITLIST_OFFER, Kind.WAITLIST_GONE}
SUBJECTS = {
    Kind.WAITLIST_JOINED: "You're on the waitlist for {service}",
    Kind.WAITLIST_OFFER: "A time just opened: {service} on {when}",
    Kind.WAITLIST_GONE: "That time has gone: {service} on {when}",
}


def compose(message: ClientMessage, context: dict) -> EmailMultiAlternatives:
    """Return the waitlist email `message` stands for, ready to send."""
    from bookings import waitlist  # it imports the writes, which import the outbox and this

    offer = message.waitlist_offer
    entry = message.waitlist_entry or offer.entry
    context |= {
        "entry": entry,
        "client": entry.client,
        "service": entry.service_length.service,
        "length": entry.service_length,
    }
    when = ""
    if message.kind == Kind.WAITLIST_JOINED:
        token = waitlist.issue_leave_token(entry)
        context["leave_url"] = settings.SITE_URL + reverse("bookings:waitlist_leave", args=[token])
    else:
        start = timezone.localtime(offer.hold.start, clock.clinic_tz())
        when = f"{clock.day(start)} at {clock.time_of_day(start)}"
        context |= {"offer": offer, "start": start, "therapist": offer.hold.therapist}
        context["expires"] = timezone.localtime(offer.hold.expires_at, clock.clinic_tz())
        if message.kind == Kind.WAITLIST_OFFER:
            token = waitlist.issue_claim_token(offer)
            context["claim_url"] = settings.SITE_URL + reverse(
                "bookings:waitlist_claim", args=[token]
            )
    subject = SUBJECTS[message.kind].format(service=entry.service_length.service.title, when=when)
    text = render_to_string(f"emails/{message.kind}.txt", context)
    email = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [message.email])
    email.attach_alternative(render_to_string("emails/waitlist.html", context), "text/html")
    return email
