"""API of accounts: tokens, the current user, users and assignments."""


import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.accounts import services
from yingji.accounts.models import Membership
from yingji.accounts.roles import Role
from yingji.core.api import NOT_BLANK, ErrorOut, ListFilters, Pagination, refuses, request_user
from yingji.core.masking import phone_for
from yingji.jurisdictions.models import Jurisdiction

router = Router(tags=["accounts"])

#: The rules of a person's fields that JSON Schema cannot state, as core.api.refuses lists them.
PASSWORD_RULES = "empty, or a password the password rules accept (length, not common, not only digits, " \
                 "not like the user's name)"
MOBILE = "a mobile number (11 digits, 13–19); spaces and full-width digits are forgiven"
GRANT = {"role": "a role you may grant there (your own or one below it), not one the user holds there",
         "jurisdiction_code": "a jurisdiction where you manage users"}


@contextmanager
def _naming(**names: str) -> Iterator[None]:
    """A service's refusals under the request's names for them ("__all__": the rule of the whole row,
    named after the path parameter it is about)."""
    try:
        yield
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        raise ValidationError({names.get(field, field): messages for field, messages in errors.items()}) from error


class TokenIn(Schema):
    username: str
    password: str
    name: str = Field("api", max_length=100, json_schema_extra={"pattern": NOT_BLANK})


class TokenOut(Schema):
    token: str
    name: str
    prefix: str


class TokenRowOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime | None


class MembershipOut(Schema):
    id: int
    role: str
    role_label: str
    jurisdiction_code: str
    jurisdiction_name: str


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    phone: str
    is_active: bool
    memberships: list[MembershipOut]


class UserIn(Schema):
    username: str = Field(..., min_length=2, max_length=150)
    password: str = Field("", max_length=128, description="Empty: a one-time password is made and answered once. "
                          "Either way the person chooses their own at the first sign-in.")
    display_name: str = Field(..., max_length=100, json_schema_extra={"pattern": NOT_BLANK},
                              description="The person's name (姓名).")
    phone: str = Field("", max_length=20, description="A Chinese mobile number (11 digits, 13–19).")
    role: Role
    jurisdiction_code: str


class UserCreatedOut(UserOut):
    one_time_password: str = Field("", description="The password made for the person, shown this once "
                                   "(empty when one was given).")


class UserPatch(Schema):
    display_name: str = Field(None, max_length=100, json_schema_extra={"pattern": NOT_BLANK},
                              description="The person's name; never null.")
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    is_active: bool | None = None


class PasswordResetIn(Schema):
    password: str = Field("", max_length=128, description="Empty: a one-time password is made and answered once.")


class PasswordResetOut(Schema):
    one_time_password: str = Field("", description="The password made for the person (empty when one was given); "
                                   "they choose their own at the next sign-in.")


class MembershipIn(Schema):
    role: Role
    jurisdiction_code: str


def _membership_out(m: Membership) -> dict[str, Any]:
    return {"id": m.pk, "role": m.role, "role_label": m.get_role_display(),
            "jurisdiction_code": m.jurisdiction.code, "jurisdiction_name": m.jurisdiction.name}


def _user_out(viewer: Any, user: Any) -> dict[str, Any]:
    memberships = [m for m in user.memberships.all()]
    # A phone is shown in full when the viewer may see personal data where the user works.
    path = min((m.jurisdiction.path for m in memberships), default="", key=len)
    phone = user.phone if viewer.pk == user.pk else phone_for(viewer, user.phone, path)
    return {"id": user.pk, "username": user.username, "display_name": user.display_name, "phone": phone,
            "is_active": user.is_active, "memberships": [_membership_out(m) for m in memberships]}


@router.post("/token", auth=None, response={201: TokenOut, 401: ErrorOut, 403: ErrorOut})
def obtain_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a user name and password for an API token (counted by the login lockout)."""
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            return Status(403, {"detail": _("Too many failed logins. Try again in %(n)s minutes.") % {
                "n": settings.YINGJI_LOGIN_COOLOFF_MINUTES}, "code": "locked_out", "errors": []})
        return Status(401, {"detail": _("Wrong user name or password."), "code": "unauthenticated", "errors": []})
    if user.must_change_password:
        # The password was set by an administrator: the person signs in on the web and picks their own first.
        return Status(403, {"detail": _("Choose a new password first."), "code": "password_change_required",
                            "errors": []})
    token, raw = services.issue_token(user=user, name=payload.name)
    return Status(201, {"token": raw, "name": token.name, "prefix": token.prefix})


@router.get("/me", response=dict)
def me(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    body = _user_out(user, type(user).objects.prefetch_related("memberships__jurisdiction").get(pk=user.pk))
    body["is_superuser"] = user.is_superuser
    body["permissions"] = services.permission_summary(user)
    return body


@router.get("/users", response=list[UserOut])
@paginate(Pagination)
def list_users(request: HttpRequest, filters: Query[ListFilters]):  # type: ignore[no-untyped-def]
    viewer = request_user(request)
    queryset = services.users_visible_to(viewer).prefetch_related("memberships__jurisdiction").order_by("username")
    if filters.jurisdiction:
        scope = Jurisdiction.objects.visible_to(viewer).filter(code=filters.jurisdiction).first()
        if scope is None:
            return []
        queryset = queryset.filter(memberships__jurisdiction__path__startswith=scope.path).distinct()
    if filters.q:
        queryset = queryset.filter(Q(username__icontains=filters.q) | Q(display_name__icontains=filters.q))
    return [_user_out(viewer, u) for u in queryset]


@router.get("/users/{user_id}", response=UserOut)
def get_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    viewer = request_user(request)
    user = get_object_or_404(services.users_visible_to(viewer).prefetch_related("memberships__jurisdiction"),
                             pk=user_id)
    return _user_out(viewer, user)


@router.post("/users", response={201: UserCreatedOut, 422: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             openapi_extra=refuses(username="letters, digits and @.+-_ only, and no one else's (in any case)",
                                   password=PASSWORD_RULES, phone=MOBILE, **GRANT))
def create_user(request: HttpRequest, payload: UserIn) -> Any:
    """A new account with its first membership, by someone who manages users there (the district,
    a street for its communities) and may grant the role (their own or one below it)."""
    viewer = request_user(request)
    jurisdiction = get_object_or_404(Jurisdiction.objects.visible_to(viewer), code=payload.jurisdiction_code)
    data = payload.dict(exclude={"jurisdiction_code"})
    with _naming(jurisdiction="jurisdiction_code"):
        user, generated = services.create_user(actor=viewer, jurisdiction=jurisdiction, **data)
    return Status(201, dict(_user_out(viewer, user), one_time_password=generated))


def _managed(request: HttpRequest, user_id: int) -> Any:
    return services.managed_user(request_user(request), user_id)


@router.patch("/users/{user_id}", response={200: UserOut, 422: ErrorOut, 403: ErrorOut, 404: ErrorOut},
              openapi_extra=refuses(phone=MOBILE, email="an email address", is_active="not false for yourself"))
def update_user(request: HttpRequest, user_id: int, payload: UserPatch) -> Any:
    """Change a user's name, phone or email, or deactivate (`is_active: false`) and reactivate them.
    A user out of sight answers 404; one in sight whom the caller does not manage, 403."""
    viewer = request_user(request)
    user = _managed(request, user_id)
    changes = payload.dict(exclude_unset=True)
    active = changes.pop("is_active", None)
    with transaction.atomic(), _naming(__all__="is_active"):
        if changes:
            fields = {"display_name": user.display_name, "phone": user.phone, "email": user.email}
            fields.update({k: v or "" for k, v in changes.items()})
            services.update_user(user, actor=viewer, **fields)
        if active is not None:
            services.set_active(user, active, actor=viewer)
    return Status(200, _user_out(viewer, type(user).objects.prefetch_related("memberships__jurisdiction")
                                 .get(pk=user.pk)))


@router.post("/users/{user_id}/password", response={200: PasswordResetOut, 422: ErrorOut, 403: ErrorOut,
                                                    404: ErrorOut},
             openapi_extra=refuses(password=PASSWORD_RULES, user_id="not yourself (your account page changes yours)"))
def reset_password(request: HttpRequest, user_id: int, payload: PasswordResetIn) -> Any:
    """Reset someone's password: their tokens and sessions end, and they choose their own at the next sign-in."""
    user = _managed(request, user_id)
    with _naming(__all__="user_id"):
        generated = services.reset_password(user, actor=request_user(request), password=payload.password)
    return Status(200, {"one_time_password": generated})


@router.get("/users/{user_id}/history", response={200: list[dict], 403: ErrorOut, 404: ErrorOut})
def user_history(request: HttpRequest, user_id: int) -> Any:
    """The changes of a user's account and memberships, newest first (phones masked as on every history)."""
    viewer = request_user(request)
    return Status(200, services.user_history(_managed(request, user_id), viewer))


@router.post("/users/{user_id}/memberships", response={201: MembershipOut, 422: ErrorOut, 403: ErrorOut,
                                                       404: ErrorOut}, openapi_extra=refuses(**GRANT))
def add_membership(request: HttpRequest, user_id: int, payload: MembershipIn) -> Any:
    viewer = request_user(request)
    user = _managed(request, user_id)
    jurisdiction = get_object_or_404(Jurisdiction.objects.visible_to(viewer), code=payload.jurisdiction_code)
    with _naming(jurisdiction="jurisdiction_code"):
        membership = services.assign(actor=viewer, user=user, role=payload.role, jurisdiction=jurisdiction)
    return Status(201, _membership_out(membership))


@router.delete("/memberships/{membership_id}", response={204: None, 422: ErrorOut, 403: ErrorOut, 404: ErrorOut},
               openapi_extra=refuses(membership_id="not one of your own, nor a user's last membership "
                                                   "(deactivate the user instead)"))
def remove_membership(request: HttpRequest, membership_id: int) -> Any:
    viewer = request_user(request)
    membership = get_object_or_404(Membership.objects.visible_to(viewer), pk=membership_id)
    with _naming(__all__="membership_id"):
        services.unassign(membership, actor=viewer)
    return Status(204, None)


@router.get("/tokens", response=list[TokenRowOut])
def list_tokens(request: HttpRequest) -> Any:
    """The caller's own API tokens (never their keys), newest first."""
    return request_user(request).api_tokens.order_by("-created_at")


@router.delete("/tokens/{token_id}", response={204: None, 404: ErrorOut})
def delete_token(request: HttpRequest, token_id: int) -> Any:
    """Revoke one of the caller's tokens (another user's answers 404)."""
    user = request_user(request)
    token = get_object_or_404(user.api_tokens, pk=token_id)
    services.revoke_token(token, actor=user)
    return Status(204, None)
