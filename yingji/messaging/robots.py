"""Robot targets: the duty groups' WeChat Work and DingTalk robots and other systems' webhooks.

A target belongs to a jurisdiction and subscribes to topics; it hears every
message of those topics about its jurisdiction's subtree. Intake sends a
robot message for every incident, hundreds a second at peak, so whether any
target listens over a place is answered from a per-process index without a
query (`listening`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from yingji.core.outbound import url_problem
from yingji.core.scope import ensure, ensure_in
from yingji.jurisdictions.models import Jurisdiction
from yingji.messaging.models import RobotFormat, RobotTarget, Topic


class _TargetIndex:
    """The codes of the jurisdictions that have a robot target (active or not), per process,
    so that an intake with no robot listening asks the database nothing.

    Rebuilt at once when this process saves or deletes a target or a
    jurisdiction (signals), and when the targets' version (count, last update,
    last id) changed in another process, checked at most every RECHECK_S
    seconds. Whether a target is active and its topics are read with the targets.
    """

    RECHECK_S = 2.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: frozenset[str] | None = None
        self.version: tuple | None = None
        self.checked = 0.0

    @staticmethod
    def _version() -> tuple:
        row = RobotTarget.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
        return (row["n"], row["last"], row["top"])

    def codes_with_targets(self) -> frozenset[str]:
        codes = self.codes
        if codes is not None and time.monotonic() - self.checked < self.RECHECK_S:
            return codes
        version = self._version()
        with self.lock:
            if self.codes is None or self.version != version:
                self.codes = frozenset(RobotTarget.objects.values_list("jurisdiction__code", flat=True))
                self.version = version
            # A transaction may still roll back what it read: then check again next time.
            self.checked = -self.RECHECK_S if connection.in_atomic_block else time.monotonic()
            return self.codes

    def forget(self) -> None:
        with self.lock:
            self.codes = None


target_index = _TargetIndex()


@receiver(post_save, sender=RobotTarget)
@receiver(post_delete, sender=RobotTarget)
@receiver(post_save, sender=Jurisdiction)
@receiver(post_delete, sender=Jurisdiction)
def _targets_changed(**kwargs: Any) -> None:
    target_index.forget()


def _codes_above(jurisdiction: Any) -> list[str]:
    return jurisdiction.path.strip("/").split("/")


def listening(jurisdiction: Any, topic: str) -> list[RobotTarget]:
    """The active targets subscribed to `topic` at `jurisdiction` or above it."""
    codes = _codes_above(jurisdiction)
    if target_index.codes_with_targets().isdisjoint(codes):
        return []
    paths = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
    return [t for t in RobotTarget.objects.filter(is_active=True, jurisdiction__path__in=paths).order_by("pk")
            if topic in (t.topics or [])]


def anyone_listening(jurisdiction: Any, topic: str) -> bool:
    """Cheap check before composing a robot message (no query while no target exists over the place)."""
    if target_index.codes_with_targets().isdisjoint(_codes_above(jurisdiction)):
        return False
    return bool(listening(jurisdiction, topic))


# --------------------------------------------------------------- the ledger
def _clean(format: str, url: str, topics: list[str] | None) -> list[str]:
    errors: dict[str, str] = {}
    if format not in RobotFormat.values:
        errors["format"] = _("Unknown format.")
    problem = url_problem(url)
    if problem:
        errors["url"] = problem
    topics = list(dict.fromkeys(topics or []))
    if any(t not in Topic.values for t in topics):
        errors["topics"] = _("Unknown topic.")
    if errors:
        raise ValidationError(errors)
    return topics


def create_target(*, actor: Any, jurisdiction: Any, name: str, format: str, url: str, secret: str = "",
                  topics: list[str] | None = None, is_active: bool = True) -> RobotTarget:
    """A robot or system that hears the messages of `topics` about a jurisdiction's subtree."""
    ensure_in(actor, "messaging.add_robottarget", jurisdiction.path)
    topics = _clean(format, url, topics)
    if not name.strip():
        raise ValidationError({"name": _("This field is required.")})
    return RobotTarget.objects.create(jurisdiction=jurisdiction, name=name.strip(), format=format, url=url.strip(),
                                      secret=secret, topics=topics, is_active=is_active)


def update_target(target: RobotTarget, *, actor: Any, jurisdiction: Any, name: str, format: str, url: str,
                  secret: str | None = None, topics: list[str] | None = None, is_active: bool = True) -> RobotTarget:
    """Change a target; `secret=None` keeps the stored one (the edit form never shows it)."""
    ensure(actor, "change", target)
    if jurisdiction.pk != target.jurisdiction_id:
        ensure_in(actor, "messaging.change_robottarget", jurisdiction.path)
    topics = _clean(format, url, topics)
    if not name.strip():
        raise ValidationError({"name": _("This field is required.")})
    target.jurisdiction, target.name, target.format, target.url = jurisdiction, name.strip(), format, url.strip()
    target.topics, target.is_active = topics, is_active
    if secret is not None:
        target.secret = secret
    target.save()
    return target


def delete_target(target: RobotTarget, *, actor: Any) -> None:
    """Remove a target; its delivery rows go with it."""
    ensure(actor, "delete", target)
    target.delete()
