"""Unknown URLs: the app's own "page not found" screen (status 404), the one error shape for the
API, and a plain page when the app is not built. Never Django's bare 404 page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from axweb.errors import error_body

PLAIN = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page not found · AXWeb'
    "</title></head><body><main><h1>Page not found</h1><p>There is nothing at this address. "
    '<a href="/">Go to your workflows</a>.</p></main></body></html>'
)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        message = f"There is nothing at {request.path}."
        return JsonResponse(error_body(404, "not_found", message), status=404)
    index = settings.FRONTEND_INDEX
    html = index.read_text() if index.exists() else PLAIN
    return HttpResponse(html, content_type="text/html", status=404)
