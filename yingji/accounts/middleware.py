"""Send a person whose password an administrator set to the password page first."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yingji.core.api import error_body


class PasswordChangeRequiredMiddleware:
    """A signed-in user with `must_change_password` (a new account, a reset by an administrator)
    reaches only the password page, signing out, the language switch and static files until they
    choose their own password; API calls on that session answer 403 in the API's error shape.
    (API tokens ended with the reset, and a new one is refused until then: accounts/api.py.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "must_change_password", False):
            return self.get_response(request)
        allowed = (reverse("accounts:password_change"), reverse("accounts:logout"), reverse("set_language"),
                   settings.STATIC_URL)
        if request.path.startswith(allowed):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(_("Choose a new password first."), "password_change_required"),
                                status=403, json_dumps_params={"ensure_ascii": False})
        return redirect("accounts:password_change")
