"""Safe retries of API writes: the `Idempotency-Key` header.

A client that did not hear the answer to a write (a dropped connection, a crash,
a phone that lost signal) sends it again with the same `Idempotency-Key`. The
first request runs and its answer is kept with the key (`core.IdempotentRequest`)
in the same transaction as the write itself, so either both are stored or
neither; the same key from the same user again is answered from the kept answer
— same status, same body — without running the write again. The same key with
another request (another path or body) is refused (422, field `Idempotency-Key`).
Only successful answers are kept: a refused write changed nothing, and may be
sent again. Two copies arriving at once: the unique key makes the second wait
for the first and then answer from it (its own write is rolled back).

Apply it to an API operation with `@decorate_view(idempotent)` (ninja.decorators)
below the route decorator; every stock-moving endpoint of supplies and the
incident close-out (which issues the materials used) do. Incident intake keeps
its own key on the incident (an external platform's call id, see
incidents.services.intake), which batch intake and deduplication need.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from yingji.core.models import IdempotentRequest

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class _Refused(Exception):
    """Rolls the request's transaction back while keeping its (error) answer."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path(), ""):
        digest.update(part.encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(kept: IdempotentRequest, print_: str, refuse: Callable[[str], HttpResponse]) -> HttpResponse:
    if kept.fingerprint != print_:
        return refuse(_("This Idempotency-Key was already used for another request; use a new key."))
    response = HttpResponse(bytes(kept.body), status=kept.status, content_type=kept.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a Ninja operation's `run` (see the module docstring)."""
    operation = run.__self__  # type: ignore[attr-defined]

    @wraps(run)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        key = (request.headers.get(HEADER) or "").strip()
        if not key:
            return run(request, **kwargs)

        def refuse(message: str) -> HttpResponse:
            from yingji.core.api import error_body

            return operation.api.create_response(  # type: ignore[no-any-return]
                request, error_body(message, "invalid", [{"field": HEADER, "message": message}]), status=422)

        if len(key) > MAX_KEY_LENGTH:
            return refuse(_("An Idempotency-Key has at most %(n)s characters.") % {"n": MAX_KEY_LENGTH})
        # The key is the user's own: authenticate first (Ninja authenticates again inside run, cheaply).
        unauthenticated = operation._run_authentication(request)
        if unauthenticated is not None:
            return unauthenticated
        user_id = request.auth.pk  # type: ignore[attr-defined]
        print_ = fingerprint(request)
        try:
            with transaction.atomic():
                kept = IdempotentRequest.objects.select_for_update().filter(user_id=user_id, key=key).first()
                if kept is not None:
                    return _replay(kept, print_, refuse)
                response = run(request, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _Refused(response)
                IdempotentRequest.objects.create(user_id=user_id, key=key, fingerprint=print_,
                                                 status=response.status_code, body=response.content,
                                                 content_type=response.get("Content-Type", "application/json"))
                return response
        except _Refused as refused:
            return refused.response
        except IntegrityError:
            # The same key arrived twice at once: the first one's write stands, this one's was rolled back.
            kept = IdempotentRequest.objects.filter(user_id=user_id, key=key).first()
            if kept is None:
                raise
            log.info("Idempotency-Key %r of user %s: a concurrent copy answered from the first", key, user_id)
            return _replay(kept, print_, refuse)

    return wrapper


def forget(now: datetime) -> dict[str, int]:
    """Delete kept answers older than YINGJI_IDEMPOTENCY_HOURS (the job core.forget_idempotent_requests)."""
    cutoff = now - timedelta(hours=settings.YINGJI_IDEMPOTENCY_HOURS)
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return {"deleted": deleted}
