"""What the duty pages share: looking rows up within the user's scope, people shown with the masking gate."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from yingji.accounts.services import primary_jurisdiction
from yingji.core.masking import phone_for
from yingji.duty.models import Shift
from yingji.duty.services.now import DutyShift, Person, Post
from yingji.duty.services.rosters import DUTY_LEVELS
from yingji.jurisdictions.models import Jurisdiction


def post_or_404(request: HttpRequest, code: str) -> Jurisdiction:
    """A command centre (district, street, community) the user may see."""
    return get_object_or_404(Jurisdiction.objects.visible_to(request.user).filter(level__in=DUTY_LEVELS), code=code)


def shift_or_404(request: HttpRequest, pk: int) -> Shift:
    return get_object_or_404(Shift.objects.visible_to(request.user).select_related("jurisdiction", "leader"), pk=pk)


def home_post(user: Any) -> Jurisdiction | None:
    """The command centre a user works at: their outermost assignment, a grid's community."""
    place = primary_jurisdiction(user)
    while place is not None and place.level not in DUTY_LEVELS:
        place = place.parent
    return place


def person_row(user: Any, person: Person, path: str) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "phone": phone_for(user, person.phone, path)}


def shift_rows(user: Any, shifts: tuple[DutyShift, ...] | list[DutyShift], path: str) -> list[dict[str, Any]]:
    """Shifts under way as rows of a page: phones through the masking gate for the viewer."""
    return [{"shift": s, "leader": person_row(user, s.leader, path),
             "members": [person_row(user, m, path) for m in s.members]} for s in shifts]


def post_rows(user: Any, posts: list[Post]) -> list[dict[str, Any]]:
    return [{"post": p, "shifts": shift_rows(user, p.shifts, p.path)} for p in posts]


def step_buttons(steps: list[Any], url_name: str, pk: int) -> list[dict[str, Any]]:
    """The workflow steps a user may take now (Workflow.allowed), with the URL each button posts to."""
    return [{"name": t.name, "label": t.label, "style": t.style, "url": reverse(url_name, args=[pk, t.name])}
            for t in steps]
