"""API of plans: /api/v1/plans/.

    /plans[/{id}]                 list, create, read, change (a draft)
    /plans/{id}/steps             the disposal card: read, replace (PUT, a draft)
    /plans/{id}/actions           the approval steps you may take now
    /plans/{id}/actions/{step}    submit, approve, return, revise
    /plans/{id}/events            the approval history
    /plans/{id}/versions          every approved version with what changed
    /plans/{id}/attachments[/{a}] list, upload (multipart "file"), delete; the file itself at /plans/attachments/{a}/
    /incidents/{id}/checklist     the card copied onto an incident; …/checklist/{item}/tick ticks a step

Every answer is built from the caller's scope; out of scope answers 404.
"""

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.core.api import ErrorOut, ListFilters, Pagination, apply_list_filters, request_user
from yingji.incidents.models import Incident
from yingji.jurisdictions.models import Jurisdiction
from yingji.plans import attachments, checklists, services
from yingji.plans.models import CardStep, ChecklistItem, Plan, PlanAttachment, PlanKind, PlanStatus, WhoKind
from yingji.plans.workflows import PLAN

router = Router(tags=["plans"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class StepSchema(Schema):
    what: str
    who_kind: WhoKind
    who: str = ""
    how: str = ""
    time_limit_minutes: int | None = None


class PlanStepOut(StepSchema):
    order: int
    who_label: str


class PlanIn(Schema):
    jurisdiction: str
    title: str
    kind: PlanKind
    incident_types: list[str] = []
    enterprise: str = ""
    review_due: datetime.date | None = None
    summary: str = ""


class PlanPatch(Schema):
    title: str | None = None
    kind: PlanKind | None = None
    incident_types: list[str] | None = None
    enterprise: str | None = None
    review_due: datetime.date | None = None
    summary: str | None = None


class PlanOut(Schema):
    id: int
    jurisdiction: str
    jurisdiction_name: str
    title: str
    kind: str
    level: str
    enterprise: str
    incident_types: list[str]
    version: int
    review_due: datetime.date | None
    status: str
    approved_at: datetime.datetime | None
    updated_at: datetime.datetime


class PlanDetailOut(PlanOut):
    summary: str
    steps: list[PlanStepOut]


class ActionOut(Schema):
    name: str
    label: str


class PlanNoteIn(Schema):
    note: str = ""


class PlanEventOut(Schema):
    transition: str
    from_state: str
    to_state: str
    at: datetime.datetime
    actor_name: str
    note: str


def _out(plan: Plan) -> dict[str, Any]:
    return {"id": plan.pk, "jurisdiction": plan.jurisdiction.code, "jurisdiction_name": plan.jurisdiction.name,
            "title": plan.title, "kind": plan.kind, "level": plan.level, "enterprise": plan.enterprise,
            "incident_types": plan.incident_types, "version": plan.version, "review_due": plan.review_due,
            "status": plan.status, "approved_at": plan.approved_at, "updated_at": plan.updated_at}


def _step_out(step: CardStep) -> dict[str, Any]:
    who = {WhoKind.ROLE: step.who_role, WhoKind.TEAM_KIND: step.who_team_kind}.get(
        step.who_kind, step.who_team.code if step.who_team else "")
    return {"order": step.order, "what": step.what, "who_kind": step.who_kind, "who": who,
            "who_label": step.who_label(), "how": step.how, "time_limit_minutes": step.time_limit_minutes}


def _detail(plan: Plan) -> dict[str, Any]:
    steps = plan.steps.select_related("who_team").order_by("order")
    return {**_out(plan), "summary": plan.summary, "steps": [_step_out(s) for s in steps]}


def _plan(request: HttpRequest, plan_id: int) -> Plan:
    return get_object_or_404(Plan.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=plan_id)


@router.get("/plans", response=list[PlanOut])
@paginate(Pagination)
def plans(request: HttpRequest, filters: Query[ListFilters], kind: PlanKind | None = None,
          status: PlanStatus | None = None, incident_type: str | None = None):  # type: ignore[no-untyped-def]
    queryset = Plan.objects.visible_to(request_user(request)).select_related("jurisdiction")
    queryset = apply_list_filters(queryset, filters, search_fields=("title", "enterprise"))
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    rows = [_out(p) for p in queryset.order_by("jurisdiction__path", "title")]
    # JSON containment differs between SQLite and PostgreSQL; the list is short, filter it here.
    return [r for r in rows if incident_type in r["incident_types"]] if incident_type else rows


@router.post("/plans", response={201: PlanDetailOut, **ERRORS})
def create_plan(request: HttpRequest, payload: PlanIn) -> Any:
    data = payload.dict()
    jurisdiction = get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)),
                                     code=data.pop("jurisdiction"))
    plan = services.create_plan(actor=request_user(request), jurisdiction=jurisdiction, **data)
    return Status(201, _detail(plan))


@router.get("/plans/{plan_id}", response={200: PlanDetailOut, 404: ErrorOut})
def plan_detail(request: HttpRequest, plan_id: int) -> Any:
    return _detail(_plan(request, plan_id))


@router.patch("/plans/{plan_id}", response={200: PlanDetailOut, **ERRORS})
def change_plan(request: HttpRequest, plan_id: int, payload: PlanPatch) -> Any:
    changes = payload.dict(exclude_unset=True)
    plan = services.update_plan(_plan(request, plan_id), actor=request_user(request), **changes)
    return _detail(plan)


@router.get("/plans/{plan_id}/steps", response={200: list[PlanStepOut], 404: ErrorOut})
def plan_steps(request: HttpRequest, plan_id: int) -> Any:
    return _detail(_plan(request, plan_id))["steps"]


@router.put("/plans/{plan_id}/steps", response={200: list[PlanStepOut], **ERRORS})
def replace_steps(request: HttpRequest, plan_id: int, payload: list[StepSchema]) -> Any:
    plan = _plan(request, plan_id)
    services.set_steps(plan, [services.StepIn(**s.dict()) for s in payload], actor=request_user(request))
    return _detail(plan)["steps"]


@router.get("/plans/{plan_id}/actions", response={200: list[ActionOut], 404: ErrorOut})
def plan_actions(request: HttpRequest, plan_id: int) -> Any:
    """The approval steps you may take on this plan now (what the buttons offer)."""
    plan = _plan(request, plan_id)
    return [{"name": t.name, "label": str(t.label)} for t in PLAN.allowed(request_user(request), plan)]


@router.post("/plans/{plan_id}/actions/{step}", response={200: PlanDetailOut, **ERRORS})
def take_action(request: HttpRequest, plan_id: int, step: str, payload: PlanNoteIn) -> Any:
    plan = _plan(request, plan_id)
    if step not in services.STEPS:
        raise Http404
    plan = services.take_step(plan, step, actor=request_user(request), note=payload.note)
    return _detail(Plan.objects.select_related("jurisdiction").get(pk=plan.pk))


@router.get("/plans/{plan_id}/events", response={200: list[PlanEventOut], 404: ErrorOut})
def plan_events(request: HttpRequest, plan_id: int) -> Any:
    """Every approval step: who, when, from which state to which, the note."""
    return PLAN.history(_plan(request, plan_id))


class ChecklistItemOut(Schema):
    id: int
    plan: int
    plan_version: int
    order: int
    what: str
    who: str
    how: str
    due_at: datetime.datetime | None
    done_at: datetime.datetime | None
    done_by: str


def _item_out(item: ChecklistItem) -> dict[str, Any]:
    return {"id": item.pk, "plan": item.plan_id, "plan_version": item.plan_version, "order": item.order,
            "what": item.what, "who": item.who_display, "how": item.how, "due_at": item.due_at, "done_at": item.done_at,
            "done_by": str(item.done_by) if item.done_by else ""}


@router.get("/incidents/{incident_id}/checklist", response={200: list[ChecklistItemOut], 404: ErrorOut})
def incident_checklist(request: HttpRequest, incident_id: int) -> Any:
    """The incident's checklist (empty when no approved plan covered it when it opened)."""
    incident = get_object_or_404(Incident.objects.visible_to(request_user(request)), pk=incident_id)
    items = ChecklistItem.objects.filter(incident=incident).select_related("done_by", "who_team").order_by("order")
    return [_item_out(i) for i in items]


@router.post("/incidents/{incident_id}/checklist/{item_id}/tick", response={200: ChecklistItemOut, **ERRORS})
def tick_item(request: HttpRequest, incident_id: int, item_id: int) -> Any:
    item = get_object_or_404(ChecklistItem.objects.visible_to(request_user(request))
                             .select_related("incident__jurisdiction"), pk=item_id, incident_id=incident_id)
    return _item_out(checklists.tick(item, actor=request_user(request)))


class PlanChangeOut(Schema):
    field: str
    before: Any = None
    after: Any = None


class VersionOut(Schema):
    version: int
    title: str
    kind: str
    incident_types: list[str]
    review_due: datetime.date | None
    summary: str
    steps: list[dict[str, Any]]
    changes: list[PlanChangeOut]
    approved_at: datetime.datetime
    approved_by: str


@router.get("/plans/{plan_id}/versions", response={200: list[VersionOut], 404: ErrorOut})
def plan_versions(request: HttpRequest, plan_id: int) -> Any:
    """Every approved version, newest first, as approved, with what changed since the one before."""
    plan = _plan(request, plan_id)
    return [{"version": v.version, "title": v.title, "kind": v.kind, "incident_types": v.incident_types,
             "review_due": v.review_due, "summary": v.summary, "steps": v.steps, "changes": v.changes,
             "approved_at": v.approved_at, "approved_by": str(v.approved_by) if v.approved_by else ""}
            for v in plan.versions.select_related("approved_by").order_by("-version")]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size_bytes: int
    uploaded_at: datetime.datetime
    url: str


def _attachment_out(row: PlanAttachment) -> dict[str, Any]:
    return {"id": row.pk, "name": row.name, "content_type": row.content_type, "size_bytes": row.size_bytes,
            "uploaded_at": row.created_at, "url": f"/plans/attachments/{row.pk}/"}


@router.get("/plans/{plan_id}/attachments", response={200: list[AttachmentOut], 404: ErrorOut})
def plan_attachments(request: HttpRequest, plan_id: int) -> Any:
    return [_attachment_out(a) for a in _plan(request, plan_id).attachments.order_by("created_at", "pk")]


@router.post("/plans/{plan_id}/attachments", response={201: AttachmentOut, **ERRORS})
def add_attachment(request: HttpRequest, plan_id: int, file: File[UploadedFile]) -> Any:
    """Attach a PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file (size and type checked from its bytes)."""
    row = attachments.attach(_plan(request, plan_id), file, actor=request_user(request))
    return Status(201, _attachment_out(row))


@router.delete("/plans/{plan_id}/attachments/{attachment_id}", response={204: None, **ERRORS})
def delete_attachment(request: HttpRequest, plan_id: int, attachment_id: int) -> Any:
    plan = _plan(request, plan_id)
    row = get_object_or_404(PlanAttachment.objects.filter(plan=plan), pk=attachment_id)
    attachments.remove(row, actor=request_user(request))
    return Status(204, None)
