"""Web Push subscriptions: a phone that agreed to show this user's notifications registers here.

The endpoint comes from the browser (its push service's URL); since a user
could type any address there, it passes the outbound guard like a robot's
URL (core/outbound.py), when registered and again when posted to.
"""

from __future__ import annotations

import string
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from yingji.core.outbound import url_problem
from yingji.messaging.models import PushSubscription

#: A key of the subscription (p256dh, auth): base64url, as the browser encodes it.
KEY_PATTERN = "^[A-Za-z0-9_=-]+$"
KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_=-")


def subscribe(user: Any, *, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> PushSubscription:
    """Register (or move to this user) a browser's subscription."""
    errors: dict[str, str] = {}
    endpoint = (endpoint or "").strip()
    problem = url_problem(endpoint) if endpoint else _("This field is required.")
    if problem:
        errors["endpoint"] = problem
    elif len(endpoint) > 1000:
        errors["endpoint"] = _("At most %(n)s characters.") % {"n": 1000}
    for field, value, size in (("keys.p256dh", p256dh, 200), ("keys.auth", auth, 100)):
        if not value or len(value) > size or not set(value) <= KEY_CHARACTERS:
            errors[field] = _("Enter the key the browser gave (base64url).")
    if errors:
        raise ValidationError(errors)
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]})
    return subscription


def unsubscribe(user: Any, endpoint: str) -> int:
    """Forget the user's subscription at this endpoint (the browser withdrew it); answers how many."""
    return PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()[0]


def page_config() -> dict[str, Any]:
    """What push.js needs on a page (json_script "yingji-push"): the public key, where to register, texts."""
    return {"key": settings.YINGJI_VAPID_PUBLIC_KEY, "url": reverse("api:messaging_push_subscribe"),
            "text": {"on": _("Notifications are on for this phone."),
                     "denied": _("Notifications are blocked in this browser's settings."),
                     "unsupported": _("This browser cannot show notifications."),
                     "failed": _("Could not turn notifications on.")}}
