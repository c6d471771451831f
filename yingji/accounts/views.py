"""Login, logout, the user's profile with API tokens, the user list, and managing users."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.accounts import services
from yingji.accounts.forms import MembershipForm, PasswordResetForm, UserCreateForm, UserEditForm
from yingji.accounts.models import ApiToken
from yingji.accounts.roles import Role
from yingji.core.forms import add_service_errors
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
    the password validators); the session stays signed in, their API tokens end (accounts/models.py)
    and the change log records it. A person whose password an administrator set lands here first."""

    template_name = "accounts/password_change.html"

    def form_valid(self, form: Any) -> HttpResponse:
        # The password the person chooses now is known to nobody else: the forced change is done.
        form.user.must_change_password = False
        return super().form_valid(form)

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
    managed = set(services.users_managed_by(request.user).filter(pk__in=[u.pk for u in page])
                  .values_list("pk", flat=True))
    for row in rows:
        row["manage"] = row["user"].pk in managed
    return render(request, "accounts/user_list.html", {"page": page, "rows": rows, "q": text,
                                                       "may_manage": bool(services.manage_grants(request.user))})


# ------------------------------------------------------------------ managing users (issue 13)
# Pages for those who manage users (the district, the streets: accounts/services.py). A user out of
# the manager's sight answers 404, one in sight but not theirs to manage 403 (services.managed_user).
# The one-time password of a new account or a reset is shown once, on the next page, from the session.
ONE_TIME_KEY = "accounts_one_time_password"


def _membership_form(request: HttpRequest, data: Any = None) -> MembershipForm:
    return MembershipForm(data, roles=services.grantable_role_choices(request.user),
                          jurisdictions=services.grantable_jurisdictions(request.user))


def _remember_one_time(request: HttpRequest, user: Any, password: str) -> None:
    if password:
        request.session[ONE_TIME_KEY] = {"user": user.pk, "password": password}


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    if not services.manage_grants(request.user):
        raise PermissionDenied
    form = UserCreateForm(request.POST or None, roles=services.grantable_role_choices(request.user),
                          jurisdictions=services.grantable_jurisdictions(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            user, generated = services.create_user(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _remember_one_time(request, user, generated)
            messages.success(request, _("User %(user)s created.") % {"user": user})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "title": _("New user")})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One user's management page: the account, its memberships, deactivation, password reset, history."""
    user = services.managed_user(request.user, pk)
    one_time = request.session.get(ONE_TIME_KEY)
    if one_time and one_time.get("user") == user.pk:
        del request.session[ONE_TIME_KEY]
    else:
        one_time = None
    memberships = user.memberships.select_related("jurisdiction").order_by("jurisdiction__path", "role")
    path = min((m.jurisdiction.path for m in memberships), default="", key=len)
    return render(request, "accounts/user_detail.html", {
        "target": user, "memberships": memberships, "one_time": one_time,
        "phone": phone_for(request.user, user.phone, path), "is_self": user.pk == request.user.pk,
        "membership_form": _membership_form(request), "reset_form": PasswordResetForm(),
        "history": services.user_history(user, request.user),
    })


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = services.managed_user(request.user, pk)
    form = UserEditForm(request.POST or None, initial={"display_name": user.display_name, "phone": user.phone,
                                                       "email": user.email})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(user, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "target": user, "title": _("Edit user")})


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = services.managed_user(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(user, active, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(user)s can sign in again.") % {"user": user} if active else
                         _("%(user)s is deactivated and can no longer sign in.") % {"user": user})
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = services.managed_user(request.user, pk)
    form = PasswordResetForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("password", []))
        generated = services.reset_password(user, actor=request.user, password=form.cleaned_data["password"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _remember_one_time(request, user, generated)
        messages.success(request, _("The password of %(user)s was reset; they choose their own at the next "
                                    "sign-in.") % {"user": user})
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = services.managed_user(request.user, pk)
    form = _membership_form(request, request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()
                                   if f in form.fields])
        services.assign(actor=request.user, user=user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Membership added."))
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    user = services.managed_user(request.user, pk)
    membership = get_object_or_404(user.memberships.all(), pk=membership_id)
    try:
        services.unassign(membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Membership removed."))
    return redirect("accounts:user_detail", pk=user.pk)
