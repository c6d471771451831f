"""How API calls authenticate: bearer tokens (scripts, external platforms) and the browser session."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from yingji.accounts.models import ApiToken, User, hash_token
from yingji.core.prepared import Prepared


def _token_lookup(key_hash: str) -> Any:
    user_fields = [f.name for f in User._meta.concrete_fields]
    return (ApiToken.objects.filter(key_hash=key_hash)
            .values_list("pk", "expires_at", "last_used_at", *(f"user__{name}" for name in user_fields))[:1])


# Every API call by an external platform starts here: the lookup is compiled once (see core/prepared.py).
TOKEN_WITH_USER = Prepared(_token_lookup, "\x01hash", convert=True)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer yj_…` for scripts and external platforms."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        rows = TOKEN_WITH_USER.rows(hash_token(token))
        if not rows:
            return None
        token_id, expires_at, last_used_at, *user_values = rows[0]
        now = timezone.now()
        if expires_at is not None and expires_at <= now:
            return None
        user = User.from_db(DEFAULT_DB_ALIAS, [f.attname for f in User._meta.concrete_fields], user_values)
        if not user.is_active:
            return None
        # Write the last-use time at most once a minute, not on every request.
        if last_used_at is None or now - last_used_at > datetime.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        request.user = user
        return user


class WebSession(SessionAuth):
    """The browser's session (with CSRF on unsafe methods), for htmx and the map pages."""


AUTH = [TokenAuth(), WebSession()]


