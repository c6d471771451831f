"""The duty log (值班记录): entries written by the officers on duty, about incidents, warnings, hazards.

An entry belongs to the shift of its jurisdiction that its author stood at its time: only the
people on duty write the log (the leader and members of a shift under way, or of an earlier shift
for a late entry of the last day). What an entry is about is any row of the linkable ledgers the
author may see — incidents today, warnings and hazards once those apps are installed — linked
through a generic relation, so that no app before duty needs to know about it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.scope import ensure, ensure_in, granted_paths
from yingji.duty.models import EntryKind, LogEntry, Shift, ShiftKind
from yingji.jurisdictions.models import Jurisdiction

MAX_SUMMARY = 2000
LATE_ENTRY = datetime.timedelta(hours=24)
EARLY_ENTRY = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class Linkable:
    """A ledger whose rows a log entry may be about: `app_label.model`, how a row reads, its page."""

    model: str
    label: Any
    url_name: str
    # Field of the row's own reference number (shown and searched), or "" for the id.
    reference_field: str = ""
    # Rows issued above the author's area that also concern it, by these field values: a district's
    # released warning is forwarded and acted on by its communities, who cannot see its draft.
    from_above: tuple[tuple[str, str], ...] = ()


LINKABLE = (
    Linkable("incidents.incident", gettext_lazy("Incident"), "incidents:detail", "reference"),
    Linkable("warnings.earlywarning", gettext_lazy("Warning"), "warnings:detail", from_above=(("state", "released"),)),
    Linkable("hazards.hazard", gettext_lazy("Hazard"), "hazards:detail", "reference"),
)


def linkables() -> dict[str, tuple[Linkable, type[models.Model]]]:
    """The linkable ledgers of the installed apps, by `app_label.model`."""
    found = {}
    for item in LINKABLE:
        app_label, model_name = item.model.split(".")
        if apps.is_installed(f"yingji.{app_label}"):
            try:
                found[item.model] = (item, apps.get_model(app_label, model_name))
            except LookupError:
                continue
    return found


def _above(paths: list[str]) -> list[str]:
    """The paths of the jurisdictions strictly above these."""
    found: set[str] = set()
    for path in paths:
        codes = [c for c in path.strip("/").split("/") if c]
        found.update(f"/{'/'.join(codes[:n])}/" for n in range(1, len(codes)))
    return sorted(found)


def linkable_rows(actor: Any, item: Linkable, model: type[models.Model],
                  paths: list[str] | None = None) -> models.QuerySet[Any]:
    """The rows of a linkable ledger the actor may link to: those they see, and (`from_above`) those issued
    above their area (`paths`: the actor's duty areas by default) that concern it."""
    rows = model.objects.visible_to(actor)  # type: ignore[attr-defined]
    if not item.from_above:
        return rows
    above = _above(paths if paths is not None else granted_paths(actor, "duty.add_logentry"))
    return model._default_manager.filter(Q(pk__in=rows.values("pk")) | Q(jurisdiction__path__in=above,
                                                                         **dict(item.from_above)))


def subject_key(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}:{obj.pk}"


def resolve_subject(actor: Any, key: str) -> models.Model | None:
    """"incidents.incident:42" → the row, when the actor may see it; ValidationError naming `subject` else."""
    if not key:
        return None
    kind, _sep, pk = key.partition(":")
    known = linkables()
    if kind not in known or not pk.isdigit():
        raise ValidationError({"subject": _("Link to an incident, a warning or a hazard.")})
    item, model = known[kind]
    obj = linkable_rows(actor, item, model).filter(pk=int(pk)).first()
    if obj is None:
        raise ValidationError({"subject": _("No such record in your area.")})
    return obj


def subject_text(obj: models.Model) -> str:
    return str(obj)[:200]


def duty_shift_of(user: Any, jurisdiction: Jurisdiction, at: datetime.datetime) -> Shift | None:
    """The shift of `jurisdiction` that `user` stands (as leader or member) at `at`, regular first."""
    shifts = (Shift.objects.filter(jurisdiction=jurisdiction, starts_at__lte=at, ends_at__gt=at)
              .filter(Q(leader=user) | Q(staff__user=user)).distinct())
    return min(shifts, key=lambda s: (s.kind != ShiftKind.REGULAR, s.starts_at), default=None)


@transaction.atomic
def add_entry(*, actor: Any, jurisdiction: Jurisdiction, kind: str, summary: str,
              at: datetime.datetime | None = None, subject: models.Model | None = None,
              now: datetime.datetime | None = None) -> LogEntry:
    """Write a line of the duty log of `jurisdiction` as one of its officers on duty."""
    ensure_in(actor, "duty.add_logentry", jurisdiction.path)
    now = now or timezone.now()
    at = at or now
    errors: dict[str, str] = {}
    if kind not in EntryKind.values:
        errors["kind"] = _("Choose one of: %(choices)s.") % {"choices": "、".join(str(x) for x in EntryKind.labels)}
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = _("This field is required.")
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = _("At most %(n)s characters.") % {"n": MAX_SUMMARY}
    if at > now + EARLY_ENTRY:
        errors["at"] = _("An entry cannot be written ahead of time.")
    elif at < now - LATE_ENTRY:
        errors["at"] = _("Entries can be added for the last 24 hours only.")
    if errors:
        raise ValidationError(errors)
    shift = duty_shift_of(actor, jurisdiction, at)
    if shift is None:
        raise ValidationError({"at": _("You are not on duty in %(place)s at that time: the duty log is written by "
                                       "the officers on duty.") % {"place": jurisdiction.name}})
    entry = LogEntry(jurisdiction=jurisdiction, shift=shift, at=at, kind=kind, summary=summary, author=actor,
                     author_name=str(actor)[:100])
    _link(entry, subject)
    entry.save()
    return entry


def _link(entry: LogEntry, subject: models.Model | None) -> None:
    if subject is None:
        entry.subject_type, entry.subject_id, entry.subject_label = None, None, ""
        return
    entry.subject_type = ContentType.objects.get_for_model(type(subject))
    entry.subject_id = subject.pk
    entry.subject_label = subject_text(subject)


@transaction.atomic
def update_entry(entry: LogEntry, *, actor: Any, kind: str | None = None, summary: str | None = None,
                 subject: models.Model | None | str = "keep", now: datetime.datetime | None = None) -> LogEntry:
    """Correct an entry: its author may, for the last 24 hours."""
    ensure(actor, "change", entry)
    now = now or timezone.now()
    if entry.author_id != actor.pk:
        raise ValidationError({"summary": _("Only the officer who wrote an entry may correct it.")})
    if entry.at < now - LATE_ENTRY:
        raise ValidationError({"summary": _("Entries older than 24 hours are a record and cannot be changed.")})
    if kind is not None:
        if kind not in EntryKind.values:
            raise ValidationError({"kind": _("Unknown kind.")})
        entry.kind = kind
    if summary is not None:
        summary = summary.strip()
        if not summary or len(summary) > MAX_SUMMARY:
            raise ValidationError({"summary": _("Write 1 to %(n)s characters.") % {"n": MAX_SUMMARY}})
        entry.summary = summary
    if subject != "keep":
        _link(entry, subject)  # type: ignore[arg-type]
    entry.save()
    return entry


def recent_subjects(actor: Any, jurisdiction: Jurisdiction, *, now: datetime.datetime | None = None,
                    days: int = 3, limit: int = 30) -> list[tuple[str, str]]:
    """(key, label) of recent rows of the linkable ledgers in the jurisdiction's subtree, for the form's choice."""
    now = now or timezone.now()
    choices: list[tuple[str, str]] = []
    for name, (item, model) in linkables().items():
        queryset = linkable_rows(actor, item, model, [jurisdiction.path])
        if item.from_above:
            queryset = queryset.filter(Q(jurisdiction__path__startswith=jurisdiction.path)
                                       | Q(jurisdiction__path__in=_above([jurisdiction.path])))
        else:
            queryset = queryset.in_subtree(jurisdiction.path)
        queryset = queryset.filter(created_at__gte=now - datetime.timedelta(days=days)).order_by("-created_at")
        for obj in queryset[:limit]:
            choices.append((f"{name}:{obj.pk}", f"{item.label} · {subject_text(obj)}"))
    return choices


def entries_about(subject: models.Model) -> models.QuerySet[LogEntry]:
    """The log entries about one row (shown on its page, scoped by the caller)."""
    return LogEntry.objects.filter(subject_type=ContentType.objects.get_for_model(type(subject)),
                                   subject_id=subject.pk)
