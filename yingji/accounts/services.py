"""Users, their assignments and tokens: the rules around who may manage whom."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from yingji.accounts.models import ApiToken, Membership, User
from yingji.accounts.roles import Role
from yingji.core.scope import ensure, ensure_in, granted_paths
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


@transaction.atomic
def create_user(*, actor: Any, username: str, password: str, display_name: str = "", phone: str = "",
                role: str, jurisdiction: Jurisdiction) -> User:
    ensure_in(actor, "accounts.add_membership", jurisdiction.path)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    try:
        phone = check_mobile(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    user = User(username=username, display_name=display_name, phone=phone)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, jurisdiction=jurisdiction, role=role)
    return user


@transaction.atomic
def assign(*, actor: Any, user: User, role: str, jurisdiction: Jurisdiction) -> Membership:
    ensure_in(actor, "accounts.add_membership", jurisdiction.path)
    membership, _created = Membership.objects.get_or_create(user=user, jurisdiction=jurisdiction, role=role)
    user.__dict__.pop("_yingji_memberships", None)
    return membership


@transaction.atomic
def unassign(membership: Membership, *, actor: Any) -> None:
    ensure(actor, "delete", membership)
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
