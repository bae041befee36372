"""A manage link's training block: the sessions around this one, and "this and the rest".

The manage pages (views_manage.py) show the block and offer, beside moving or cancelling one
session, to move or cancel it and the later ones through bookings/series.py, all or none.
"""

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from bookings import booking, clock, series
from bookings.http import see_other
from bookings.models import Appointment


def context_of(appointment: Appointment) -> dict:
    """Return the training block `appointment` is in, if any: its sessions and how many
    sessions "this and the rest" would change."""
    if appointment.series_id is None:
        return {}
    sessions = series.sessions(appointment.series)
    rest = [
        each
        for each in sessions
        if each.start >= appointment.start and each.status == Appointment.Status.BOOKED
    ]
    every = series.describe(appointment.series)
    return {"block_sessions": sessions, "rest_count": len(rest), "every": every}


def moves_the_rest(context: dict) -> bool:
    """Return whether this move may take the later sessions of the block with it: they keep
    their therapist and length, so only a move that keeps both can."""
    appointment = context["appointment"]
    return (
        context.get("rest_count", 0) > 1
        and context["move_therapist"] == appointment.therapist
        and context["move_length"] == appointment.service_length
    )


def move_rest(request: HttpRequest, context: dict, start: datetime) -> HttpResponse:
    """Move this session and the later ones of its block the same way, all or none."""
    try:
        moved = series.move_rest(
            appointment=context["appointment"],
            start=start,
            now=context["now"],
            policy=context["policy"],
        )
    except booking.ChangeNotAllowed as refused:
        return render(
            request,
            "bookings/manage_detail.html",
            context | {"message": refused.message},
            status=409,
        )
    except booking.BookingError as refused:
        context |= {"rest_refused": refused.message, "moves_rest": True}
        return render(request, "bookings/manage_move_confirm.html", context, status=409)
    messages.success(
        request,
        f"Done: {len(moved)} sessions have moved, the first to "
        f"{clock.long_day(moved[0].start)} at {clock.time_of_day(moved[0].start)}. "
        "We've emailed you the new dates.",
    )
    return see_other(reverse("bookings:manage", args=[context["token"]]))
