"""API of drills: /api/v1/drills/.

    /drills[/{id}]                    list (year, scope, type), record, read, change
    /drills/{id}/follow-ups           add a follow-up; /follow-ups/{id}/done, /follow-ups/{id}/hazard opens a hazard
    /rules[/{id}]                     the frequency rules: list, file, change the minimum, delete
    /compliance?year=&area=           per street and community: held, required, due before the year ends, behind
    /compliance.xlsx?year=&area=      the same as Excel

Every answer is built from the caller's scope; out of scope answers 404.
"""


import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.core.api import ErrorOut, ListFilters, Pagination, Year, apply_list_filters, request_user
from yingji.core.files import xlsx_response
from yingji.drills import compliance, exports, services
from yingji.drills.models import Drill, DrillRule, DrillScope, DrillType, FollowUp, KeyField, RuleTarget
from yingji.jurisdictions.models import Jurisdiction
from yingji.plans.models import Plan

router = Router(tags=["drills"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class DrillIn(Schema):
    jurisdiction: str
    title: str
    drill_type: DrillType
    scope: DrillScope
    key_field: KeyField | None = None
    held_on: datetime.date
    duration_minutes: int
    place: str = ""
    participants: int = 0
    findings: str = ""
    plan: int | None = None
    teams: list[str] = []
    members: list[int] = []


class DrillPatch(Schema):
    title: str | None = None
    drill_type: DrillType | None = None
    scope: DrillScope | None = None
    key_field: KeyField | None = None
    held_on: datetime.date | None = None
    duration_minutes: int | None = None
    place: str | None = None
    participants: int | None = None
    findings: str | None = None
    teams: list[str] | None = None
    members: list[int] | None = None


class FollowUpOut(Schema):
    id: int
    text: str
    responsible: str
    due_on: datetime.date | None
    done_on: datetime.date | None
    hazard: int | None
    hazard_reference: str


class DrillOut(Schema):
    id: int
    jurisdiction: str
    jurisdiction_name: str
    title: str
    drill_type: str
    scope: str
    key_field: str
    held_on: datetime.date
    duration_minutes: int
    place: str
    participants: int
    plan: int | None
    updated_at: datetime.datetime


class DrillDetailOut(DrillOut):
    findings: str
    teams: list[str]
    members: list[int]
    follow_ups: list[FollowUpOut]


def _out(d: Drill) -> dict[str, Any]:
    return {"id": d.pk, "jurisdiction": d.jurisdiction.code, "jurisdiction_name": d.jurisdiction.name,
            "title": d.title, "drill_type": d.drill_type, "scope": d.scope, "key_field": d.key_field,
            "held_on": d.held_on, "duration_minutes": d.duration_minutes, "place": d.place,
            "participants": d.participants, "plan": d.plan_id, "updated_at": d.updated_at}


def _follow_up_out(f: FollowUp) -> dict[str, Any]:
    return {"id": f.pk, "text": f.text, "responsible": f.responsible, "due_on": f.due_on, "done_on": f.done_on,
            "hazard": f.hazard_id, "hazard_reference": f.hazard.reference if f.hazard_id else ""}


def _detail(d: Drill) -> dict[str, Any]:
    return {**_out(d), "findings": d.findings, "teams": [t.code for t in d.teams.order_by("code")],
            "members": [m.pk for m in d.members.order_by("pk")],
            "follow_ups": [_follow_up_out(f) for f in d.follow_ups.select_related("hazard").order_by("pk")]}


def _drill(request: HttpRequest, drill_id: int) -> Drill:
    return get_object_or_404(Drill.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=drill_id)


def _plan(request: HttpRequest, plan_id: int | None) -> Plan | None:
    if plan_id is None:
        return None
    return get_object_or_404(Plan.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=plan_id)


@router.get("/drills", response=list[DrillOut])
@paginate(Pagination)
def drills(request: HttpRequest, filters: Query[ListFilters], year: Year | None = None,
           scope: DrillScope | None = None, drill_type: DrillType | None = None):  # type: ignore[no-untyped-def]
    queryset = Drill.objects.visible_to(request_user(request)).select_related("jurisdiction")
    queryset = apply_list_filters(queryset, filters, search_fields=("title", "place"))
    if year:
        queryset = queryset.filter(held_on__year=year)
    if scope:
        queryset = queryset.filter(scope=scope)
    if drill_type:
        queryset = queryset.filter(drill_type=drill_type)
    return [_out(d) for d in queryset.order_by("-held_on", "pk")]


@router.post("/drills", response={201: DrillDetailOut, **ERRORS})
def record_drill(request: HttpRequest, payload: DrillIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    jurisdiction = get_object_or_404(Jurisdiction.objects.visible_to(user), code=data.pop("jurisdiction"))
    data["plan"] = _plan(request, data.get("plan"))
    data["key_field"] = data.get("key_field") or ""
    drill = services.record_drill(actor=user, jurisdiction=jurisdiction, **data)
    return Status(201, _detail(drill))


@router.get("/drills/{drill_id}", response={200: DrillDetailOut, 404: ErrorOut})
def drill_detail(request: HttpRequest, drill_id: int) -> Any:
    return _detail(_drill(request, drill_id))


@router.patch("/drills/{drill_id}", response={200: DrillDetailOut, **ERRORS})
def change_drill(request: HttpRequest, drill_id: int, payload: DrillPatch) -> Any:
    changes = payload.dict(exclude_unset=True)
    if "key_field" in changes:
        changes["key_field"] = changes["key_field"] or ""
    drill = services.update_drill(_drill(request, drill_id), actor=request_user(request), **changes)
    return _detail(drill)


class FollowUpIn(Schema):
    text: str
    responsible: str = ""
    due_on: datetime.date | None = None


@router.post("/drills/{drill_id}/follow-ups", response={201: FollowUpOut, **ERRORS})
def add_follow_up(request: HttpRequest, drill_id: int, payload: FollowUpIn) -> Any:
    row = services.add_follow_up(_drill(request, drill_id), actor=request_user(request), **payload.dict())
    return Status(201, _follow_up_out(row))


def _follow_up(request: HttpRequest, follow_up_id: int) -> FollowUp:
    return get_object_or_404(FollowUp.objects.visible_to(request_user(request))
                             .select_related("drill__jurisdiction", "hazard"), pk=follow_up_id)


@router.post("/follow-ups/{follow_up_id}/done", response={200: FollowUpOut, **ERRORS})
def follow_up_done(request: HttpRequest, follow_up_id: int) -> Any:
    return _follow_up_out(services.complete_follow_up(_follow_up(request, follow_up_id), actor=request_user(request)))


class DrillHazardIn(Schema):
    severity: str = "general"
    category: str = "other"
    lon: float | None = None
    lat: float | None = None


@router.post("/follow-ups/{follow_up_id}/hazard", response={201: FollowUpOut, **ERRORS})
def follow_up_hazard(request: HttpRequest, follow_up_id: int, payload: DrillHazardIn) -> Any:
    """Open a hazard (the hazards app's closed loop) for what the drill found; once per follow-up."""
    row = _follow_up(request, follow_up_id)
    services.open_hazard(row, actor=request_user(request), **payload.dict())
    return Status(201, _follow_up_out(_follow_up(request, follow_up_id)))


class DrillRuleIn(Schema):
    jurisdiction: str
    applies_to: RuleTarget
    scope: DrillScope | None = None
    key_field: KeyField | None = None
    minimum_per_year: int
    note: str = ""


class RulePatch(Schema):
    minimum_per_year: int
    note: str | None = None


class DrillRuleOut(Schema):
    id: int
    jurisdiction: str
    jurisdiction_name: str
    applies_to: str
    scope: str
    key_field: str
    minimum_per_year: int
    requirement: str
    note: str


def _rule_out(r: DrillRule) -> dict[str, Any]:
    return {"id": r.pk, "jurisdiction": r.jurisdiction.code, "jurisdiction_name": r.jurisdiction.name,
            "applies_to": r.applies_to, "scope": r.scope, "key_field": r.key_field,
            "minimum_per_year": r.minimum_per_year, "requirement": r.requirement_label(), "note": r.note}


def _rule(request: HttpRequest, rule_id: int) -> DrillRule:
    return get_object_or_404(DrillRule.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=rule_id)


@router.get("/rules", response=list[DrillRuleOut])
def rules(request: HttpRequest) -> Any:
    """The rules filed in the caller's scope (the district's rules over a community are in its compliance)."""
    queryset = DrillRule.objects.visible_to(request_user(request)).select_related("jurisdiction")
    return [_rule_out(r) for r in queryset]


@router.post("/rules", response={201: DrillRuleOut, **ERRORS})
def create_rule(request: HttpRequest, payload: DrillRuleIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    jurisdiction = get_object_or_404(Jurisdiction.objects.visible_to(user), code=data.pop("jurisdiction"))
    data["scope"], data["key_field"] = data.get("scope") or "", data.get("key_field") or ""
    rule = services.create_rule(actor=user, jurisdiction=jurisdiction, **data)
    return Status(201, _rule_out(rule))


@router.patch("/rules/{rule_id}", response={200: DrillRuleOut, **ERRORS})
def change_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> Any:
    rule = services.change_rule(_rule(request, rule_id), actor=request_user(request), **payload.dict())
    return _rule_out(rule)


@router.delete("/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request: HttpRequest, rule_id: int) -> Any:
    services.delete_rule(_rule(request, rule_id), actor=request_user(request))
    return Status(204, None)


class RequirementOut(Schema):
    requirement: str
    scope: str
    key_field: str
    held: int
    required: int
    due: int
    expected_by_now: int
    behind: bool


class ComplianceRowOut(Schema):
    jurisdiction: str
    jurisdiction_name: str
    level: str
    street: str
    held: int
    required: int
    due: int
    behind: bool
    requirements: list[RequirementOut]


class DrillComplianceOut(Schema):
    year: int
    as_of: datetime.date
    summary: dict[str, int]
    rows: list[ComplianceRowOut]


def _rows(request: HttpRequest, year: Year | None, area: str | None) -> tuple[int, datetime.date, list[Any]]:
    user = request_user(request)
    today = timezone.localdate()
    year = year or today.year
    place = get_object_or_404(Jurisdiction.objects.visible_to(user), code=area) if area else None
    return year, today, compliance.scope_rows(user, place, year, today)


def _row_out(row: compliance.Row) -> dict[str, Any]:
    return {"jurisdiction": row.jurisdiction.code, "jurisdiction_name": row.jurisdiction.name,
            "level": row.jurisdiction.level, "street": row.street.code if row.street else "", "held": row.held,
            "required": row.required, "due": row.due, "behind": row.behind,
            "requirements": [{"requirement": r.label, "scope": r.scope, "key_field": r.key_field, "held": r.held,
                              "required": r.minimum, "due": r.due, "expected_by_now": r.expected,
                              "behind": r.behind} for r in row.requirements]}


@router.get("/compliance", response={200: DrillComplianceOut, 404: ErrorOut, 422: ErrorOut})
def compliance_view(request: HttpRequest, year: Year | None = None,
                    area: str | None = None) -> Any:
    """Per street and community the caller sees: drills held this year against the rules, what is due
    before the year ends, and whether it is behind (fewer than the elapsed share of the year asks)."""
    year, today, rows = _rows(request, year, area)
    return {"year": year, "as_of": today, "summary": compliance.summary(rows), "rows": [_row_out(r) for r in rows]}


@router.get("/compliance.xlsx", response={200: None, 404: ErrorOut, 422: ErrorOut})
def compliance_export(request: HttpRequest, year: Year | None = None,
                      area: str | None = None) -> HttpResponse:
    year, _today, rows = _rows(request, year, area)
    return xlsx_response(exports.compliance_workbook(rows, year), f"drill-compliance-{year}")
