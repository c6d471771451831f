from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from yingji.audit.context import for_request


class AuditContextMiddleware:
    """Makes the current request (and so its user and address) known to the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with for_request(request):
            return self.get_response(request)
