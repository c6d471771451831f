"""People who log in, what they are assigned to, and their API tokens."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.accounts.roles import Role
from yingji.core.models import LedgerModel


class User(AbstractUser):
    """A person with a login: bureau staff, duty officers, grid workers, responders."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    # Set when an administrator chose the password (a new account, a reset): whoever set it knows it,
    # so the person picks their own at the next sign-in (accounts/middleware.py sends them there).
    must_change_password = models.BooleanField(_("must change password"), default=False)

    # The change log (yingji/audit) records users too (signals below): never the password's hash,
    # and not the sign-in times, which change on every login.
    audit_exclude = ("password", "last_login", "date_joined")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Membership(LedgerModel):
    """One (role, jurisdiction) assignment of a user; a user may hold several.

    The scope rule (core/scope.py) reads these rows: a membership grants its
    role's permissions over the jurisdiction's whole subtree.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    jurisdiction = models.ForeignKey(
        "jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        permissions = [("see_personal_data", "Can see unmasked phone and ID numbers")]
        constraints = [
            models.UniqueConstraint(fields=["user", "jurisdiction", "role"], name="membership_unique_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.jurisdiction}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str, expires_at=None) -> tuple[ApiToken, str]:
        """Create a token and return it with the raw key, which is shown once."""
        raw = "yj_" + secrets.token_urlsafe(32)
        days = int(getattr(settings, "YINGJI_API_TOKEN_DAYS", 90))
        if expires_at is None and days > 0:
            expires_at = timezone.now() + datetime.timedelta(days=days)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], key_hash=hash_token(raw),
                                   expires_at=expires_at)
        return token, raw

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


def membership_rows(user_id: int) -> Any:
    """(role, jurisdiction path) of every membership of a user: what core/scope.py grants from."""
    return Membership.objects.filter(user_id=user_id).order_by().values_list("role", "jurisdiction__path")


def user_audit_path(user_id: int | None) -> str:
    """Where a user's change records are kept in the jurisdiction tree: the innermost jurisdiction
    that holds all their memberships, so those who oversee all of them read the history
    (the audit API's scope, and the masking of the phone). No membership: the root ("/")."""
    paths = [p for _role, p in membership_rows(user_id)] if user_id else []
    if not paths:
        return "/"
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    return "/" + "".join(f"{code}/" for code in common)


#: What the change log shows for a password: that it changed, never a hash.
PASSWORD_CHANGED = "********"


@receiver(pre_save, sender=User, dispatch_uid="yingji.accounts.password_changed")
def _note_password_change(sender: type, instance: User, raw: bool = False, **kwargs: Any) -> None:
    from yingji.audit.signals import snapshot

    if raw or instance.pk is None:
        return
    stored = User.objects.filter(pk=instance.pk).first()
    instance._yingji_password_changed = stored is not None and stored.password != instance.password  # type: ignore[attr-defined]
    instance._yingji_before = snapshot(stored) if stored is not None else None  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="yingji.accounts.revoke_tokens")
def _revoke_tokens_on_password_change(sender: type, instance: User, created: bool = False, raw: bool = False,
                                      **kwargs: Any) -> None:
    """A new password ends every API token of the user: whoever learnt the old one may have made them.
    Every change of a user (their own password change included) goes to the change log."""
    if raw:
        return
    password_changed = getattr(instance, "_yingji_password_changed", False)
    if password_changed:
        ApiToken.objects.filter(user=instance).delete()
        instance._yingji_password_changed = False  # type: ignore[attr-defined]
    _audit_user(instance, created, password_changed)


def _audit_user(user: User, created: bool, password_changed: bool) -> None:
    from yingji.audit.models import Action
    from yingji.audit.signals import change_record, snapshot

    after = snapshot(user)
    before = getattr(user, "_yingji_before", None)
    user._yingji_before = None  # type: ignore[attr-defined]
    if created or before is None:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "", False)}
        action = Action.CREATE
    else:
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if password_changed:
            changes["password"] = [PASSWORD_CHANGED, PASSWORD_CHANGED]
        action = Action.UPDATE
    if not changes:
        return
    # A service that creates the user with a first membership names its place (the membership comes after).
    path = getattr(user, "_yingji_audit_path", None) or user_audit_path(user.pk)
    change_record(user, action, changes, jurisdiction_path=path).save()
