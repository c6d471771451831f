"""The centre's pages for early warnings: the list, compose and edit with the map, a warning's page
(CAP fields, areas, who will receive it, release, update, cancel), CAP import and feeds.

The public page, the feeds, the icons and the phone view are in public.py.
Writes go through services.py.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.masking import phone_for
from yingji.core.scope import can, has_perm_somewhere
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.messaging import robots
from yingji.messaging.models import ContactList, DeliveryStatus
from yingji.warnings import audience, cap, feeds, progress, services, workflows
from yingji.warnings.catalogue import HAZARDS, LEVEL_COLOUR, LEVEL_WORD, Hazard
from yingji.warnings.catalogue import Level as WarningLevel
from yingji.warnings.models import CapFeed, CapScope, EarlyWarning, Origin, State, TargetGroup
from yingji.warnings.workflows import WARNING

PAGE_SIZE = 30
CHANNEL_LABELS = {"in_app": _("In-app"), "push": _("Phone notification"), "sms": _("SMS"), "email": _("Email")}


def _mine(request: HttpRequest) -> Any:
    return EarlyWarning.objects.visible_to(request.user)


def _warning(request: HttpRequest, pk: int) -> EarlyWarning:
    return get_object_or_404(_mine(request).select_related("jurisdiction", "previous"), pk=pk)


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    """Warnings of the user's jurisdictions, and every public warning in force (issued above them)."""
    rows = EarlyWarning.objects.filter(
        Q(pk__in=_mine(request).values("pk")) | Q(state=State.RELEASED, scope=CapScope.PUBLIC))
    state = request.GET.get("state", "")
    if state in State.values:
        rows = rows.filter(state=state)
    waiting = request.GET.get("unacknowledged") == "1"
    if waiting:  # released warnings of the user's that someone has still to acknowledge (the dashboard's 今日待办)
        rows = _mine(request).filter(state=State.RELEASED, ask_ack=True).filter(
            Exists(progress.waiting().filter(warning=OuterRef("pk"))))
    text = request.GET.get("q", "").strip()
    if text:
        rows = rows.filter(Q(infos__headline__icontains=text) | Q(identifier__icontains=text)).distinct()
    listing = Paginator(rows.select_related("jurisdiction").prefetch_related("infos").order_by("-created_at", "-pk"),
                        PAGE_SIZE).get_page(request.GET.get("page"))
    manageable = set(_mine(request).filter(pk__in=[w.pk for w in listing]).values_list("pk", flat=True))
    return render(request, "warnings/list.html", {
        "listing": listing, "manageable": manageable, "states": State.choices, "state": state, "q": text,
        "unacknowledged": waiting,
        "may_compose": has_perm_somewhere(request.user, "warnings.add_earlywarning"),
        "may_import": has_perm_somewhere(request.user, "warnings.import_earlywarning")})


# ------------------------------------------------------------------ compose and edit
def _compose_jurisdictions(user: Any) -> Any:
    return (Jurisdiction.objects.restrict(user, "warnings.add_earlywarning")
            .filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path"))


def _when(value: str) -> datetime.datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _area_inputs(raw: str, picked: list[str]) -> list[services.AreaInput]:
    try:
        drawn = json.loads(raw or "[]")
    except json.JSONDecodeError as exc:
        raise ValidationError({"areas": _("The drawn areas could not be read; draw them again.")}) from exc
    if not isinstance(drawn, list):
        raise ValidationError({"areas": _("The drawn areas could not be read; draw them again.")})
    inputs = []
    for item in drawn:
        if not isinstance(item, dict):
            raise ValidationError({"areas": _("The drawn areas could not be read; draw them again.")})
        inputs.append(services.AreaInput(kind=str(item.get("kind", "")), desc=str(item.get("desc", ""))[:300],
                                         ring=item.get("ring"), circle=item.get("circle")))
    inputs += [services.AreaInput(kind="jurisdiction", jurisdiction=code) for code in picked if code]
    return inputs


def _fields(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    remind = post.get("remind_after_minutes", "").strip()
    fields: dict[str, Any] = {
        "level": post.get("level", ""), "hazard": post.get("hazard", ""), "headline": post.get("headline", ""),
        "description": post.get("description", ""), "instruction": post.get("instruction", ""),
        "urgency": post.get("urgency") or "Expected", "certainty": post.get("certainty") or "Likely",
        "onset": _when(post.get("onset", "")), "expires": _when(post.get("expires", "")),
        "target_groups": post.getlist("target_groups"), "channels": post.getlist("channels"),
        "ask_ack": post.get("ask_ack") == "on", "cap_status": post.get("cap_status") or "Actual",
        "scope": post.get("scope") or "Public", "restriction": post.get("restriction", ""),
    }
    if remind:
        if not remind.isdigit():
            raise ValidationError({"remind_after_minutes": _("Enter a whole number of minutes.")})
        fields["remind_after_minutes"] = int(remind)
    fields["areas"] = _area_inputs(post.get("areas", ""), post.getlist("area_jurisdictions"))
    fields["contact_lists"] = post.getlist("contact_lists")
    return fields


def _form_context(request: HttpRequest, warning: EarlyWarning | None, values: dict[str, Any],
                  errors: dict[str, list[str]]) -> dict[str, Any]:
    choices = _compose_jurisdictions(request.user)
    base = warning.jurisdiction if warning is not None else choices.first()
    pickable = (Jurisdiction.objects.filter(path__startswith=base.path, level__in=[Level.STREET, Level.COMMUNITY,
                                                                                   Level.GRID]).order_by("path")
                if base is not None else Jurisdiction.objects.none())
    centre = [base.centroid_lon, base.centroid_lat] if base is not None and base.centroid_lon is not None else None
    return {"warning": warning, "values": values, "errors": errors, "jurisdictions": choices,
            "pickable": pickable[:500], "levels": WarningLevel.choices, "level_colours": LEVEL_COLOUR,
            "hazards": [(h.value, h.label, str(HAZARDS[h].advice)) for h in Hazard],
            "groups": TargetGroup.choices, "channels": CHANNEL_LABELS, "centre": centre,
            "boundary_url": reverse("api:jurisdictions_geojson"), "compose_text": compose_text(),
            "contact_lists": (ContactList.objects.visible_to(request.user).select_related("jurisdiction")
                              .annotate(size=Count("contacts")).order_by("jurisdiction__path", "name")[:200])}


def compose_text() -> dict[str, Any]:
    """Words the compose page's script shows (the suggested headline, the map's drawing tools)."""
    return {
        "headline": _("%(place)s issues a %(level)s %(hazard)s warning"),
        "levels": {str(k): str(v) for k, v in LEVEL_WORD.items()},
        "drawn": _("Drawn on the map: %(polygons)s polygon(s), %(circles)s circle(s)."),
        "none": _("Nothing drawn on the map yet."),
        "tools": {"polygon": _("Draw a polygon"), "circle": _("Draw a circle"), "cancel": _("Cancel"),
                  "finish": _("Finish"), "undo": _("Delete last point"), "start": _("Click to start drawing."),
                  "cont": _("Click to continue drawing."), "end": _("Click the first point to close the area."),
                  "circle_start": _("Press and drag to draw a circle."), "radius": _("Radius"),
                  "edit": _("Edit areas"), "remove": _("Delete areas"), "save": _("Save"),
                  "clear": _("Clear all")},
    }


def _defaults() -> dict[str, Any]:
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {"level": "yellow", "hazard": "rainstorm", "onset": now, "expires": now + datetime.timedelta(hours=6),
            "target_groups": [TargetGroup.GRID_WORKERS], "channels": ["in_app", "push", "sms"], "ask_ack": True,
            "remind_after_minutes": 30, "areas_json": "[]", "area_jurisdictions": [], "contact_lists": []}


def _posted_values(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {**{k: post.get(k, "") for k in ("jurisdiction", "level", "hazard", "headline", "description",
                                               "instruction", "remind_after_minutes")},
            "onset": _when(post.get("onset", "")), "expires": _when(post.get("expires", "")),
            "target_groups": post.getlist("target_groups"), "channels": post.getlist("channels"),
            "ask_ack": post.get("ask_ack") == "on", "areas_json": post.get("areas", "[]"),
            "area_jurisdictions": post.getlist("area_jurisdictions"),
            "contact_lists": [int(v) for v in post.getlist("contact_lists") if v.isdigit()]}


@login_required
def warning_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "warnings.add_earlywarning"):
        return render(request, "warnings/forbidden.html", status=403)
    if request.method == "POST":
        values = _posted_values(request)
        try:
            jurisdiction = get_object_or_404(_compose_jurisdictions(request.user),
                                             code=request.POST.get("jurisdiction", ""))
            warning = services.compose(actor=request.user, jurisdiction=jurisdiction, **_fields(request))
        except ValidationError as exc:
            return render(request, "warnings/form.html", _form_context(request, None, values, _errors(exc)),
                          status=422)
        messages.success(request, _("Draft saved. Check who will receive it, then release it."))
        return redirect("warnings:detail", pk=warning.pk)
    return render(request, "warnings/form.html", _form_context(request, None, _defaults(), {}))


def _values_of(warning: EarlyWarning) -> dict[str, Any]:
    info = warning.first_info
    drawn = []
    picked = []
    if info is not None:
        for area in info.areas.all():
            if area.jurisdiction_id is not None:
                picked.append(area.jurisdiction.code)  # type: ignore[union-attr]
                continue
            drawn += [{"kind": "polygon", "ring": ring, "desc": area.area_desc} for ring in area.polygons]
            drawn += [{"kind": "circle", "circle": c, "desc": area.area_desc} for c in area.circles]
    return {"jurisdiction": warning.jurisdiction.code, "level": warning.level, "hazard": warning.hazard,
            "headline": info.headline if info else "", "description": info.description if info else "",
            "instruction": info.instruction if info else "",
            "onset": timezone.localtime(info.onset) if info and info.onset else None,
            "expires": timezone.localtime(info.expires) if info and info.expires else None,
            "target_groups": warning.target_groups, "channels": warning.channels, "ask_ack": warning.ask_ack,
            "remind_after_minutes": warning.remind_after_minutes or "", "areas_json": json.dumps(drawn),
            "area_jurisdictions": picked, "contact_lists": list(warning.contact_lists.values_list("pk", flat=True))}


@login_required
def warning_edit(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk)
    if not can(request.user, "change", warning) or warning.state != State.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("warnings:detail", pk=warning.pk)
    if warning.origin != Origin.COMPOSED:
        return redirect("warnings:detail", pk=warning.pk)
    if request.method == "POST":
        try:
            services.edit_draft(warning, actor=request.user, **_fields(request))
        except ValidationError as exc:
            return render(request, "warnings/form.html",
                          _form_context(request, warning, _posted_values(request), _errors(exc)), status=422)
        messages.success(request, _("Draft saved."))
        return redirect("warnings:detail", pk=warning.pk)
    return render(request, "warnings/form.html", _form_context(request, warning, _values_of(warning), {}))


# ------------------------------------------------------------------ a warning's page
def group_label(group: str) -> str:
    if group in TargetGroup.values:
        return str(TargetGroup(group).label)
    return _("Key groups (contact lists)") if group == audience.CONTACT_GROUP else group


def _preview(request: HttpRequest, warning: EarlyWarning) -> dict[str, Any]:
    persons = services.recipients(warning)
    summary = audience.preview(persons, warning.channels, robots=len(robots.listening(warning.jurisdiction,
                                                                                       "warnings")))
    paths = dict(Jurisdiction.objects.filter(pk__in={p.jurisdiction_id for p in summary.sample})
                 .values_list("pk", "path"))
    names = dict(Jurisdiction.objects.filter(pk__in={p.jurisdiction_id for p in summary.sample})
                 .values_list("pk", "name"))
    sample = [{"name": p.name, "group": group_label(p.group),
               "place": names.get(p.jurisdiction_id, ""),
               "phone": phone_for(request.user, p.phone, paths.get(p.jurisdiction_id, "")),
               "channels": [CHANNEL_LABELS[c] for c in warning.channels
                            if audience.reachable(p, c, summary.pushable or set())]} for p in summary.sample]
    return {"people": summary.people, "unreachable": summary.unreachable, "robots": summary.robots,
            "by_group": [(group_label(g), n) for g, n in summary.by_group.items()],
            "by_channel": [(CHANNEL_LABELS[c], n) for c, n in summary.by_channel.items()], "sample": sample}


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk)
    infos = list(warning.infos.order_by("position").prefetch_related("areas"))
    steps = [t for t in WARNING.allowed(request.user, warning)
             if not (t.name == "approve" and warning.created_by_id == request.user.pk)]
    context = {
        "warning": warning, "infos": infos, "may_change": can(request.user, "change", warning),
        "may_publish": can(request.user, "publish", warning), "steps": steps,
        "needs_approval": workflows.needs_approval(warning.level), "history": WARNING.history(warning),
        "reached": list(warning.target_jurisdictions.order_by("path")),
        "followers": list(warning.followers.order_by("-created_at")),
        "channel_labels": [CHANNEL_LABELS.get(c, c) for c in warning.channels],
        "group_labels": [TargetGroup(g).label for g in warning.target_groups if g in TargetGroup.values],
        "list_names": list(warning.contact_lists.values_list("name", flat=True)),
    }
    if warning.state in (State.DRAFT, State.PENDING, State.APPROVED):
        context["preview"] = _preview(request, warning)
    return render(request, "warnings/detail.html", context)


@login_required
def warning_areas(request: HttpRequest, pk: int) -> JsonResponse:
    """The warning's areas as GeoJSON (polygons; circles with their radius) for the maps."""
    warning = _warning(request, pk)
    return JsonResponse(areas_geojson(warning))


def areas_geojson(warning: EarlyWarning) -> dict[str, Any]:
    features = []
    for info in warning.infos.order_by("position").prefetch_related("areas"):
        for area in info.areas.all():
            for ring in area.polygons:
                features.append({"type": "Feature", "properties": {"name": area.area_desc},
                                 "geometry": {"type": "Polygon", "coordinates": [ring]}})
            for lon, lat, km in area.circles:
                features.append({"type": "Feature", "properties": {"name": area.area_desc, "radius_m": km * 1000},
                                 "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    return {"type": "FeatureCollection", "features": features}


@login_required
def warning_cap(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk)
    response = HttpResponse(services.export_xml(warning), content_type=cap.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{warning.identifier}.xml"'
    return response


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    warning = _warning(request, pk)
    try:
        result = action(warning)
    except ValidationError as exc:
        for problems in _errors(exc).values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("warnings:detail", pk=warning.pk)
    messages.success(request, done)
    return redirect("warnings:detail", pk=result.pk if isinstance(result, EarlyWarning) else warning.pk)


STEP_SERVICES = {"submit": services.submit, "approve": services.approve, "reject": services.reject,
                 "release": services.release, "release_cancel": services.release}
STEP_DONE = {"submit": _("Submitted for approval."), "approve": _("Approved. It can be released now."),
             "reject": _("Sent back to draft."), "release": _("The warning is released."),
             "release_cancel": _("The warning is lifted.")}


@login_required
@require_POST
def warning_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One workflow step from the warning's page (the buttons are WARNING.allowed for the user)."""
    if step not in STEP_SERVICES:
        raise Http404
    note = request.POST.get("note", "").strip()[:300]
    kwargs: dict[str, Any] = {"note": note} if step in ("submit", "approve", "reject") else {}
    return _act(request, pk, lambda w: STEP_SERVICES[step](w, actor=request.user, **kwargs), STEP_DONE[step])


@login_required
@require_POST
def warning_update(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk)
    try:
        follower = services.compose_update(warning, actor=request.user)
    except ValidationError as exc:
        for problems in _errors(exc).values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("warnings:detail", pk=warning.pk)
    messages.success(request, _("An update is drafted from the warning; change what is new and release it."))
    return redirect("warnings:edit", pk=follower.pk)


@login_required
@require_POST
def warning_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda w: services.compose_cancel(w, actor=request.user,
                                                               note=request.POST.get("note", "")[:500]),
                _("A cancellation is drafted; release it to lift the warning."))


@login_required
@require_POST
def warning_delete(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk)
    try:
        services.delete_draft(warning, actor=request.user)
    except ValidationError as exc:
        for problems in _errors(exc).values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("warnings:detail", pk=warning.pk)
    messages.success(request, _("The draft is deleted."))
    return redirect("warnings:list")


# ------------------------------------------------------------------ release progress
RECIPIENT_PAGE = 50


@login_required
def warning_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Live progress of a released warning: sent / delivered / read / acknowledged by street and
    community, per channel, and who has not acknowledged. The page re-reads its counts (the
    `counts` partial) when core.realtime says the warning's deliveries moved."""
    warning = _warning(request, pk)
    part = request.GET.get("part") if request.htmx else None  # the live re-reads ask for one part only
    street = _int(request.GET.get("street"))
    community = _int(request.GET.get("community"))
    context: dict[str, Any] = {
        "warning": warning, "street": street, "community": community, "other": _("Other"),
        "progress_url": reverse("warnings:progress", args=[warning.pk])}
    if part != "waiting":
        context.update(_counts_context(warning))
    if part != "counts":
        waiting = Paginator(progress.not_acknowledged(warning, street, community), RECIPIENT_PAGE).get_page(
            request.GET.get("page"))
        context["waiting"] = waiting
        context["waiting_rows"] = [
            {"row": r, "phone": phone_for(request.user, r.phone,
                                          r.jurisdiction.path if r.jurisdiction else warning.jurisdiction.path)}
            for r in waiting]
    if part in ("counts", "waiting"):
        return render(request, f"warnings/progress.html#{part}", context)
    return render(request, "warnings/progress.html", context)


def _counts_context(warning: EarlyWarning) -> dict[str, Any]:
    """The counts part: totals, the table of streets and communities, the channels."""
    figures = progress.of(warning, cached=True)
    # Rows and cells prepared here, as text: the page shows a hundred communities and is re-read live
    # (each lookup and number formatting in the template cost more than the counting).
    table = []
    for s in figures.streets:
        table.append({"kind": "street", "name": s.name, "query": f"street={s.jurisdiction_id or ''}",
                      "cells": _cells(s, warning.ask_ack)})
        table += [{"kind": "community", "name": c.name, "query": f"community={c.jurisdiction_id or ''}",
                   "cells": _cells(c, warning.ask_ack)} for c in s.communities]
    statuses = DeliveryStatus.values
    channel_rows = [(CHANNEL_LABELS.get(c, c), [str(n.get(st, 0)) for st in statuses])
                    for c, n in figures.by_channel.items()]
    if figures.robots:
        channel_rows.append((_("Group robots"), [str(figures.robots.get(st, 0)) for st in statuses]))
    return {"progress": figures, "table_rows": table, "channel_rows": channel_rows,
            "status_labels": [label for _v, label in DeliveryStatus.choices]}


def _cells(counts: progress.Counts, ask_ack: bool) -> list[str]:
    cells = [str(counts.people), str(counts.sent), str(counts.delivered), str(counts.read)]
    if ask_ack:
        cells.append(f"{counts.acknowledged} / {counts.can_ack}")
    return cells


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# ------------------------------------------------------------------ CAP import and feeds
def _import_jurisdictions(user: Any) -> Any:
    return (Jurisdiction.objects.restrict(user, "warnings.import_earlywarning")
            .filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path"))


@login_required
def cap_import(request: HttpRequest) -> HttpResponse:
    """Upload a CAP message received by other means (email, a USB stick from the weather bureau)."""
    choices = _import_jurisdictions(request.user)
    if not choices.exists():
        return render(request, "warnings/forbidden.html", status=403)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        jurisdiction = choices.filter(code=request.POST.get("jurisdiction", "")).first()
        if upload is None:
            error = _("Choose a CAP file (.xml).")
        elif jurisdiction is None:
            error = _("Choose the jurisdiction the warning is for.")
        elif upload.size is not None and upload.size > cap.MAX_BYTES:
            error = _("The file is larger than %(size)d MB.") % {"size": cap.MAX_BYTES // (1024 * 1024)}
        else:
            try:
                result = services.import_cap(upload.read(), jurisdiction=jurisdiction, actor=request.user)
            except cap.CapError as exc:
                error = str(exc)
            else:
                if result.created:
                    messages.success(request, _("Imported as a draft. Check it and release it."))
                else:
                    messages.info(request, _("This message was already received; nothing changed."))
                return redirect("warnings:detail", pk=result.warning.pk)
    return render(request, "warnings/import.html", {"jurisdictions": choices, "error": error},
                  status=422 if error else 200)


def _feed_jurisdictions(user: Any) -> Any:
    return (Jurisdiction.objects.restrict(user, "warnings.add_capfeed")
            .filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path"))


def _feed_fields(request: HttpRequest, choices: Any) -> dict[str, Any]:
    post = request.POST
    every = post.get("every_minutes", "").strip()
    return {"jurisdiction": choices.filter(code=post.get("jurisdiction", "")).first(),
            "name": post.get("name", ""), "url": post.get("url", ""),
            "every_minutes": int(every) if every.isdigit() else None, "is_active": post.get("is_active") == "on"}


@login_required
def feed_list(request: HttpRequest) -> HttpResponse:
    """The CAP feeds the centre polls, and the form to add one (for those who may)."""
    feeds_ = CapFeed.objects.visible_to(request.user).select_related("jurisdiction")
    choices = _feed_jurisdictions(request.user)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"every_minutes": 5, "is_active": True}
    if request.method == "POST":
        fields = _feed_fields(request, choices)
        try:
            feed = feeds.save_feed(None, actor=request.user, **fields)
        except ValidationError as exc:
            errors, values = _errors(exc), {**request.POST.dict(), "is_active": fields["is_active"]}
        else:
            messages.success(request, _("The feed is added; it is polled within a minute."))
            return redirect(f"{reverse('warnings:feeds')}#feed-{feed.pk}")
    manageable = set(CapFeed.objects.restrict(request.user, "change").values_list("pk", flat=True))
    return render(request, "warnings/feeds.html", {"feeds": feeds_, "jurisdictions": choices, "errors": errors,
                                                   "values": values, "manageable": manageable},
                  status=422 if errors else 200)


def _feed(request: HttpRequest, pk: int) -> CapFeed:
    return get_object_or_404(CapFeed.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)


@login_required
def feed_edit(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request, pk)
    if not can(request.user, "change", feed):
        return render(request, "warnings/forbidden.html", status=403)
    choices = Jurisdiction.objects.restrict(request.user, "warnings.change_capfeed").filter(
        level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path")
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"jurisdiction": feed.jurisdiction.code, "name": feed.name, "url": feed.url,
                              "every_minutes": feed.every_minutes, "is_active": feed.is_active}
    if request.method == "POST":
        fields = _feed_fields(request, choices)
        try:
            feeds.save_feed(feed, actor=request.user, **fields)
        except ValidationError as exc:
            errors, values = _errors(exc), {**request.POST.dict(), "is_active": fields["is_active"]}
        else:
            messages.success(request, _("The feed is saved."))
            return redirect("warnings:feeds")
    return render(request, "warnings/feed_form.html", {"feed": feed, "jurisdictions": choices, "errors": errors,
                                                       "values": values}, status=422 if errors else 200)


@login_required
@require_POST
def feed_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """Poll a feed now (the operator checks a new feed, or wants the bureau's latest at once)."""
    feed = _feed(request, pk)
    if not can(request.user, "change", feed):
        return render(request, "warnings/forbidden.html", status=403)
    outcome = feeds.poll(feed, timezone.now())
    if outcome.errors:
        messages.error(request, " · ".join(outcome.errors)[:500])
    messages.info(request, _("Polled: %(new)d new message(s), %(known)d already received.")
                  % {"new": outcome.imported, "known": outcome.known})
    return redirect("warnings:feeds")


@login_required
@require_POST
def feed_delete(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request, pk)
    feeds.delete_feed(feed, actor=request.user)
    messages.success(request, _("The feed is removed."))
    return redirect("warnings:feeds")
