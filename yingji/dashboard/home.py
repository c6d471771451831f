"""The role home (`/`): the command dashboard's building blocks, chosen per role (issues 13 and 18).

One mechanism: the home page (core/home.html, accounts.views.home) draws its "home" panels, and the
dashboard's is the one that fills it — the blocks its role's line of ROLE_BLOCKS names, in that order:

    district, street   今日待办 · key figures per street (a street: per community) · map · open incidents · allocations
    community          今日待办 · its figures (tiles) · teams · warehouses, expiring lots, allocations · open incidents
    keeper             their warehouses and stock · expiring lots · transfers to send or receive
    grid worker        the phone home (its layout is the phone work's): "上报" first (home.actions), their grid's map
                       (hazards' views.home_map), the open incidents they see

Every figure is the dashboard's own (services.home_data: the key figures and 今日待办 of the user's place,
the same queries and cache as /dashboard/), so the home and the dashboard never disagree; the lists come
from the apps that keep them (resources' teams, supplies' warehouses, lots and transfers, incidents' open
incidents — read from the very queryset the dashboard counts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from yingji.accounts.roles import Role
from yingji.dashboard import services
from yingji.jurisdictions.models import Level

AREA = ("attention", "figures", "map", "incidents", "supplies")
ROLE_BLOCKS: dict[str, tuple[str, ...]] = {
    Role.DISTRICT_ADMIN: AREA,
    Role.STREET_OFFICER: AREA,
    Role.COMMUNITY_STAFF: ("attention", "figures", "teams", "supplies", "incidents"),
    Role.WAREHOUSE_KEEPER: ("supplies",),
    # The phone home: owned by the phone work (its layout), on these same blocks: the grid's map under 上报.
    Role.GRID_WORKER: ("grid_map", "incidents"),
    Role.RESPONDER: (),
    Role.UNIT_CONTACT: (),
    Role.EXPERT: ("figures", "map"),
    Role.AUDITOR: ("figures", "map"),
}
#: A user without a role (a superuser without an assignment) sees the district's home.
DEFAULT_BLOCKS = AREA


class Home:
    """What the blocks of one home page share: the request, the role, the place and its figures."""

    def __init__(self, request: HttpRequest, home: dict[str, Any]) -> None:
        self.request = request
        self.home = home
        self.role = home.get("role", "")
        self.area = services.focus_area(request.user, home["place"].code if home.get("place") else None)
        self._data: dict[str, Any] | None = None

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = services.home_data(self.request.user, self.area)
        return self._data

    def render(self, template: str, **context: Any) -> str:
        return render_to_string(template, {"area": self.area, "home": self.home, **context}, request=self.request)


def _attention(h: Home) -> str:
    return h.render("dashboard/blocks/attention.html", data=h.data)


def _figures(h: Home) -> str:
    # A district's streets and a street's communities in rows; a community its own figures (its grids hold none).
    rows = h.area.level in (Level.CITY, Level.DISTRICT, Level.STREET)
    return h.render("dashboard/blocks/figures.html", data=h.data, rows=rows)


def _map(h: Home) -> str:
    below = {Level.DISTRICT: Level.COMMUNITY, Level.STREET: Level.COMMUNITY}.get(h.area.level, Level.GRID)
    outline = Level.STREET if h.area.level in (Level.CITY, Level.DISTRICT) else h.area.level
    return h.render("dashboard/blocks/map.html", below=below, outline=outline)


def _grid_map(h: Home) -> str:
    from yingji.hazards.views import home_map

    return home_map(h.request, h.home.get("place"))


def _teams(h: Home) -> str:
    from yingji.resources.panels import home_panel

    return home_panel(h.request, h.home)


def _supplies(h: Home) -> str:
    from yingji.supplies.panels import home_panel

    return home_panel(h.request, h.home)


def _incidents(h: Home) -> str:
    from yingji.incidents.panels import home_panel

    rows = services.figure_queryset(h.request.user, h.area, "open_incidents", timezone.now())
    return home_panel("home", h.request, h.home, rows)


BLOCKS: dict[str, Callable[[Home], str]] = {
    "attention": _attention, "figures": _figures, "map": _map, "grid_map": _grid_map, "teams": _teams,
    "supplies": _supplies, "incidents": _incidents,
}


def blocks_for(role: str) -> tuple[str, ...]:
    return ROLE_BLOCKS.get(role, DEFAULT_BLOCKS) if role else DEFAULT_BLOCKS


def home_panel(request: HttpRequest, home: Any) -> str:
    if not request.user.is_authenticated or not isinstance(home, dict):
        return ""
    names = blocks_for(home.get("role", ""))
    if not names:
        return ""
    try:
        h = Home(request, home)
    except Http404:  # nobody in scope: nothing to show, the home page still answers
        return ""
    parts = [BLOCKS[name](h) for name in names]
    return render_to_string("dashboard/_home.html", {"blocks": [p for p in parts if p]}, request=request)
