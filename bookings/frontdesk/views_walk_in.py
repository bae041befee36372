"""Staff pages, part 4: a walk-in, booked into the session starting now and checked in.

booking.book_walk_in decides the start (the slot under way) and holds it to the same guard
as every booking; this page only finds or takes the client and says what happened.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from bookings import booking, clock, race, roles
from bookings.frontdesk.forms import WalkInForm, is_client_search
from bookings.frontdesk.views_appointments import GET_POST, client_pick, offers_of
from bookings.http import see_other
from bookings.models import BookingPolicy, Client
from bookings.rules import walk_in_start


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_http_methods(GET_POST)
def walk_in(request: HttpRequest) -> HttpResponse:
    # The client is found as on the booking page (client_pick).
    chosen = None
    if (client_id := request.GET.get("client", "")).isdigit():
        chosen = Client.objects.filter(pk=client_id, erased_at__isnull=True).first()
    initial = {"client": chosen}
    if (therapist := request.GET.get("therapist", "")).isdigit():
        initial["therapist"] = int(therapist)
    booking_post = request.method == "POST" and not is_client_search(request)
    form = WalkInForm(request.POST if booking_post else None, initial=initial)
    now, policy = timezone.now(), BookingPolicy.load()
    offers, status = [], 200
    if booking_post and form.is_valid():
        data = form.cleaned_data
        try:
            booked = booking.book_walk_in(
                client=data["client"],
                details=form.new_client(),
                service_length=data["service_length"],
                now=now,
                therapist=data["therapist"],
                key=data["key"],
                by=request.user,
                notify=data["notify"],
                policy=policy,
                # The clinic's timing advice for the client's race, as for any desk booking.
                **race.at_the_desk(data["client"], data["timing_reason"], now=now),
            )
        except race.TimingAdvice as advice:
            form.add_error("timing_reason", advice.message)
            status = 422
        except booking.BookingError as error:
            form.add_error(None, error.message)
            offers = offers_of(error)
            status = 409 if isinstance(error, booking.SlotTaken) else 422
        else:
            appointment = booked.appointment
            if booked.created:
                messages.success(
                    request,
                    f"Walk-in checked in: {appointment.client} with {appointment.therapist.name}, "
                    f"{clock.time_range(appointment.start, appointment.end)}.",
                )
            else:
                messages.info(request, "That walk-in was already booked; here is the day.")
            return see_other(reverse("staff:day"))
    elif form.errors:
        status = 422
    context = {
        "form": form,
        **client_pick(request, chosen, "therapist"),
        "offers": offers,
        "start": walk_in_start(now, policy),
    }
    return render(request, "staff/walk_in.html", context, status=status)
