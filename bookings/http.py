"""HTTP answers that both audiences (bookings.public, bookings.frontdesk) give the same way."""

from django.http import HttpResponseRedirect


def see_other(url: str) -> HttpResponseRedirect:
    """Return a 303 redirect: after a POST, the browser fetches `url` with GET."""
    return HttpResponseRedirect(url, status=303)
