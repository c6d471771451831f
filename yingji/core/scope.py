"""The one scope rule: who sees and changes which rows.

A user sees a row when the row's jurisdiction lies in the subtree of a
jurisdiction where one of the user's memberships grants the permission; what
they may change depends on the role (see accounts/roles.py). Every list, detail,
API endpoint, export and import lookup starts from `Model.objects.restrict()`
(`visible_to`/`editable_by`), and writes call `ensure()` on the object.

A scoped model declares `scope_path = "<lookup to a Jurisdiction.path>"`, for
example `"jurisdiction__path"` or `"team__jurisdiction__path"`.

Core comes first in settings.YINGJI_APPS and imports no app: the role table and
where memberships are kept belong to accounts, which hands them over when it
is ready (`use_roles`, called by accounts/apps.py).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from functools import reduce
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from yingji.core.prepared import Prepared

ROOT_PATH = "/"
# Actions that are per model; any other action word (dispatch, approve_allocation) is per app.
MODEL_ACTIONS = frozenset({"view", "add", "change", "delete", "import", "export"})


def perm_name(model: type[models.Model], action: str) -> str:
    """'view' on Station -> 'resources.view_station'; 'dispatch' -> 'incidents.dispatch'."""
    if "." in action:
        return action
    if action in MODEL_ACTIONS:
        return f"{model._meta.app_label}.{action}_{model._meta.model_name}"
    return f"{model._meta.app_label}.{action}"


RoleRule = Callable[[str, str], bool]  # (role, permission) -> allowed
MembershipRows = Callable[[int], Any]  # user id -> queryset of (role, jurisdiction path)
_roles: dict[str, Any] = {}


def use_roles(role_allows: RoleRule, membership_rows: MembershipRows) -> None:
    """Take the role table and the memberships' query from accounts (its AppConfig.ready)."""
    _roles.update(allows=role_allows, rows=membership_rows)


def _rule(name: str) -> Any:
    try:
        return _roles[name]
    except KeyError:
        raise ImproperlyConfigured("no role table: yingji.accounts is not installed") from None


def _membership_rows(user_id: int) -> Any:
    return _rule("rows")(user_id)


# Read on every request that checks a permission: compiled once (see core/prepared.py).
MEMBERSHIPS = Prepared(_membership_rows, 987654321)


def _memberships(user: Any) -> list[tuple[str, str]]:
    cached = getattr(user, "_yingji_memberships", None)
    if cached is None:
        cached = list(MEMBERSHIPS.rows(user.pk))
        user._yingji_memberships = cached
    return cached


def granted_paths(user: Any, perm: str) -> list[str]:
    """Jurisdiction paths under which `user` holds `perm`, outermost only.

    This is the only place where the superuser bypass lives.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return [ROOT_PATH]
    allows = _rule("allows")
    paths = sorted({path for role, path in _memberships(user) if allows(role, perm)})
    outermost: list[str] = []
    for path in paths:
        if not under_any(path, outermost):
            outermost.append(path)
    return outermost


def has_perm_somewhere(user: Any, perm: str) -> bool:
    return bool(granted_paths(user, perm))


def object_path(obj: models.Model) -> str:
    """Follow the model's `scope_path` lookup on an instance."""
    value: Any = obj
    for part in type(obj).scope_path.split("__"):  # type: ignore[attr-defined]
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def under_any(path: str, granted: Iterable[str]) -> bool:
    """Whether `path` lies in the subtree of one of these granted paths (materialised paths nest by prefix)."""
    return bool(path) and any(path.startswith(p) for p in granted)


def path_allowed(user: Any, perm: str, path: str) -> bool:
    return under_any(path, granted_paths(user, perm))


def can(user: Any, action: str, obj: models.Model) -> bool:
    return path_allowed(user, perm_name(type(obj), action), object_path(obj))


def ensure(user: Any, action: str, obj: models.Model) -> None:
    """Refuse a write: 404 when the user cannot even see the row, else 403."""
    if can(user, action, obj):
        return
    if not can(user, "view", obj):
        raise Http404
    raise PermissionDenied


def ensure_in(user: Any, perm: str, path: str) -> None:
    """Refuse creating or moving something into a jurisdiction the user may not act in."""
    if not path_allowed(user, perm, path):
        raise PermissionDenied


class ScopedQuerySet(models.QuerySet):
    """QuerySet with the scope rule; the manager of every scoped model."""

    def restrict(self, user: Any, action: str = "view") -> ScopedQuerySet:
        paths = granted_paths(user, perm_name(self.model, action))
        if not paths:
            return self.none()
        if ROOT_PATH in paths:
            return self
        lookup = f"{self.model.scope_path}__startswith"  # type: ignore[attr-defined]
        return self.filter(reduce(operator.or_, (Q(**{lookup: p}) for p in paths)))

    def visible_to(self, user: Any) -> ScopedQuerySet:
        return self.restrict(user, "view")

    def editable_by(self, user: Any) -> ScopedQuerySet:
        return self.restrict(user, "change")

    def in_subtree(self, path: str) -> ScopedQuerySet:
        """Rows under one jurisdiction (the `jurisdiction=` filter of lists)."""
        return self.filter(**{f"{self.model.scope_path}__startswith": path})  # type: ignore[attr-defined]
