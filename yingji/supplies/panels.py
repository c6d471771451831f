"""What supplies shows on the role home (issue 13): a keeper's stock, expiring lots and the transfers
waiting for them; a community's warehouses; the allocations waiting for a street's or the district's
approval — a block of the dashboard's role home (dashboard/home.py)."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import HttpRequest
from django.template.loader import render_to_string

from yingji.core.scope import granted_paths
from yingji.supplies.models import Allocation, AllocationLine, AllocationStatus, StockLot, Warehouse
from yingji.supplies.services.reports import below_minimum, expiring_lots

PANEL_ROWS = 5
EXPIRY_DAYS = 30
# Roles whose home shows warehouses and what is due in them.
STOCK_ROLES = {"warehouse_keeper", "community_staff"}


def home_panel(request: HttpRequest, home: dict[str, Any]) -> str:
    user = request.user
    role = home.get("role", "")
    place = home.get("place")
    warehouses = Warehouse.objects.visible_to(user).filter(is_active=True)
    if role == "warehouse_keeper" and warehouses.filter(keeper=user).exists():
        warehouses = warehouses.filter(keeper=user)
    elif place is not None:
        warehouses = warehouses.filter(jurisdiction__path__startswith=place.path)
    context: dict[str, Any] = {"role": role}
    if role in STOCK_ROLES:
        listed = list(warehouses.select_related("jurisdiction").annotate(
            kinds=Count("balances", filter=Q(balances__quantity__gt=0)),
            units=Sum("balances__quantity")).order_by("code")[:20])
        gaps = below_minimum(warehouses)
        short = {g.warehouse.pk for g in gaps}
        for w in listed:
            w.short = sum(1 for g in gaps if g.warehouse.pk == w.pk) if w.pk in short else 0
        lots = expiring_lots(StockLot.objects.visible_to(user).filter(warehouse__in=warehouses), EXPIRY_DAYS)
        context.update({"warehouses": listed, "expiring": list(lots[:PANEL_ROWS]), "expiring_count": lots.count(),
                        "days": EXPIRY_DAYS})
    # Transfers that wait for this user: to approve (streets, district), to send or to receive (keepers).
    approve_paths = granted_paths(user, "supplies.approve_allocation")
    waiting = (Allocation.objects.visible_to(user).filter(status__in=[AllocationStatus.REQUESTED,
                                                                      AllocationStatus.APPROVED,
                                                                      AllocationStatus.DISPATCHED])
               .select_related("jurisdiction", "destination").order_by("-requested_at"))
    if role == "warehouse_keeper":
        mine = warehouses.values("pk")
        waiting = waiting.filter(Q(lines__warehouse__in=mine, status=AllocationStatus.APPROVED)
                                 | Q(destination__in=mine, status=AllocationStatus.DISPATCHED)).distinct()
    elif role not in STOCK_ROLES:
        # Those this user may approve: every source warehouse in their area (supplies/workflows.py), not
        # those of their communities asking the district reserve (issue 13: requests go to the owners).
        if approve_paths:
            ours = reduce(operator.or_, (Q(warehouse__jurisdiction__path__startswith=p) for p in approve_paths))
            elsewhere = AllocationLine.objects.filter(allocation=OuterRef("pk")).exclude(ours)
            waiting = waiting.filter(status=AllocationStatus.REQUESTED).exclude(Exists(elsewhere))
        else:
            waiting = Allocation.objects.none()
    rows = list(waiting[:PANEL_ROWS])
    if not rows and role not in STOCK_ROLES:
        return ""
    context["allocations"] = rows
    return render_to_string("supplies/_home.html", context, request=request)
