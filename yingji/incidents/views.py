"""Pages of incidents and dispatch: list, intake, detail, console, responder phone, statistics, public form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import yingji
from yingji.audit.services import history_rows
from yingji.core import ratelimit
from yingji.core.files import xlsx_response
from yingji.core.forms import add_service_errors
from yingji.core.scope import can, has_perm_somewhere
from yingji.core.views import png_icons
from yingji.incidents import catalogue
from yingji.incidents.forms import (
    CloseForm,
    IntakeForm,
    NoteForm,
    PublicForm,
    StepForm,
    material_lines,
)
from yingji.incidents.imports import IncidentTable
from yingji.incidents.models import (
    ACTIVE_DISPATCH,
    OPEN_STATUSES,
    Channel,
    Incident,
    Status,
)
from yingji.incidents.services import clock, intake, respond
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.workflows import INCIDENT
from yingji.messaging import push
from yingji.supplies import services as supplies


def _incident(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(respond.incidents_visible_to(request.user).select_related("jurisdiction"), pk=pk)


def _filtered(request: HttpRequest, queryset: QuerySet[Incident]) -> tuple[QuerySet[Incident], dict[str, Any]]:
    """The list's filters (status, type, text), shared by the page and its Excel export."""
    status = request.GET.get("status", "open")
    type_code = request.GET.get("type", "")
    text = request.GET.get("q", "").strip()
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        queryset = queryset.filter(status=status)
    if type_code in catalogue.BY_CODE:
        queryset = queryset.filter(type_code=type_code)
    if text:
        queryset = (queryset.filter(address__icontains=text) | queryset.filter(reference=text)
                    | queryset.filter(number=text))
    return queryset, {"status": status, "type_code": type_code, "q": text}


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    queryset, filters = _filtered(request, respond.incidents_visible_to(request.user).select_related("jurisdiction"))
    page = Paginator(queryset.order_by("-received_at"), 50).get_page(request.GET.get("page"))
    context = {"page": page, **filters, "statuses": Status.choices, "types": catalogue.choices(),
               "can_add": has_perm_somewhere(request.user, "incidents.add_incident"),
               "can_export": has_perm_somewhere(request.user, "incidents.export_incident")}
    return render(request, "incidents/list.html#rows" if request.htmx else "incidents/list.html", context)


@login_required
def incident_export(request: HttpRequest) -> HttpResponseBase:
    """The incidents the list shows (same filters), with their 1-3-5 clock, as an Excel file."""
    if not has_perm_somewhere(request.user, "incidents.export_incident"):
        raise PermissionDenied
    table = IncidentTable(request.user)
    queryset, _filters = _filtered(request, table.export_queryset())
    return xlsx_response(table.stream_xlsx(queryset), _("Incidents"))


@login_required
def incident_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "incidents.add_incident"):
        raise PermissionDenied
    # Intake defaults follow the user: a grid worker's report comes in as 网格员上报.
    channel = Channel.PHONE if has_perm_somewhere(request.user, "incidents.dispatch") else Channel.GRID_WORKER
    form = IntakeForm(request.POST or None, request.FILES or None, initial={"channel": channel})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            incident, _created = intake.report_incident(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            # The place lies outside the officer's jurisdiction: never a bare 403 that loses the call.
            form.add_error(None, _("This place lies outside your jurisdiction: check the address or pick the "
                                   "point on the map; if it is right, pass the call to the jurisdiction it is in."))
        else:
            messages.success(request, _("Incident recorded."))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _incident(request, pk))


def _detail(request: HttpRequest, incident: Incident, close_form: CloseForm | None = None, lines: Any = None,
            status: int = 200) -> HttpResponse:
    user = request.user
    may_change = can(user, "change", incident)
    # The status steps this user may take now (incidents/workflows.py) drive the close and merge forms.
    steps = {step.name for step in INCIDENT.allowed(user, incident)}
    closing = "close" in steps
    may_dispatch = can(user, "dispatch", incident)
    activating = may_dispatch and dispatching.may_activate(incident)
    candidates = dispatching.recommend(incident, user=user) if activating else []
    chosen = {c.team_id for c in dispatching.recommended_set(incident, candidates)}
    dispatches = list(incident.dispatches.select_related("team", "team__station").order_by("called_at", "id"))
    mine = respond.member_team_ids(user)
    context = {
        "incident": incident, "candidates": candidates, "recommended": chosen, "may_dispatch": may_dispatch,
        "activating": activating,
        "any_estimated": any(c.estimated for c in candidates),
        "may_change": may_change, "closing": closing, "may_merge": "merge" in steps, "dispatches": dispatches,
        "my_dispatches": [d for d in dispatches if d.team_id in mine and d.status in ACTIVE_DISPATCH],
        "events": incident.events.select_related("dispatch__team").order_by("at", "id"),
        "measures": clock.measure(incident), "history": history_rows(incident),
        "urgency": clock.urgency(incident, timezone.now()) if incident.is_open else None,
        "warehouses": dispatching.warehouses_for(incident, user=user) if may_dispatch else None,
        "note_form": NoteForm(), "close_form": close_form or CloseForm(),
        "material_lines": (lines or material_lines()) if closing else None,
        "catalogue": supplies.catalogue_names() if closing else [],
        "may_issue": closing,
        "materials_used": _materials_used(incident, user),
        "duplicate": incident.possible_duplicate_of if incident.possible_duplicate_of_id and incident.is_open else None,
    }
    return render(request, "incidents/detail.html", context, status=status)


def _materials_used(incident: Incident, user: Any) -> list[dict[str, Any]]:
    """The close-out's material lines, issued ones linked to their movements where the user may see the store."""
    lines = list(incident.materials_used or [])
    return supplies.issue_links(lines, user=user, reference=incident.reference) if lines else lines


@login_required
@require_POST
def incident_activate(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    team_ids = [int(t) for t in request.POST.getlist("team") if t.isdigit()]
    try:
        dispatches = dispatching.activate(incident, actor=request.user, team_ids=team_ids or None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Called: %(teams)s.") % {"teams": ", ".join(d.team.name for d in dispatches)})
    if request.htmx:
        return console_incidents(request)
    return redirect("incidents:detail", pk=incident.pk)


@login_required
def team_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Teams to add by name (htmx): available teams the officer may call whose name contains the text."""
    incident = _incident(request, pk)
    if not can(request.user, "dispatch", incident):
        raise PermissionDenied
    text = request.GET.get("q", "").strip()
    found = dispatching.find_teams(incident, user=request.user, text=text) if incident.is_open else []
    return render(request, "incidents/detail.html#found_teams", {"incident": incident, "found": found, "q": text})


@login_required
@require_POST
def incident_add_team(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    team = request.POST.get("team", "")
    try:
        if not team.isdigit():
            raise ValidationError({"teams": _("Choose a team.")})
        dispatch = dispatching.add_team(incident, int(team), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Called: %(teams)s.") % {"teams": dispatch.team.name})
    return redirect("incidents:detail", pk=incident.pk)


@login_required
@require_POST
def incident_note(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = NoteForm(request.POST, request.FILES)
    if form.is_valid():
        dispatch = None
        if request.POST.get("dispatch"):
            dispatch = get_object_or_404(incident.dispatches, pk=request.POST["dispatch"])
        try:
            intake.add_note(incident, actor=request.user, text=form.cleaned_data["text"],
                            photo=form.cleaned_data["photo"], dispatch=dispatch)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect(request.POST.get("next") or reverse("incidents:detail", args=[incident.pk]))


@login_required
@require_POST
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close-out; a refusal shows the page again with what was entered, so no line has to be typed twice."""
    incident = _incident(request, pk)
    if not incident.is_open:
        messages.error(request, _("This incident is already closed."))
        return redirect("incidents:detail", pk=incident.pk)
    form = CloseForm(request.POST)
    lines = material_lines(request.POST)
    if form.is_valid() and lines.is_valid():
        used = [line for line in (f.line() for f in lines.forms) if line is not None]
        try:
            dispatching.close_incident(incident, actor=request.user, materials_used=used, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Incident closed."))
            return redirect("incidents:detail", pk=incident.pk)
    return _detail(request, incident, close_form=form, lines=lines, status=422)


@login_required
def close_sources(request: HttpRequest, pk: int) -> HttpResponse:
    """The warehouse choices of one close-out line (htmx): nearest stores the user may issue the material from."""
    incident = _incident(request, pk)
    if not can(request.user, "change", incident):
        raise PermissionDenied
    # The line's inputs come under their formset names (materials-N-name, materials-N-warehouse).
    line = {key.rsplit("-", 1)[-1]: value.strip() for key, value in request.GET.items()}
    name = line.get("name", "")
    found = (supplies.issue_sources(name, lon=incident.lon, lat=incident.lat, user=request.user) if name
             else {"material": None, "warehouses": []})
    return render(request, "incidents/detail.html#sources", {"name": name, "selected": line.get("warehouse"),
                                                              **found})


@login_required
@require_POST
def incident_merge(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    into = _incident(request, int(request.POST.get("into", "0") or 0))
    try:
        intake.merge_incident(incident, into, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("incidents:detail", pk=incident.pk)
    messages.success(request, _("Merged."))
    return redirect("incidents:detail", pk=into.pk)


# --------------------------------------------------------------------- console
@login_required
def console(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "incidents.view_incident"):
        raise PermissionDenied
    return render(request, "incidents/console.html", {
        "may_dispatch": has_perm_somewhere(request.user, "incidents.dispatch"), "time_zone": settings.TIME_ZONE})


@login_required
def console_incidents(request: HttpRequest) -> HttpResponse:
    """The console's list of open incidents (htmx partial, re-read on every websocket message)."""
    rows = list(respond.incidents_visible_to(request.user).filter(status__in=OPEN_STATUSES)
                .select_related("jurisdiction").order_by("-received_at")[:100])
    now = timezone.now()
    items = [{"incident": i, **clock.urgency(i, now),
              "may_dispatch": "dispatch" in {step.name for step in INCIDENT.allowed(request.user, i)}} for i in rows]
    # Overdue first (the longest waiting on top), then those about to be, then the newest calls.
    items.sort(key=lambda row: (clock.URGENCY_RANK[row["state"]],
                                -row["elapsed_s"] if row["state"] != "ok" else row["elapsed_s"]))
    return render(request, "incidents/console.html#incidents", {
        "items": items, "late": sum(row["state"] == "late" for row in items)})


# ------------------------------------------------------------------ responders
@login_required
def responder(request: HttpRequest) -> HttpResponse:
    """The responder's phone page: their teams' call-outs with map, route and the step buttons."""
    rows = (respond.my_dispatches(request.user).select_related("incident", "team", "team__station")
            .order_by("-called_at"))
    active = [d for d in rows.filter(status__in=ACTIVE_DISPATCH)[:20]]
    recent = [d for d in rows.exclude(status__in=ACTIVE_DISPATCH)[:10]]
    context = {"active": active, "recent": recent, "step_form": StepForm(), "route_text": {
        "km": _("{km} km"),
        "from_here": _("from your position"), "failed": _("Route not available."),
        "no_position": _("Your position is not available.")}, "push": push.page_config()}
    return render(request, "incidents/responder.html#callouts" if request.htmx else "incidents/responder.html",
                  context)


@require_GET
def responder_manifest(request: HttpRequest) -> JsonResponse:
    """The responder page installed on a phone's home screen (PWA) opens straight on the call-outs."""
    return JsonResponse({
        "name": _("Yingji call-outs"),
        "short_name": _("Call-outs"),
        "start_url": reverse("incidents:responder"),
        "scope": reverse("incidents:responder"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [{"src": static("yingji/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
                  *png_icons()],
    }, json_dumps_params={"ensure_ascii": False}, content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The responder page's service worker: keeps the page shell and its scripts for when the network drops.

    Served from under /incidents/me/ so that its scope is the responder page;
    public (the script holds no data) and never cached by the browser, so a
    new version is picked up on the next visit.
    """
    response = render(request, "incidents/sw.js", {"version": yingji.__version__},
                      content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_POST
def dispatch_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    d = get_object_or_404(respond.dispatches_visible_to(request.user).select_related("incident"), pk=pk)
    form = StepForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            if step == "report":
                data.pop("note", None)
                respond.report_sent(d, actor=request.user, **data)
            else:
                respond.advance(d, step, actor=request.user, **data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    if request.POST.get("next") == "detail":
        return redirect("incidents:detail", pk=d.incident_id)
    return redirect("incidents:responder")


# -------------------------------------------------------------------- stats
@login_required
def stats(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "month")
    by = by if by in clock.GROUPINGS else "month"
    year_text = request.GET.get("year", "")
    queryset = Incident.objects.visible_to(request.user).exclude(status=Status.CANCELLED)
    year = int(year_text) if year_text.isdigit() else None
    if year:
        queryset = queryset.filter(received_at__year=year)
    rows = clock.aggregate(queryset, by)
    totals = {"count": queryset.count()}
    return render(request, "incidents/stats.html", {
        "rows": rows, "by": by, "year": year_text, "totals": totals,
        "years": range(timezone.now().year, timezone.now().year - 4, -1),
        "chart": {"labels": [r["label"] for r in rows],
                  "series": [{"key": k, "name": str(clock.LABELS[k]),
                              "values": [r[f"{k}_met_pct"] for r in rows]} for k in clock.TARGETS_S]},
    })


# ---------------------------------------------------------------- public form
def public_report(request: HttpRequest) -> HttpResponse:
    """Residents ask for help without logging in; they get a receipt and nothing else."""
    form = PublicForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not ratelimit.allow_public(request):
            form.add_error(None, _("Too many reports from this address; please call 119 or try again in a minute."))
            return render(request, "incidents/public_form.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                incident, _created = intake.report_incident(actor=None, channel=Channel.PUBLIC, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("incidents:receipt", reference=incident.reference)
    return render(request, "incidents/public_form.html", {"form": form})


def public_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    if not ratelimit.allow_public(request, "receipt"):
        return HttpResponse(_("Too many requests; try again in a minute."), status=429)
    incident = get_object_or_404(Incident, reference=reference)
    return render(request, "incidents/receipt.html", {"incident": incident})
