"""Request logging: one line per request, with no personal data."""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("clinic.requests")


class RequestLogMiddleware:
    """Log method, route pattern, status and duration for every request.

    The route pattern (`services/<slug:slug>/`) is logged instead of the path so that
    tokens in URLs and query strings (manage links, search terms) never reach the log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        match = getattr(request, "resolver_match", None)
        if match is not None:
            route = "/" + match.route
        elif hasattr(request, "page_cache_route"):
            route = request.page_cache_route
        elif request.path.startswith("/static/"):
            route = "/static/…"
        else:
            route = "(unmatched)"
        logger.info("%s %s %s %.1fms", request.method, route, response.status_code, elapsed_ms)
        return response
