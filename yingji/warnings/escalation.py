"""A warning left waiting for approval past its deadline (the workflow's Deadline on `pending`):
the approvers over its area are told, through messaging, once. An orange or red warning that
nobody approves is a typhoon that nobody hears about.

Kept out of workflows.py's imports of services (the workflow is declared before the services
that use it); the workflows' job `workflows.deadlines` runs it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from yingji.accounts.models import Membership
from yingji.accounts.roles import role_allows
from yingji.messaging import services as messaging
from yingji.messaging.models import Topic

APPROVE = "warnings.approve"


def approval_deadline(warning: Any) -> datetime.timedelta:
    return datetime.timedelta(minutes=int(settings.YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES))


def approvers(warning: Any) -> list[int]:
    """Active accounts that may approve the warning: a role allowing it on its jurisdiction or above,
    not its composer (who may not approve their own)."""
    codes = warning.jurisdiction.path.strip("/").split("/")
    paths = ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes) + 1)]
    rows = (Membership.objects.filter(jurisdiction__path__in=paths, user__is_active=True)
            .values_list("user_id", "role").order_by("user_id"))
    found = [user for user, role in rows if role_allows(role, APPROVE) and user != warning.created_by_id]
    return list(dict.fromkeys(found))


def overdue_approval(warning: Any, now: datetime.datetime) -> None:
    """Tell the approvers that the warning has waited past its deadline (in-app, phone, SMS)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Warning awaiting approval for over %(minutes)d minutes: %(headline)s") % {
            "minutes": int(settings.YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES), "headline": warning.headline}
        body = _("%(level)s · %(place)s. Approve it or send it back.") % {
            "level": warning.get_level_display(), "place": warning.jurisdiction.name}
    messaging.send(subject=warning, jurisdiction=warning.jurisdiction, topic=Topic.WARNINGS,
                   event="warning.approval_overdue", title=title[:200], body=body,
                   payload={"url": reverse("warnings:detail", args=[warning.pk]), "warning": warning.pk},
                   recipients=approvers(warning), channels=["in_app", "push", "sms"], robots=False, now=now)
