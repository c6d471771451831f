"""Pages that belong to no single capability: health check, PWA manifest (the home page is the district
map of jurisdictions/views.py)."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from yingji.core import travel
from yingji.core.api import error_body


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for every URL: under /api/ in the API's one error shape (an unknown path too)."""
    if _is_api(request):
        return JsonResponse(error_body(_("Not found."), "not_found"), status=404, json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest, *args: Any) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(_("The server could not complete the request."), "server_error"), status=500,
                            json_dumps_params={"ensure_ascii": False})
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(_("The request is malformed."), "bad_request"), status=400,
                            json_dumps_params={"ensure_ascii": False})
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 200 when the database answers a query now, else 503.

    A connection kept from before an outage is checked first (it may be dead while the
    server is back), so the answer is the database's, not the pool's."""
    try:
        connection.close_if_health_check_failed()
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        connection.close()
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok"})


def png_icons() -> list[dict[str, str]]:
    """The icon as PNGs too: browsers' install prompts ask for 192 and 512 pixels."""
    return [{"src": static(f"yingji/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"} for n in (192, 512)]


@require_GET
def roads(request: HttpRequest) -> HttpResponse:
    """The road network in use as GeoJSON: the maps' base layer offline (OpenStreetMap data, public).

    No login: the public report form draws it too, and it holds nothing of the ledgers.
    """
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    body, tag = travel.roads_geojson(gzipped=gzipped)
    etag = f'"{tag}{"-gz" if gzipped else ""}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304)
    response = HttpResponse(body, content_type="application/geo+json")
    if gzipped:
        response["Content-Encoding"] = "gzip"
    response["ETag"], response["Cache-Control"], response["Vary"] = etag, "public, max-age=3600", "Accept-Encoding"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """Web app manifest so grid workers and responders can install the site on a phone."""
    return JsonResponse({
        "name": _("Yingji emergency management"),
        "short_name": _("Yingji"),
        "start_url": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [{"src": static("yingji/icon.svg"), "sizes": "any", "type": "image/svg+xml"}, *png_icons()],
    }, json_dumps_params={"ensure_ascii": False})
