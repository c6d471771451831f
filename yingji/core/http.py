"""Facts about an HTTP request that several layers need (the audit log, the public rate limit)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str | None:
    """The client's address; behind a reverse proxy the operator sets YINGJI_TRUST_X_FORWARDED_FOR."""
    if getattr(settings, "YINGJI_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RefuseNulMiddleware:
    """A NUL character in a query parameter, a form field or a JSON body is refused up front.

    PostgreSQL cannot store or even compare text holding NUL, so one such character
    anywhere (a list's `q`, a JSON field, the public report form) used to end in a 500.
    The API answers its one error shape (422), pages a 400.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        field = self._nul_field(request)
        if field is None:
            return self.get_response(request)
        from django.http import HttpResponseBadRequest, JsonResponse
        from django.utils.translation import gettext as _

        message = _("Text may not contain the NUL character.")
        if request.path.startswith("/api/"):
            from yingji.core.api import error_body

            return JsonResponse(error_body(message, "invalid", [{"field": field, "message": message}]), status=422,
                                json_dumps_params={"ensure_ascii": False})
        return HttpResponseBadRequest(message)

    @staticmethod
    def _nul_field(request: Any) -> str | None:
        if "\x00" in request.path:
            return "__all__"
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return key.replace("\x00", "")
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH"):
            if content_type.startswith("application/json"):
                try:
                    body = request.body
                except Exception:  # too large: the view's own handling answers it (413)
                    return None
                if b"\x00" in body or b"\\u0000" in body.lower():
                    return "__all__"
            elif content_type.startswith("application/x-www-form-urlencoded") or (
                    content_type.startswith("multipart/form-data") and request.path.startswith("/api/")):
                # A page's multipart body is left to its form, whose text fields refuse NUL; the API's
                # document declares every text field free of NUL, so its multipart bodies are checked
                # here. The body is read first so that it stays readable (an operation may read it as
                # JSON); one over DATA_UPLOAD_MAX_MEMORY_SIZE (an upload of several MB) is not read
                # here, and its text fields are left to the operation.
                try:
                    _ = request.body
                    items = list(request.POST.lists())
                except Exception:
                    # Too large or malformed: the failed parse is forgotten, so the operation meets the
                    # same error itself and answers it (413, 400) in the one error shape.
                    for attr in ("_post", "_files"):
                        request.__dict__.pop(attr, None)
                    return None
                for key, values in items:
                    if "\x00" in key or any("\x00" in v for v in values):
                        return key.replace("\x00", "")
        return None
