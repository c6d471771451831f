"""Pages of publicity: events with counts per street and community, a new event with its photos, an event with\nits photos, the export."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.files import xlsx_response
from yingji.core.forms import add_service_errors
from yingji.core.scope import can, has_perm_somewhere
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.publicity import services
from yingji.publicity.forms import EventForm
from yingji.publicity.imports import EventTable
from yingji.publicity.models import Campaign, PointCategory, PublicityEvent, PublicityPoint, Venue
from yingji.training.areas import area_for

PERM = "publicity.view_publicityevent"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Events of the year (filter by venue and campaign), counts per street and community, the points."""
    area = area_for(request.user, request.GET.get("jurisdiction", "").strip() or None, PERM)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    year = year if 2000 <= year <= 2100 else timezone.localdate().year
    events = (PublicityEvent.objects.visible_to(request.user).filter(jurisdiction__path__startswith=area.path,
                                                                     held_on__year=year)
              .select_related("jurisdiction"))
    venue, campaign = request.GET.get("venue", ""), request.GET.get("campaign", "")
    if venue in Venue.values:
        events = events.filter(venue=venue)
    if campaign in Campaign.values:
        events = events.filter(campaign=campaign)
    counts = services.publicity_counts(area, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    for row in counts:
        row["venue_cells"] = [row["venues"][v] for v in Venue.values]
        row["campaign_cells"] = [row["campaigns"][c] for c in Campaign.values]
        row["point_total"] = sum(row["points"].values())
    return render(request, "publicity/index.html", {
        "area": area, "year": year, "years": range(year - 3, year + 2), "venue": venue, "campaign": campaign,
        "areas": Jurisdiction.objects.visible_to(request.user).filter(
            level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path"),
        "venues": Venue.choices, "campaigns": Campaign.choices, "counts": counts,
        "page": Paginator(events.order_by("-held_on", "id"), 50).get_page(request.GET.get("page")),
        "points": PublicityPoint.objects.visible_to(request.user).filter(jurisdiction__path__startswith=area.path)
        .select_related("jurisdiction")[:200], "categories": PointCategory.choices,
        "may_export": has_perm_somewhere(request.user, "publicity.export_publicityevent"),
        "may_add": has_perm_somewhere(request.user, "publicity.add_publicityevent")})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(PublicityEvent.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    return render(request, "publicity/detail.html", {"event": event, "photos": event.photos.all(),
                                                     "may_change": can(request.user, "change", event)})


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """A new event with its photos (services.create_event checks both, as for the API; all or nothing)."""
    if not has_perm_somewhere(request.user, "publicity.add_publicityevent"):
        raise PermissionDenied
    form = EventForm(request.POST or None, request.FILES or None, user=request.user,
                     initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(actor=request.user, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("jurisdiction", _("You may not do this in that jurisdiction."))
        else:
            messages.success(request, _("The event is recorded with %(n)s photos.") % {"n": event.photos.count()})
            return redirect("publicity:detail", pk=event.pk)
    return render(request, "publicity/form.html", {"form": form}, status=422 if form.is_bound and form.errors else 200)


@login_required
@require_POST
def add_photos(request: HttpRequest, pk: int) -> HttpResponse:
    """Photos of an event from its page: checked like the hazards' (core.uploads), all or none."""
    event = get_object_or_404(PublicityEvent.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    try:
        added = services.add_photos(event, request.FILES.getlist("photos"), actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)s photos added.") % {"n": len(added)})
    return redirect("publicity:detail", pk=event.pk)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    return xlsx_response(EventTable(request.user).stream_xlsx(), _("publicity events"))
