"""Users, their assignments and tokens: the rules around who may manage whom."""

from __future__ import annotations

import operator
import secrets
from functools import reduce
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from yingji.accounts.models import ApiToken, Membership, User, membership_rows
from yingji.accounts.roles import MANAGE_USERS, Role, grantable_roles, role_allows
from yingji.core.scope import ROOT_PATH, granted_paths
from yingji.core.validators import check_mobile
from yingji.jurisdictions.models import Jurisdiction


def users_visible_to(viewer: Any) -> models.QuerySet[User]:
    """Users holding at least one assignment inside the viewer's area."""
    memberships = Membership.objects.visible_to(viewer)
    if viewer.is_authenticated and viewer.is_superuser:
        return User.objects.all()
    return User.objects.filter(pk__in=memberships.values("user_id")).distinct()


def primary_jurisdiction(user: Any) -> Jurisdiction | None:
    """The outermost jurisdiction a user is assigned to (for the breadcrumb and map centre)."""
    membership = (Membership.objects.filter(user=user).select_related("jurisdiction")
                  .order_by("jurisdiction__depth", "jurisdiction__path").first())
    if membership is not None:
        return membership.jurisdiction
    if getattr(user, "is_superuser", False):
        return Jurisdiction.objects.filter(level="district").order_by("code").first() or \
            Jurisdiction.objects.order_by("depth").first()
    return None


def primary_role(user: Any) -> str:
    """The role the user holds at their primary jurisdiction: what their home page and menu are
    shaped for ("district_admin" for a superuser without an assignment, "" for nobody)."""
    membership = (Membership.objects.filter(user=user).select_related("jurisdiction")
                  .order_by("jurisdiction__depth", "jurisdiction__path").first())
    if membership is not None:
        return membership.role
    return Role.DISTRICT_ADMIN if getattr(user, "is_superuser", False) else ""


# ------------------------------------------------------------------ managing users (issue 13)
# Who manages whom: an actor manages users where a membership of theirs allows MANAGE_USERS (the
# district's administrators, the streets' officers), and may grant there only the roles of
# `grantable_roles` (their own and those below it). A user is managed by an actor who could have
# granted every one of the user's memberships: a street manages the people of its communities,
# not someone who also holds a post in another street or at the district. Staff and superuser
# accounts (the Django admin's) are left to superusers. A user with no membership left has no
# place and is managed by superusers only; so the last membership cannot be removed
# (deactivate the user instead). Users are never deleted: ledgers, histories and call-outs
# refer to them.

Grants = list[tuple[str, frozenset[str]]]


def manage_grants(actor: Any) -> Grants:
    """(jurisdiction path, roles the actor may grant under it), one per membership that manages users."""
    paths = granted_paths(actor, MANAGE_USERS)
    if paths == [ROOT_PATH]:  # granted_paths is where the superuser bypass lives
        return [(ROOT_PATH, frozenset(Role.values))]
    if not paths:
        return []
    return [(path, grantable_roles(role)) for role, path in membership_rows(actor.pk)
            if role_allows(role, MANAGE_USERS)]


def may_grant(actor: Any, role: str, path: str, grants: Grants | None = None) -> bool:
    grants = manage_grants(actor) if grants is None else grants
    return any(path.startswith(where) and role in roles for where, roles in grants)


def _grantable(grants: Grants) -> Q:
    return reduce(operator.or_, (Q(jurisdiction__path__startswith=where, role__in=roles) for where, roles in grants))


def users_managed_by(actor: Any) -> models.QuerySet[User]:
    """The users `actor` may manage: every membership of theirs is one the actor may grant."""
    grants = manage_grants(actor)
    if not grants:
        return User.objects.none()
    if grants[0][0] == ROOT_PATH:
        return User.objects.all()
    grantable = _grantable(grants)
    return (User.objects.filter(is_superuser=False, is_staff=False,
                                pk__in=Membership.objects.filter(grantable).values("user_id"))
            .exclude(pk__in=Membership.objects.exclude(grantable).values("user_id")))


def may_manage(actor: Any, user: User) -> bool:
    return users_managed_by(actor).filter(pk=user.pk).exists()


def managed_user(actor: Any, pk: int) -> User:
    """The user `pk` for a management page or call: 404 when the actor cannot see them (the scope
    rule's answer for a row out of reach), 403 when they see them but may not manage them."""
    user = users_managed_by(actor).filter(pk=pk).first()
    if user is not None:
        return user
    if not users_visible_to(actor).filter(pk=pk).exists():
        raise Http404
    raise PermissionDenied


def grantable_jurisdictions(actor: Any) -> models.QuerySet[Jurisdiction]:
    """The jurisdictions the actor may grant some role in (the membership form's choices)."""
    grants = manage_grants(actor)
    if not grants:
        return Jurisdiction.objects.none()
    return Jurisdiction.objects.filter(reduce(operator.or_, (Q(path__startswith=where) for where, _r in grants)))


def grantable_role_choices(actor: Any) -> list[tuple[str, str]]:
    """The roles the actor may grant somewhere, in the catalogue's order (the form's choices)."""
    roles = set().union(*(r for _w, r in manage_grants(actor)))
    return [(value, label) for value, label in Role.choices if value in roles]


def _check_grant(actor: Any, role: str, jurisdiction: Jurisdiction) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    grants = manage_grants(actor)
    if not grants:
        raise PermissionDenied
    if not any(jurisdiction.path.startswith(where) for where, _r in grants):
        raise ValidationError({"jurisdiction": _("You cannot grant memberships in %(place)s: it is outside your "
                                                 "jurisdiction.") % {"place": jurisdiction.name}})
    if not may_grant(actor, role, jurisdiction.path, grants):
        raise ValidationError({"role": _("You cannot grant the role %(role)s: it is above your own.") % {
            "role": Role(role).label}})


def _cleaned_person(display_name: str, phone: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    display_name = (display_name or "").strip()
    if not display_name:
        errors["display_name"] = [_("Enter the person's name.")]
    try:
        phone = check_mobile(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return display_name, phone


def one_time_password() -> str:
    """A password for an administrator to pass on, changed at the first sign-in: 12 characters
    without look-alikes (0/O, 1/l/I), in groups of four so it can be read out over the phone."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _i in range(4)) for _g in range(3))


def _set_password(user: User, password: str) -> str:
    """Set `password` (checked by the password validators), or a one-time one when empty; the user
    must change it at their next sign-in. Answers the one-time password ("" when one was given)."""
    generated = "" if password else one_time_password()
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password or generated)
    user.must_change_password = True
    return generated


def _refuse_self(actor: Any, user: User, what: str) -> None:
    if actor.pk == user.pk:
        raise ValidationError(what)


@transaction.atomic
def create_user(*, actor: Any, username: str, password: str = "", display_name: str = "", phone: str = "",
                role: str, jurisdiction: Jurisdiction) -> tuple[User, str]:
    """A new account with its first membership. Without `password` a one-time password is made;
    either way the person chooses their own at the first sign-in. Answers the user and the
    one-time password ("" when one was given), which is shown once and never stored in clear."""
    _check_grant(actor, role, jurisdiction)
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        User.username_validator(username)
    except ValidationError as exc:
        errors["username"] = exc.messages
    if not errors.get("username") and User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This user name is taken.")]
    try:
        display_name, phone = _cleaned_person(display_name, phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    user = User(username=username, display_name=display_name, phone=phone)
    generated = _set_password(user, password)
    user._yingji_audit_path = jurisdiction.path  # type: ignore[attr-defined]  # its membership comes next
    user.save()
    Membership.objects.create(user=user, jurisdiction=jurisdiction, role=role)
    return user, generated


@transaction.atomic
def update_user(user: User, *, actor: Any, display_name: str, phone: str, email: str = "") -> User:
    """A user's name, mobile phone and email (the user name, their login, stays)."""
    user = managed_user(actor, user.pk)
    display_name, phone = _cleaned_person(display_name, phone)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.messages}) from exc
    user.display_name, user.phone, user.email = display_name, phone, email
    user.save()
    return user


@transaction.atomic
def set_active(user: User, active: bool, *, actor: Any) -> User:
    """Deactivate (they can no longer sign in; their tokens stop working) or reactivate a user."""
    user = managed_user(actor, user.pk)
    _refuse_self(actor, user, _("You cannot deactivate yourself."))
    if user.is_active != active:
        user.is_active = active
        user.save()
    return user


@transaction.atomic
def reset_password(user: User, *, actor: Any, password: str = "") -> str:
    """Set a new password for someone who forgot theirs (a one-time one when `password` is empty).
    Their API tokens and signed-in sessions end; they choose their own at the next sign-in.
    Answers the one-time password, or "" when one was given."""
    user = managed_user(actor, user.pk)
    _refuse_self(actor, user, _("Change your own password on your account page."))
    generated = _set_password(user, password)
    user.save()
    return generated


@transaction.atomic
def assign(*, actor: Any, user: User, role: str, jurisdiction: Jurisdiction) -> Membership:
    """Give `user` a role in a jurisdiction (a membership, 岗位授权)."""
    user = managed_user(actor, user.pk)
    _check_grant(actor, role, jurisdiction)
    if Membership.objects.filter(user=user, jurisdiction=jurisdiction, role=role).exists():
        raise ValidationError({"role": _("%(user)s already holds this role here.") % {"user": user}})
    membership = Membership.objects.create(user=user, jurisdiction=jurisdiction, role=role)
    user.__dict__.pop("_yingji_memberships", None)
    return membership


@transaction.atomic
def unassign(membership: Membership, *, actor: Any) -> None:
    """Take a role away. The last one stays (a user without a place is nobody's to manage):
    deactivate the user instead."""
    user = managed_user(actor, membership.user_id)
    _refuse_self(actor, user, _("You cannot remove your own memberships."))
    if not Membership.objects.filter(user=user).exclude(pk=membership.pk).exists():
        raise ValidationError(_("This is %(user)s's last membership: deactivate the user instead.") % {"user": user})
    membership.delete()


def issue_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    if not name.strip():
        raise ValidationError({"name": _("This field is required.")})
    return ApiToken.issue(user, name.strip())


def revoke_token(token: ApiToken, *, actor: Any) -> None:
    if token.user_id != actor.pk:
        raise ValidationError(_("This token is not yours."))
    token.delete()


def permission_summary(user: Any) -> dict[str, list[str]]:
    """For /me: where the user may view and change ledgers (paths), for clients to adapt their UI."""
    return {
        "view": granted_paths(user, "jurisdictions.view_jurisdiction"),
        "personal_data": granted_paths(user, "accounts.see_personal_data"),
    }


def user_history(user: User, viewer: Any) -> list[dict[str, Any]]:
    """A user's history for their page: the changes of the account (name, phone, active, password
    set or changed; never the hash) and of their memberships, given and taken, newest first.
    Phones are masked for a reader without personal-data rights over the records' place."""
    from django.contrib.contenttypes.models import ContentType

    from yingji.audit.models import ChangeRecord
    from yingji.audit.services import history_rows, record_rows

    records = list(ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Membership))
                   .filter(Q(changes__user__0=user.pk) | Q(changes__user__1=user.pk)).select_related("actor"))
    rows = history_rows(user, viewer) + record_rows(Membership, records, viewer,
                                                    subject=str(Membership._meta.verbose_name))
    return sorted(rows, key=lambda row: row["at"], reverse=True)
