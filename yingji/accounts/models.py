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


@receiver(pre_save, sender=User, dispatch_uid="yingji.accounts.password_changed")
def _note_password_change(sender: type, instance: User, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._yingji_password_changed = stored is not None and stored != instance.password  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="yingji.accounts.revoke_tokens")
def _revoke_tokens_on_password_change(sender: type, instance: User, created: bool = False, **kwargs: Any) -> None:
    """A new password ends every API token of the user: whoever learnt the old one may have made them."""
    if getattr(instance, "_yingji_password_changed", False):
        ApiToken.objects.filter(user=instance).delete()
        instance._yingji_password_changed = False  # type: ignore[attr-defined]
