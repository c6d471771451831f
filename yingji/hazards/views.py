"""Pages of hazards and risks: the four-colour risk map, the hazards ledger, the grid worker's phone page,
the public report (随手拍), inspections, patrols and statistics.

Pages call the same services as the API; data for maps and charts comes from
the scoped endpoints of /api/v1/hazards/ or is embedded with json_script.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

import yingji
from yingji.core import ratelimit
from yingji.core.files import xlsx_response
from yingji.core.forms import form_view
from yingji.core.masking import phone_for
from yingji.core.scope import can, has_perm_somewhere, path_allowed
from yingji.hazards import exports
from yingji.hazards.checklists import checklist
from yingji.hazards.forms import (
    InspectionForm,
    InspectorForm,
    PatrolPlanForm,
    PublicReportForm,
    RiskPointForm,
)
from yingji.hazards.history import visible_history
from yingji.hazards.models import (
    CheckIn,
    Hazard,
    HazardSeverity,
    HazardSource,
    HazardStatus,
    Inspection,
    Inspector,
    PatrolPlan,
    Photo,
    RiskCategory,
    RiskGrade,
    RiskPoint,
)
from yingji.hazards.services import hazards as hazard_services
from yingji.hazards.services import inspections as inspection_services
from yingji.hazards.services import loop, riskmap, stats, tasks
from yingji.hazards.services import patrol as patrol_services
from yingji.hazards.services import risk as risk_services
from yingji.hazards.workflows import HAZARD
from yingji.jurisdictions.locate import locate
from yingji.jurisdictions.models import LEVEL_ORDER, Jurisdiction, Level

# The grid worker's second tap: what most hazards found on a walk are.
QUICK_TITLES = (gettext_lazy("Fire lane blocked"), gettext_lazy("Clutter in the stairwell"),
                gettext_lazy("E-bike charging indoors"), gettext_lazy("Extinguisher missing or expired"),
                gettext_lazy("Crack in a slope or wall"), gettext_lazy("Water pooling or drain blocked"),
                gettext_lazy("Exposed or overloaded wiring"), gettext_lazy("Other hazard"))
GRADE_COLOURS = {"red": "#d32f2f", "orange": "#f57c00", "yellow": "#fbc02d", "blue": "#1976d2"}


def _map_filter(request: HttpRequest) -> tuple[riskmap.MapFilter, list[str]]:
    """The map's filter from the query string; unknown values are dropped with a message."""
    errors = []
    area = None
    code = request.GET.get("area", "").strip()
    if code:
        area = Jurisdiction.objects.visible_to(request.user).filter(code=code).first()
        if area is None:
            errors.append(_("No area with code %(code)s in your jurisdiction.") % {"code": code})
    categories = tuple(c for c in request.GET.getlist("category") if c in RiskCategory.values)
    grades = tuple(g for g in request.GET.getlist("grade") if g in RiskGrade.values)
    return riskmap.MapFilter(area=area, categories=categories, grades=grades), errors


def _query(flt: riskmap.MapFilter) -> str:
    pairs = [("area", flt.area.code)] if flt.area else []
    pairs += [("category", c) for c in flt.categories] + [("grade", g) for g in flt.grades]
    return urlencode(pairs)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The four-colour risk map with counts per street and community."""
    flt, errors = _map_filter(request)
    query = _query(flt)
    top = flt.area or Jurisdiction.objects.visible_to(request.user).order_by("depth", "path").first()
    # Rows one level below the area: streets of a district, communities of a street, grids of a community.
    level = LEVEL_ORDER[min(LEVEL_ORDER.index(top.level) + 1, len(LEVEL_ORDER) - 1)] if top else Level.STREET
    rows = riskmap.counts(request.user, flt, level)
    totals = riskmap.totals(request.user, flt)
    centre = top
    page = {
        "points": reverse("api:hazards_riskmap") + "?" + query,
        "heat": reverse("api:hazards_heat") + "?" + query,
        "colours": GRADE_COLOURS,
        "grades": {g.value: str(g.label) for g in RiskGrade},
        "categories": {c.value: str(c.label) for c in RiskCategory},
        "center": [getattr(centre, "centroid_lon", None) or 114.05, getattr(centre, "centroid_lat", None) or 22.54],
        "text": {"score": _("weighted risk score"), "points": _("risk points")},
    }
    areas = Jurisdiction.objects.visible_to(request.user).filter(
        level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path").only("code", "name", "level")
    context = {
        "errors": errors, "filter": flt, "query": query, "rows": rows, "level_label": Level(level).label,
        "totals": [(RiskGrade(g), totals[g], GRADE_COLOURS[g]) for g in RiskGrade.values],
        "total": sum(totals.values()), "categories": RiskCategory.choices, "grades": RiskGrade.choices,
        "areas": areas, "page_json": page,
    }
    return render(request, "hazards/overview.html", context)


@login_required
def riskmap_export(request: HttpRequest) -> HttpResponse:
    flt, _errors = _map_filter(request)
    return xlsx_response(exports.riskmap_workbook(request.user, flt), _("risk-map"))


# ---------------------------------------------------------------- hazards ledger and detail
@login_required
def hazard_list(request: HttpRequest) -> HttpResponse:
    queryset = Hazard.objects.visible_to(request.user).select_related("jurisdiction", "escalated_to")
    status = request.GET.get("status", "")
    if status in HazardStatus.values:
        queryset = queryset.filter(status=status)
    if request.GET.get("overdue"):
        queryset = tasks.overdue(queryset)
    text = request.GET.get("q", "").strip()
    if text:
        queryset = queryset.filter(Q(title__icontains=text) | Q(reference__icontains=text) | Q(address__icontains=text))
    page = Paginator(queryset.order_by("-reported_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "hazards/list.html", {
        "page": page, "statuses": HazardStatus.choices, "status": status, "q": text,
        "overdue": bool(request.GET.get("overdue")), "now": timezone.now()})


@login_required
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = get_object_or_404(Hazard.objects.visible_to(request.user).select_related(
        "jurisdiction", "risk_point", "assignee", "escalated_to", "rectified_by", "rechecked_by"), pk=pk)
    steps = {t.name: t for t in HAZARD.allowed(request.user, hazard)}
    return render(request, "hazards/detail.html", {
        "hazard": hazard, "photos": list(hazard.photos.all()), "steps": steps, "events": HAZARD.history(hazard),
        "people": loop.assignable_people(hazard) if "assign" in steps else [],
        "severities": HazardSeverity.choices,
        "reporter_phone": phone_for(request.user, hazard.reporter_phone, hazard.jurisdiction.path),
        "history": visible_history(request.user, hazard), "overdue": hazard.is_overdue()})


@login_required
def photo(request: HttpRequest, pk: int, size: str = "full") -> HttpResponse:
    """A stored photo, after the scope check (never a public storage URL)."""
    item = get_object_or_404(Photo.objects.visible_to(request.user), pk=pk)
    stored = item.thumbnail if size == "thumb" else item.file
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- the grid worker's phone page
@login_required
def grid(request: HttpRequest) -> HttpResponse:
    """Today's tasks, report a hazard in three taps, my open items; works offline (grid_sw.js)."""
    day = tasks.today(request.user)
    home = tasks.home_jurisdiction(request.user)
    page = {
        "api": reverse("api:hazards_report"), "home": home.code if home else "",
        "quick": [str(t) for t in QUICK_TITLES],
        "text": {"queued": _("Saved on the phone; it will be sent when the network is back."),
                 "sent": _("Reported: receipt %(ref)s"), "locating": _("Finding your position…"),
                 "located": _("Position found (±%(m)s m)"), "no_position": _("No position: move to open sky or allow location."),
                 "waiting": _("%(n)s report(s) waiting to be sent"), "refused": _("Not accepted: %(why)s")},
        "sw": reverse("hazards:grid_sw"),
    }
    return render(request, "hazards/grid.html", {"tasks": day, "home": home, "page_json": page,
                                                 "categories": RiskCategory.choices, "now": timezone.now()})


def home_map(request: HttpRequest, grid: Jurisdiction | None) -> str:
    """The grid worker's home map, a block of the role home (dashboard/home.py: "grid_map")."""
    return render_to_string("hazards/_home_map.html", home_map_context(grid), request=request)


def home_map_context(grid: Jurisdiction | None) -> dict[str, Any]:
    """The grid worker's home map (hazards/_home_map.html, homemap.js): the grid's outline, its risk
    points by grade, its open hazards and the open incidents the worker sees, each from its app's scoped
    GeoJSON endpoint."""
    area = f"?area={grid.code}" if grid is not None else ""
    page = {
        "outline": reverse("api:jurisdictions_geojson") + (f"?level={grid.level}&within={grid.code}" if grid else ""),
        "risk": reverse("api:hazards_riskmap") + area,
        "hazards": reverse("api:hazards_open_geojson") + area,
        "incidents": reverse("api:incidents_geojson"),
        "center": [grid.centroid_lon, grid.centroid_lat] if grid is not None and grid.centroid_lon else None,
        "colours": GRADE_COLOURS,
        "grades": {g.value: str(g.label) for g in RiskGrade},
    }
    return {"grid": grid, "page_json": page, "colours": GRADE_COLOURS}


@require_GET
def grid_manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse({
        "name": _("Yingji grid worker"), "short_name": _("Grid"), "start_url": reverse("hazards:grid"),
        "scope": reverse("hazards:grid"), "display": "standalone", "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [{"src": static("yingji/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }, json_dumps_params={"ensure_ascii": False}, content_type="application/manifest+json")


@require_GET
def grid_service_worker(request: HttpRequest) -> HttpResponse:
    """The phone page's service worker: the page shell offline, and the outbox of queued reports.

    Served under /hazards/grid/ so that its scope is the phone page; holds no data.
    """
    response = render(request, "hazards/grid_sw.js", {"version": yingji.__version__},
                      content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


# ---------------------------------------------------------------- public report (随手拍)
def public_report(request: HttpRequest) -> HttpResponse:
    """Residents report a hazard without logging in; it lands in the community's queue with a receipt number."""
    form = PublicReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not ratelimit.allow_public(request, "hazard"):
            form.add_error(None, _("Too many reports from this address; please try again in a minute."))
            return render(request, "hazards/public_form.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            community = data.pop("community")
            lon, lat = data.pop("lon"), data.pop("lat")
            where = community
            if lon is None or lat is None:
                lon, lat = community.centroid_lon, community.centroid_lat
            else:  # the phone's position: its grid when that lies in the chosen community
                found = locate(lon, lat)
                if found is not None and found.path.startswith(community.path):
                    where = found
            try:
                hazard = hazard_services.report_hazard(actor=None, source=HazardSource.PUBLIC, jurisdiction=where,
                                                       lon=lon, lat=lat, reporter_name=_("Resident"), **data)
            except ValidationError as exc:
                for name, messages_ in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, messages_)
            else:
                return redirect("hazards:receipt", reference=hazard.reference)
    return render(request, "hazards/public_form.html", {"form": form})


def public_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    """Where a public report stands, by its receipt number: status and dates only, nothing personal."""
    if not ratelimit.allow_public(request, "hazard-receipt"):
        return HttpResponse(_("Too many requests; try again in a minute."), status=429)
    hazard = get_object_or_404(Hazard.objects.select_related("jurisdiction"), reference=reference.strip().upper())
    return render(request, "hazards/receipt.html", {"hazard": hazard})


@login_required
@require_POST
def hazard_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One step of the closed loop from the hazard's page (the same services as the API)."""
    hazard = get_object_or_404(Hazard.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    data, files = request.POST, request.FILES.getlist("photos")
    note = data.get("note", "")[:300]
    try:
        if name == "assign":
            username = data.get("assignee", "").strip()
            assignee = loop.assignable_people(hazard).filter(username=username).first() if username else None
            if username and assignee is None:
                raise ValidationError({"assignee": _("The responsible person must hold a role in the hazard's community.")})
            loop.assign(hazard, actor=request.user, responsible_unit=data.get("responsible_unit", ""),
                        assignee=assignee, severity=data.get("severity") or None, note=note)
        elif name == "start":
            loop.start(hazard, actor=request.user, note=note)
        elif name == "submit":
            loop.submit(hazard, actor=request.user, rectification=data.get("rectification", ""), photos=files)
        elif name in ("pass", "fail"):
            loop.recheck(hazard, actor=request.user, passed=name == "pass", note=note, photos=files)
        elif name == "dismiss":
            loop.dismiss(hazard, actor=request.user, note=note)
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, _("%(step)s: done.") % {"step": HAZARD.by_name[name].label})
    return redirect("hazards:detail", pk=hazard.pk)


# ---------------------------------------------------------------- statistics, inspections, patrols
def _period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    end = timezone.localdate()
    months_back = end.year * 12 + end.month - 1 - 11
    start = datetime.date(months_back // 12, months_back % 12 + 1, 1)
    try:
        if request.GET.get("start"):
            start = datetime.date.fromisoformat(request.GET["start"])
        if request.GET.get("end"):
            end = datetime.date.fromisoformat(request.GET["end"])
    except ValueError:
        messages.error(request, _("Enter dates as YYYY-MM-DD."))
    if start > end or (end - start).days > 3 * 366:
        messages.error(request, _("The start must be before the end, at most three years apart."))
        start = end.replace(day=1)
    return start, end


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    """Found, closed and overdue per street and month (ECharts), days to close, recurrence; Excel."""
    start, end = _period(request)
    result = stats.compute(request.user, start, end)
    chart = result.chart()
    chart["labels"] = {"found": _("Found"), "closed": _("Closed"), "overdue": _("Overdue"),
                       "average_days": _("Average days to close"), "recurrent": _("Recurrences at the same place")}
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.stats_workbook(result), _("hazard-statistics"))
    return render(request, "hazards/stats.html", {"result": result, "start": start, "end": end,
                                                  "chart_json": chart})


@login_required
def inspections(request: HttpRequest) -> HttpResponse:
    """Per street: the certified share (≥ 50 %) and inspections per inspector this week (≥ 1); Excel."""
    week = None
    if request.GET.get("week"):
        try:
            week = datetime.date.fromisoformat(request.GET["week"])
        except ValueError:
            messages.error(request, _("Enter dates as YYYY-MM-DD."))
    rows = inspection_services.compliance(request.user, week)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.compliance_workbook(rows), _("inspections"))
    monday = inspection_services.week_start(week or timezone.localdate())
    recent = (Inspection.objects.visible_to(request.user).select_related("inspector", "jurisdiction")
              .order_by("-inspected_on", "-pk")[:30])
    today = timezone.localdate()
    staff = [{"inspector": i, "certified": i.certified_on(today), "can_change": can(request.user, "change", i)}
             for i in Inspector.objects.visible_to(request.user).select_related("jurisdiction")
             .order_by("jurisdiction__path", "-is_active", "name")]
    return render(request, "hazards/inspections.html", {
        "staff": staff, "can_add_inspector": has_perm_somewhere(request.user, "hazards.add_inspector"),
        "can_add": has_perm_somewhere(request.user, "hazards.add_inspection"), "rows": rows, "monday": monday, "sunday": monday + datetime.timedelta(days=6), "recent": recent,
        "previous": monday - datetime.timedelta(days=7), "next": monday + datetime.timedelta(days=7)})


@login_required
def patrols(request: HttpRequest) -> HttpResponse:
    """Patrol plans in the area and the patrols missed in the last two weeks."""
    plans = (PatrolPlan.objects.visible_to(request.user).select_related("jurisdiction", "worker")
             .annotate(stop_count=Count("stops")).order_by("jurisdiction__path", "name"))
    since = timezone.localdate() - datetime.timedelta(days=14)
    # 50 missed periods a page (the page listed the first 200 and left the rest out); only the
    # page's plans are read as models.
    missed = Paginator(patrol_services.missed_periods(PatrolPlan.objects.visible_to(request.user), since),
                       50).get_page(request.GET.get("missed_page"))
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    editable = {p.pk for p in page if can(request.user, "change", p)}
    return render(request, "hazards/patrols.html", {
        "page": page, "missed": missed, "missed_count": missed.paginator.count, "since": since, "editable": editable,
        "can_add": has_perm_somewhere(request.user, "hazards.add_patrolplan")})


# ---------------------------------------------------------------- risk points, patrol plans, inspections: forms
def _form_page(request: HttpRequest, *, tab: str, title: str, cancel: str, **extra: Any) -> Any:
    """How each form page of this app is drawn (core.forms.form_view draws it with its form)."""
    def page(form: Any) -> HttpResponse:
        return render(request, "hazards/form.html", {"form": form, "tab": tab, "title": title, "cancel": cancel,
                                                     **extra}, status=422 if form.is_bound and form.errors else 200)
    return page


@login_required
def risk_points(request: HttpRequest) -> HttpResponse:
    """The risk-point register: search, filter by category and grade; links to each point and its form."""
    queryset = RiskPoint.objects.visible_to(request.user).select_related("jurisdiction")
    text = request.GET.get("q", "").strip()
    if text:
        queryset = queryset.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(address__icontains=text))
    category = request.GET.get("category", "")
    if category in RiskCategory.values:
        queryset = queryset.filter(category=category)
    grade = request.GET.get("grade", "")
    if grade in RiskGrade.values:
        queryset = queryset.filter(grade=grade)
    page = Paginator(queryset.order_by("jurisdiction__path", "code"), 50).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in (("q", text), ("category", category), ("grade", grade)) if v])
    return render(request, "hazards/points.html", {
        "page": page, "q": text, "category": category, "grade": grade, "query": query,
        "categories": RiskCategory.choices, "grades": RiskGrade.choices, "colours": GRADE_COLOURS,
        "can_add": has_perm_somewhere(request.user, "hazards.add_riskpoint")})


@login_required
def risk_point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(RiskPoint.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    return render(request, "hazards/point_detail.html", {
        "point": point, "colour": GRADE_COLOURS.get(point.grade),
        "phone": phone_for(request.user, point.responsible_phone, point.jurisdiction.path),
        "gradings": point.gradings.all()[:50], "history": visible_history(request.user, point),
        "plans": PatrolPlan.objects.visible_to(request.user).filter(stops__risk_point=point).distinct(),
        "can_change": can(request.user, "change", point)})


@login_required
def risk_point_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "hazards.add_riskpoint"):
        raise PermissionDenied
    return form_view(
        request, RiskPointForm(request.POST or None, user=request.user, initial={"grade": RiskGrade.BLUE}),
        save=lambda form: risk_services.create_risk_point(actor=request.user, **form.service_fields()),
        saved=_("Created."), success_url=lambda point: reverse("hazards:point", args=[point.pk]),
        page=_form_page(request, tab="points", title=_("New risk point"), cancel=reverse("hazards:points"),
                        pick_location=True))


@login_required
def risk_point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point = _editable(request, RiskPoint, pk)

    def save(form: Any) -> None:
        data = form.service_fields()
        risk_services.update_risk_point(point, actor=request.user, reason=data.pop("reason", ""), **data)

    return form_view(
        request, RiskPointForm(request.POST or None, user=request.user, instance=_fresh(point)), save=save,
        saved=_("Saved."), success_url=lambda _saved: reverse("hazards:point", args=[point.pk]),
        page=_form_page(request, tab="points", title=_("Edit %(name)s") % {"name": point.name},
                        cancel=reverse("hazards:point", args=[point.pk]), pick_location=True))


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "hazards.add_patrolplan"):
        raise PermissionDenied
    initial = {"starts_on": timezone.localdate(), "tolerance_m": 100}
    return form_view(
        request, PatrolPlanForm(request.POST or None, user=request.user, initial=initial),
        save=lambda form: patrol_services.create_plan(actor=request.user, **form.service_fields()),
        saved=_("Created."), success_url=lambda _plan: reverse("hazards:patrols"),
        page=_form_page(request, tab="patrols", title=_("New patrol plan"), cancel=reverse("hazards:patrols")))


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable(request, PatrolPlan, pk)
    return form_view(
        request, PatrolPlanForm(request.POST or None, user=request.user, instance=_fresh(plan)),
        save=lambda form: patrol_services.update_plan(plan, actor=request.user, **form.service_fields()),
        saved=_("Saved."), success_url=lambda _plan: reverse("hazards:patrols"),
        page=_form_page(request, tab="patrols", title=_("Edit %(name)s") % {"name": plan.name},
                        cancel=reverse("hazards:patrols")))


@login_required
def inspector_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "hazards.add_inspector"):
        raise PermissionDenied
    return form_view(
        request, InspectorForm(request.POST or None, user=request.user),
        save=lambda form: inspection_services.create_inspector(actor=request.user, **form.service_fields()),
        saved=_("Created."), success_url=lambda _inspector: reverse("hazards:inspections") + "#inspectors",
        page=_form_page(request, tab="inspections", title=_("New inspector"), cancel=reverse("hazards:inspections")))


@login_required
def inspector_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = _editable(request, Inspector, pk)
    return form_view(
        request, InspectorForm(request.POST or None, user=request.user, instance=_fresh(inspector)),
        save=lambda form: inspection_services.update_inspector(inspector, actor=request.user, **form.service_fields()),
        saved=_("Saved."), success_url=lambda _inspector: reverse("hazards:inspections") + "#inspectors",
        page=_form_page(request, tab="inspections", title=_("Edit %(name)s") % {"name": inspector.name},
                        cancel=reverse("hazards:inspections")))


def _editable(request: HttpRequest, model: Any, pk: int) -> Any:
    """The row if the user sees it (else 404) and may change it (else 403)."""
    row = get_object_or_404(model.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    if not can(request.user, "change", row):
        raise PermissionDenied
    return row


def _fresh(row: Any) -> Any:
    """A second copy for the form to write into, so that a refused save leaves `row` (the service's) as stored."""
    return type(row).objects.select_related("jurisdiction").get(pk=row.pk)


@login_required
def inspection_create(request: HttpRequest) -> HttpResponse:
    """Record an enforcement inspection; each hazard found (one a line) opens a hazard at the risk point."""
    if not has_perm_somewhere(request.user, "hazards.add_inspection"):
        raise PermissionDenied

    def save(form: Any) -> Inspection:
        data = form.cleaned_data
        if data["hazards"] and data["risk_point"] is None:
            raise ValidationError({"risk_point": _("Give each finding's position, or the risk point inspected.")})
        return inspection_services.record_inspection(
            actor=request.user, inspector=data["inspector"], place=data["place"],
            inspected_on=data["inspected_on"], risk_point=data["risk_point"], findings=data["findings"],
            hazards=[{"title": title, "severity": data["severity"]} for title in data["hazards"]],
            photos=data["photos"])

    form = InspectionForm(request.POST or None, request.FILES or None, user=request.user,
                          initial={"inspected_on": timezone.localdate()})
    return form_view(
        request, form, save=save,
        saved=lambda inspection: _("Inspection recorded; %(count)s hazard(s) opened.") % {
            "count": inspection.hazards.count()},
        success_url=lambda _inspection: reverse("hazards:inspections"),
        page=_form_page(request, tab="inspections", title=_("Record an inspection"),
                        cancel=reverse("hazards:inspections"), multipart=True))


# ---------------------------------------------------------------- a patrol on the phone: check in at each point
@login_required
def patrol_walk(request: HttpRequest, pk: int) -> HttpResponse:
    """The grid worker's patrol: each point of the route with its checklist; a check-in sends the phone's
    position (refused outside the plan's tolerance with the distance), the problems ticked, photos and
    optionally a hazard found there."""
    plan = get_object_or_404(PatrolPlan.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    if not path_allowed(request.user, "hazards.patrol", plan.jurisdiction.path):
        raise PermissionDenied
    stops = [s.risk_point for s in plan.stops.select_related("risk_point").order_by("order")]
    if request.method == "POST":
        point = next((p for p in stops if p.code == request.POST.get("point", "")), None)
        try:
            if point is None:
                raise ValidationError({"risk_point": _("This risk point is not on the patrol plan.")})
            try:
                lon, lat = float(request.POST["lon"]), float(request.POST["lat"])
            except (KeyError, ValueError) as exc:
                raise ValidationError({"lon": _("No position: move to open sky or allow location.")}) from exc
            try:
                accuracy = float(request.POST.get("accuracy") or "nan")
            except ValueError:
                accuracy = float("nan")
            problems = set(request.POST.getlist("problem"))
            answers = [{"key": item.key, "ok": item.key not in problems} for item in checklist(point.category)]
            title = request.POST.get("hazard", "").strip()[:120]
            patrol_services.check_in(
                actor=request.user, plan=plan, risk_point=point, lon=lon, lat=lat,
                accuracy_m=None if accuracy != accuracy else accuracy, answers=answers,  # NaN: no accuracy given
                note=request.POST.get("note", "")[:500], photos=request.FILES.getlist("photos"),
                hazard={"title": title} if title else None)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied:
            messages.error(request, _("You may not do this."))
        else:
            messages.success(request, _("Checked in at %(point)s.") % {"point": point.name})
        return redirect("hazards:patrol_walk", pk=plan.pk)
    start = patrol_services.period_start(plan, timezone.localdate())
    done = set(CheckIn.objects.filter(record__plan=plan, record__period_start=start).values_list("risk_point_id",
                                                                                               flat=True))
    return render(request, "hazards/patrol_walk.html", {
        "plan": plan, "period_start": start, "checked": len(done),
        "stops": [{"point": p, "done": p.pk in done, "questions": checklist(p.category)}
                  for p in stops],
        "texts": {"locating": _("Finding your position…"),
                  "no_position": _("No position: move to open sky or allow location."),
                  "queued": _("Saved on the phone; it will be sent when the network is back."),
                  "plan": plan.pk, "api": reverse("api:hazards_check_in", args=[plan.pk]),
                  "sw": reverse("hazards:grid_sw"), "scope": reverse("hazards:grid")}})
