"""A small declarative state machine for records that move through states with permissions at each step.

    # yingji/<app>/workflows.py
    from yingji.workflows.machine import Deadline, Transition, Workflow

    HAZARD = Workflow(
        "hazards.hazard", Hazard, field="status", states=HazardStatus,
        transitions=[
            Transition("assign", source=[REPORTED], target=ASSIGNED, permission="hazards.assign",
                       label=_("Assign")),
            Transition("close", source=[RECHECKED], target=CLOSED, permission="hazards.close",
                       guards=[photos_attached], label=_("Close")),
        ],
        deadlines={ASSIGNED: Deadline(after=timedelta(days=3), escalate=remind_the_street)},
    )

    HAZARD.transition(hazard, "assign", actor=user, note="…")   # locked, checked, recorded
    HAZARD.allowed(user, hazard)                               # what the buttons show

`transition()` locks the row (select_for_update), checks in this order that
the actor holds the transition's permission over the object's jurisdiction
(through core.scope: 404 when they cannot see the object, 403 when they can),
that the object is in a source state, and that every guard passes; then runs
the caller's `effect` (the step's side effects, in the same transaction),
writes the new state and a `WorkflowEvent` row (actor, time, from, to, note,
the object by generic key and its jurisdiction path), and opens or closes the
state's deadline. A transition without a permission is automatic: it is taken
as the consequence of another step that its service already checked (an
incident goes on scene when a team arrives), and never offered as a button.
`actor=None` is the system (jobs). The deadlines job (workflows/jobs.py)
escalates objects that stayed in a state too long.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

from yingji.core.scope import object_path, path_allowed
from yingji.workflows.models import WorkflowDeadline, WorkflowEvent

log = logging.getLogger(__name__)

# (jurisdiction path, name of the place) that a transition's permission must cover.
Place = tuple[str, str]
Guard = Callable[[Any], Any]  # obj -> None when it may go, else the reason (a message)
Effect = Callable[[Any], str | None]  # may answer the note to record instead of the given one

WORKFLOWS: dict[str, Workflow] = {}


@dataclass(frozen=True)
class Transition:
    """A step from one of `source` to `target`.

    - `permission`: "<app>.<action>" the actor must hold over every place of
      `where(obj)` (default: the object's jurisdiction); None makes the step
      automatic (see the module docstring).
    - `also(user, obj)`: who else may take the step (the requester of an allocation).
    - `guards`: functions of the object answering None, or why the step is not possible now.
    - `denied`: the 403 message; may name the place with %(place)s.
    - `not_after`: separation of duties — the names of earlier steps whose actor (the latest to take one
      of them on this object) may not take this one (who submitted does not approve); `not_after_denied`
      is that refusal (403).
    """

    name: str
    source: Sequence[str]
    target: str
    permission: str | None = None
    label: Any = ""
    where: Callable[[Any], list[Place]] | None = None
    also: Callable[[Any, Any], bool] | None = None
    guards: Sequence[Guard] = ()
    denied: Any = None
    style: str = "primary"
    not_after: Sequence[str] = ()
    not_after_denied: Any = None

    @property
    def automatic(self) -> bool:
        return self.permission is None


@dataclass(frozen=True)
class Deadline:
    """An object must leave a state within `after` (or `after(obj)`); then `escalate(obj, now)` runs once."""

    after: datetime.timedelta | Callable[[Any], datetime.timedelta]
    escalate: Callable[[Any, datetime.datetime], None]

    def due(self, obj: Any, since: datetime.datetime) -> datetime.datetime:
        after = self.after(obj) if callable(self.after) else self.after
        return since + after


@dataclass
class Workflow:
    """The states of one model's field and the transitions between them."""

    name: str
    model: type[models.Model]
    states: Any  # a TextChoices class
    transitions: Iterable[Transition]
    field: str = "status"
    deadlines: dict[str, Deadline] = dataclasses.field(default_factory=dict)
    # The refusal when the object is in a state the step does not start from.
    wrong_state: Any = _("This record is %(status)s; it cannot be changed that way.")
    path_of: Callable[[Any], str] = object_path

    def __post_init__(self) -> None:
        self.by_name = {t.name: t for t in self.transitions}
        values = set(self.states.values)
        for t in self.by_name.values():
            unknown = (set(t.source) | {t.target}) - values
            if unknown:
                raise ImproperlyConfigured(f"workflow {self.name}, step {t.name}: unknown states {unknown}")
        if set(self.deadlines) - values:
            raise ImproperlyConfigured(f"workflow {self.name}: deadline on an unknown state")
        known = WORKFLOWS.get(self.name)
        if known is not None and known.model is not self.model:
            raise ImproperlyConfigured(f"two workflows are named {self.name}")
        WORKFLOWS[self.name] = self

    # ------------------------------------------------------------------ reading
    def state_label(self, state: str) -> str:
        try:
            return str(self.states(state).label)
        except ValueError:
            return state

    def permitted(self, user: Any, obj: Any, step: Transition) -> tuple[bool, str]:
        """Whether `user` may take `step` on `obj` as far as permissions go; else the place refused."""
        if step.automatic:
            return False, ""
        if step.also is not None and step.also(user, obj):
            return True, ""
        places = step.where(obj) if step.where is not None else [(self.path_of(obj), str(obj))]
        for path, place in places:
            if not path_allowed(user, step.permission, path):  # type: ignore[arg-type]
                return False, place
        return True, ""

    def same_hands(self, user: Any, obj: Any, step: Transition) -> bool:
        """Whether `user` took the latest of `step.not_after` on `obj` (and so may not take `step`)."""
        if not step.not_after or not getattr(user, "pk", None):
            return False
        latest = (WorkflowEvent.objects.filter(content_type=ContentType.objects.get_for_model(obj),
                                               object_id=obj.pk, workflow=self.name,
                                               transition__in=list(step.not_after))
                  .order_by("-at", "-pk").values_list("actor_id", flat=True).first())
        return latest is not None and latest == user.pk

    def refusal(self, obj: Any, step: Transition) -> str | None:
        """Why `step` cannot be taken now (state, guards), or None."""
        state = getattr(obj, self.field)
        if state not in step.source:
            return str(self.wrong_state) % {"status": self.state_label(state)}
        for guard in step.guards:
            reason = guard(obj)
            if reason:
                return str(reason)
        return None

    def allowed(self, user: Any, obj: Any) -> list[Transition]:
        """The steps `user` may take on `obj` now, in declaration order: what views, API and buttons offer."""
        return [t for t in self.by_name.values()
                if not t.automatic and self.refusal(obj, t) is None and self.permitted(user, obj, t)[0]
                and not self.same_hands(user, obj, t)]

    # ------------------------------------------------------------------ writing
    def _ensure_permitted(self, user: Any, obj: Any, step: Transition) -> None:
        ok, place = self.permitted(user, obj, step)
        if ok:
            if self.same_hands(user, obj, step):
                raise PermissionDenied(str(step.not_after_denied or _(
                    "Separation of duties: who took the previous step may not take this one.")))
            return
        # 404 when the user cannot even see the object (the same answer as "does not exist").
        if not type(obj).objects.restrict(user, "view").filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
            raise Http404
        message = step.denied or _("You may not do this for %(place)s.")
        raise PermissionDenied(str(message) % {"place": place})

    def start(self, obj: Any, *, actor: Any, note: str = "", now: datetime.datetime | None = None) -> None:
        """Record that `obj` was created in its first state (and open that state's deadline)."""
        self.start_many([obj], actor=actor, note=note, now=now)

    def start_many(self, objs: Sequence[Any], *, actor: Any, note: str = "",
                   now: datetime.datetime | None = None) -> None:
        """`start` for objects created together (a batch of calls): one INSERT of their events."""
        now = now or timezone.now()
        WorkflowEvent.objects.bulk_create([self._event(obj, "start", "", getattr(obj, self.field), actor, note, now)
                                           for obj in objs])
        for obj in objs:
            self._deadline(obj, getattr(obj, self.field), now, opened=True)

    def transition(self, obj: Any, name: str, *, actor: Any, note: str = "", effect: Effect | None = None,
                   now: datetime.datetime | None = None, locked: bool = False, save: bool = True) -> Any:
        """Take the step `name` on `obj`; answers the object in its new state.

        `locked=True`: the caller already read `obj` with select_for_update in
        this transaction (it is not read again). `save=False`: the caller saves
        `obj` itself in the same transaction (it changes more fields). `effect(obj)`
        runs after the checks, before the new state is written; a text it
        answers is recorded as the note.
        """
        step = self.by_name.get(name)
        if step is None:
            raise ValueError(f"workflow {self.name} has no step {name!r}")
        now = now or timezone.now()
        with transaction.atomic():
            if not locked:
                current = (type(obj).objects.select_for_update()  # type: ignore[attr-defined]
                           .filter(pk=obj.pk).values_list(self.field, flat=True).get())
                setattr(obj, self.field, current)
            if actor is not None and not step.automatic:
                self._ensure_permitted(actor, obj, step)
            reason = self.refusal(obj, step)
            if reason is not None:
                raise ValidationError({self.field: reason})
            if effect is not None:
                note = effect(obj) or note
            before = getattr(obj, self.field)
            setattr(obj, self.field, step.target)
            if save:
                fields = [self.field] + (["updated_at"] if hasattr(obj, "updated_at") else [])
                obj.save(update_fields=fields)
            self._record(obj, step.name, before, step.target, actor, note, now)
            if self.deadlines and before != step.target:
                self._deadline(obj, before, now, opened=False)
                self._deadline(obj, step.target, now, opened=True)
        return obj

    def _record(self, obj: Any, step: str, before: str, after: str, actor: Any, note: str,
                now: datetime.datetime) -> None:
        self._event(obj, step, before, after, actor, note, now).save(force_insert=True)

    def _event(self, obj: Any, step: str, before: str, after: str, actor: Any, note: str,
               now: datetime.datetime) -> WorkflowEvent:
        user = actor if getattr(actor, "pk", None) else None
        return WorkflowEvent(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, workflow=self.name,
            transition=step, from_state=before, to_state=after, at=now, actor=user,
            actor_name=str(user)[:150] if user else "", note=(note or "")[:300],
            path=self.path_of(obj))

    def _deadline(self, obj: Any, state: str, now: datetime.datetime, *, opened: bool) -> None:
        deadline = self.deadlines.get(state)
        if deadline is None:
            return
        content_type = ContentType.objects.get_for_model(obj)
        if opened:
            WorkflowDeadline.objects.create(content_type=content_type, object_id=obj.pk, workflow=self.name,
                                            state=state, due_at=deadline.due(obj, now), path=self.path_of(obj))
        else:
            WorkflowDeadline.objects.filter(content_type=content_type, object_id=obj.pk, workflow=self.name,
                                            state=state).delete()

    # ------------------------------------------------------------------ history
    def history(self, obj: Any) -> list[Any]:
        """The object's steps, oldest first (WorkflowEvent rows with `label`, the new state's name)."""
        rows = list(WorkflowEvent.objects.filter(content_type=ContentType.objects.get_for_model(obj),
                                                 object_id=obj.pk, workflow=self.name).order_by("at", "pk"))
        for row in rows:
            row.label = self.state_label(row.to_state)
        return rows


def allowed_transitions(user: Any, obj: Any) -> list[Transition]:
    """The steps `user` may take on `obj` now, whatever its workflow (the one declared for its model)."""
    return workflow_for(obj).allowed(user, obj)


def workflow_for(obj: Any) -> Workflow:
    discover()
    for workflow in WORKFLOWS.values():
        if isinstance(obj, workflow.model):
            return workflow
    raise LookupError(f"no workflow is declared for {type(obj).__name__}")


def discover() -> dict[str, Workflow]:
    """Import every app's workflows.py (settings.YINGJI_APPS) and answer the workflows by name."""
    for app_module in settings.YINGJI_APPS:
        if module_has_submodule(import_module(app_module), "workflows"):
            import_module(f"{app_module}.workflows")
    return dict(WORKFLOWS)


def escalate_overdue(now: datetime.datetime, workflows: Iterable[Workflow] | None = None) -> int:
    """Escalate every deadline that passed by `now` (once each); answers how many."""
    by_name = {w.name: w for w in (discover().values() if workflows is None else workflows)}
    done = 0
    due = WorkflowDeadline.objects.filter(escalated_at__isnull=True, due_at__lte=now, workflow__in=list(by_name))
    for row in due.order_by("due_at", "pk")[:1000]:
        workflow = by_name[row.workflow]
        try:
            with transaction.atomic():
                claimed = WorkflowDeadline.objects.filter(pk=row.pk, escalated_at__isnull=True).update(
                    escalated_at=now)
                if not claimed:
                    continue  # another runner took it
                obj = workflow.model._default_manager.filter(pk=row.object_id).first()
                if obj is None or getattr(obj, workflow.field) != row.state:
                    continue  # gone, or moved on without the deadline being closed
                workflow._record(obj, "overdue", row.state, row.state, None, "", now)
                workflow.deadlines[row.state].escalate(obj, now)
                done += 1
        except Exception:  # one failing escalation is retried next time and never stops the others
            log.exception("escalating %s %s failed", row.workflow, row.object_id)
    return done
