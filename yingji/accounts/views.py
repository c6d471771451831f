"""Login, logout, the user's profile with API tokens, and the user list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.accounts import services
from yingji.accounts.models import ApiToken
from yingji.accounts.roles import Role
from yingji.core.masking import phone_for

# Roles whose home is their work on a phone, not the figures of an area.
FIELD_ROLES = {Role.GRID_WORKER, Role.RESPONDER, Role.WAREHOUSE_KEEPER, Role.UNIT_CONTACT}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page, shaped by the user's role and place (issue 13): the role's first actions
    (`page_panel("home.actions", …)`: a grid worker's "上报") and its blocks (`page_panel("home", …)`:
    the command dashboard's building blocks per role, dashboard/home.py — a street sees its
    communities, a community its teams, warehouses, open incidents and what is due, a keeper their
    stock, expiring lots and transfers)."""
    place = services.primary_jurisdiction(request.user)
    role = services.primary_role(request.user)
    home = {"place": place, "role": role, "role_label": Role(role).label if role else "", "field": role in FIELD_ROLES}
    return render(request, "core/home.html", {"home": home})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every user changes their own password (the old one, then the new one twice, checked by
    the password validators); the session stays signed in."""

    template_name = "accounts/password_change.html"

    def get_success_url(self) -> str:
        messages.success(self.request, _("Your password has been changed."))
        return reverse("accounts:profile")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """What django-axes shows after too many failed logins (JSON for API clients)."""
    from django.conf import settings

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Too many failed logins. Try again in %(n)s minutes.") % {
            "n": settings.YINGJI_LOGIN_COOLOFF_MINUTES}, "code": "locked_out", "errors": []}, status=403)
    return render(request, "accounts/locked_out.html",
                  {"minutes": settings.YINGJI_LOGIN_COOLOFF_MINUTES}, status=403)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    new_key = request.session.pop("new_api_key", None)
    return render(request, "accounts/profile.html", {
        "memberships": request.user.memberships.select_related("jurisdiction").order_by("jurisdiction__path"),
        "tokens": request.user.api_tokens.order_by("-created_at"),
        "new_key": new_key,
    })


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    try:
        _token, raw = services.issue_token(user=request.user, name=request.POST.get("name", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        # Shown once on the next page and never stored in clear.
        request.session["new_api_key"] = raw
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(token, actor=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:profile")


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    queryset = services.users_visible_to(request.user).prefetch_related("memberships__jurisdiction").order_by("username")
    text = request.GET.get("q", "").strip()
    if text:
        queryset = queryset.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    rows = []
    for user in page:
        memberships = list(user.memberships.all())
        path = min((m.jurisdiction.path for m in memberships), default="", key=len)
        rows.append({"user": user, "memberships": memberships,
                     "phone": user.phone if user.pk == request.user.pk else phone_for(request.user, user.phone, path)})
    return render(request, "accounts/user_list.html", {"page": page, "rows": rows, "q": text})
