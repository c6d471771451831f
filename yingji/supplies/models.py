"""The supplies ledgers: catalogue, warehouses, lots, the movement ledger, allocations, counts.

Stock is a ledger (see docs/developing.md, "Writes"): every change of stock is
one append-only `StockMovement`; `StockLot.quantity` and `StockBalance.quantity`
are running sums of those movements, kept in step by yingji/supplies/services
under row locks and guarded by check constraints so that a balance can never go
negative, even when two duty officers issue the last units at the same moment.
`manage.py check_stock` verifies that every balance equals the sum of its
movements and of its lots.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.scope import ROOT_PATH, ScopedQuerySet, granted_paths, perm_name


class Category(models.TextChoices):
    """Material classes after the national emergency-material classification (GB/T 38565)."""

    PROTECTIVE = "protective", _("Personal protection")
    RESCUE_TOOLS = "rescue_tools", _("Rescue tools")
    FIREFIGHTING = "firefighting", _("Firefighting")
    WATER_RESCUE = "water_rescue", _("Water rescue")
    FLOOD_CONTROL = "flood_control", _("Flood control")
    LIGHTING_POWER = "lighting_power", _("Lighting and power")
    COMMUNICATIONS = "communications", _("Communications")
    MEDICAL = "medical", _("Medical and first aid")
    LIVING = "living", _("Living supplies")
    SHELTER = "shelter", _("Temporary shelter")
    WARNING = "warning", _("Warning and cordon")
    DECONTAMINATION = "decontamination", _("Decontamination and cleanup")
    ENGINEERING = "engineering", _("Engineering materials")


class WarehouseLevel(models.TextChoices):
    DISTRICT = "district", _("District warehouse")
    STREET = "street", _("Street warehouse")
    COMMUNITY = "community", _("Community warehouse")
    STATION = "station", _("Station store")
    ENTERPRISE = "enterprise", _("Enterprise reserve")
    HOUSEHOLD = "household", _("Household kit programme")


class Condition(models.TextChoices):
    GOOD = "good", _("Good")
    NEEDS_MAINTENANCE = "needs_maintenance", _("Needs maintenance")
    DAMAGED = "damaged", _("Damaged")


class MovementKind(models.TextChoices):
    # A context, because "Receipt" alone is already translated as a receipt slip elsewhere.
    RECEIPT = "receipt", pgettext_lazy("stock movement", "Receipt")
    ISSUE = "issue", pgettext_lazy("stock movement", "Issue to an incident")
    TRANSFER_OUT = "transfer_out", pgettext_lazy("stock movement", "Transfer out")
    TRANSFER_IN = "transfer_in", pgettext_lazy("stock movement", "Transfer in")
    ADJUSTMENT = "adjustment", pgettext_lazy("stock movement", "Adjustment after a count")
    WRITE_OFF = "write_off", pgettext_lazy("stock movement", "Write-off")


class MovementReason(models.TextChoices):
    """Why stock moved, stored as a code and shown in the reader's language (issue 13: stored Chinese
    sentences showed in the English screens). What a keeper types beyond it is the movement's note."""

    PURCHASE = "purchase", pgettext_lazy("stock movement reason", "Purchase")
    DONATION = "donation", pgettext_lazy("stock movement reason", "Donation")
    OPENING = "opening", pgettext_lazy("stock movement reason", "Opening stock")
    ALLOCATION = "allocation", pgettext_lazy("stock movement reason", "Allocation sent")
    ALLOCATION_RECEIVED = "allocation_received", pgettext_lazy("stock movement reason", "Allocation received")
    INCIDENT = "incident", pgettext_lazy("stock movement reason", "Issued to an incident")
    EXPIRED = "expired", pgettext_lazy("stock movement reason", "Expired")
    STOCK_COUNT = "stock_count", pgettext_lazy("stock movement reason", "Stock count")
    OTHER = "other", pgettext_lazy("stock movement reason", "Other")


# The texts the ledger stored before the codes (in Chinese or English), and a keeper's typed word
# that is one of the codes' labels: read as that code (services._reason, migration 0005).
LEGACY_REASONS = {
    "采购": MovementReason.PURCHASE, "purchase": MovementReason.PURCHASE, "采购入库": MovementReason.PURCHASE,
    "捐赠": MovementReason.DONATION, "donation": MovementReason.DONATION,
    "期初库存": MovementReason.OPENING, "期初库存（导入）": MovementReason.OPENING, "期初导入": MovementReason.OPENING,
    "opening stock": MovementReason.OPENING, "opening stock (import)": MovementReason.OPENING,
    "已过期": MovementReason.EXPIRED, "过期": MovementReason.EXPIRED, "expired": MovementReason.EXPIRED,
}
# Sentences with a number in them: (pattern, code, the group holding the note or None).
LEGACY_PATTERNS = [
    (r"^(?:调拨单 |Allocation )\S+(?:：|: )(.*)$", MovementReason.ALLOCATION, 1),
    (r"^(?:调拨单 \S+ 已收货|Allocation \S+ received)$", MovementReason.ALLOCATION_RECEIVED, None),
    (r"^(?:事件|Incident) \S+$", MovementReason.INCIDENT, None),
    (r"^(?:盘点单 |Stock count )\S+$", MovementReason.STOCK_COUNT, None),
]


def reason_from_text(text: str) -> tuple[str, str]:
    """(code, note) for a reason given as a code, a code's label in Chinese or English, a sentence
    the ledger used to store, or free text (OTHER with the text as its note)."""
    import re

    text = (text or "").strip()
    if text in MovementReason.values:
        return text, ""
    code = LEGACY_REASONS.get(text.lower())
    if code is None:
        for label_code in MovementReason:
            if label_code != MovementReason.OTHER and text in _labels(label_code):
                code = label_code
                break
    if code is not None:
        return code.value, ""
    for pattern, code, group in LEGACY_PATTERNS:
        match = re.match(pattern, text)
        if match:
            return code.value, (match.group(group).strip() if group else "")
    return MovementReason.OTHER.value, text


def _labels(code: MovementReason) -> set[str]:
    from django.utils import translation

    labels = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            labels.add(str(code.label))
    return labels


# Kinds that add stock, that remove it, and the one that may do either.
INBOUND = (MovementKind.RECEIPT, MovementKind.TRANSFER_IN)
OUTBOUND = (MovementKind.ISSUE, MovementKind.TRANSFER_OUT, MovementKind.WRITE_OFF)


class MaterialQuerySet(ScopedQuerySet):
    """The catalogue is reference data for the whole district: whoever may view
    materials anywhere sees all of them; changes follow the owner's jurisdiction."""

    def restrict(self, user: Any, action: str = "view") -> ScopedQuerySet:
        if action == "view":
            return self if granted_paths(user, perm_name(self.model, "view")) else self.none()
        return super().restrict(user, action)


class Material(LedgerModel):
    """A kind of emergency material in the catalogue (物资目录): a dry-powder fire
    extinguisher, a life jacket, a 5 kW generator — what a warehouse can hold."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("kept by"),
                                     on_delete=models.PROTECT, related_name="materials",
                                     help_text=_("The jurisdiction that maintains this catalogue entry."))
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    aliases = models.JSONField(_("aliases"), default=list, blank=True,
                               help_text=_("Other names it is searched by, in Chinese or English."))
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, db_index=True)
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=16)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    maintenance_days = models.PositiveIntegerField(_("maintenance interval (days)"), null=True, blank=True)
    min_reserve = models.JSONField(_("minimum reserve per warehouse level"), default=dict, blank=True,
                                   help_text=_('For example {"community": 20, "street": 100}.'))
    is_active = models.BooleanField(_("in use"), default=True)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["code"]
        permissions = [("import_material", "Can import materials"), ("export_material", "Can export materials")]

    def __str__(self) -> str:
        return self.name

    def minimum_for(self, level: str) -> int:
        return int(self.min_reserve.get(level, 0) or 0)

    def reserve_rows(self) -> list[tuple[Any, int]]:
        """(level label, minimum) in level order, for the catalogue page."""
        return [(LEVEL_SHORT[level], int(self.min_reserve[level])) for level in WarehouseLevel.values
                if self.min_reserve.get(level)]


LEVEL_SHORT = {
    WarehouseLevel.DISTRICT: _("district"), WarehouseLevel.STREET: _("street"),
    WarehouseLevel.COMMUNITY: _("community"), WarehouseLevel.STATION: _("station"),
    WarehouseLevel.ENTERPRISE: _("enterprise"), WarehouseLevel.HOUSEHOLD: _("household kits"),
}


# The depots a requester may name above its own area (issue 13): the street's and the district's.
DEPOT_LEVELS = (WarehouseLevel.STREET, WarehouseLevel.DISTRICT)
REQUEST_PERM = "supplies.request_allocation"


def ancestor_paths(path: str) -> list[str]:
    """The paths of the jurisdictions above `path` ("/a/b/c/" → ["/a/", "/a/b/"])."""
    codes = [code for code in path.strip("/").split("/") if code]
    return ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes))]


class WarehouseQuerySet(ScopedQuerySet):
    """Warehouses follow the scope rule; one narrow exception is what a requester may ask from."""

    def requestable_sources_for(self, user: Any) -> ScopedQuerySet:
        """The warehouses `user` may name as an allocation's source (调出仓库).

        Those the user sees (the scope rule), plus the street and district depots
        above each jurisdiction where the user may request allocations: a community
        asks its street's depot and the district reserve, a street the district
        reserve. Naming a depot reveals only what a request needs (its name, owner
        and what it has available of a material: queries.request_sources); its stock
        pages, ledger and lots stay out of sight (404). Inactive warehouses are
        included so that a request naming one is told it is out of service; choice
        lists filter them out.
        """
        visible = self.restrict(user, "view")
        above = {path for granted in granted_paths(user, REQUEST_PERM) for path in ancestor_paths(granted)}
        if not above:
            return visible
        depots = self.filter(level__in=DEPOT_LEVELS, jurisdiction__path__in=sorted(above),
                             jurisdiction__level__in=("street", "district"))
        return visible | depots


class Warehouse(LedgerModel):
    """A place where emergency materials are kept (应急物资仓库): a district or
    street depot, a community store room, a service station's cabinet, an
    enterprise's reserve, or a household-kit programme counted as one aggregate."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="warehouses")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=16, choices=WarehouseLevel.choices, db_index=True)
    station = models.ForeignKey("resources.Station", verbose_name=_("station"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="warehouses")
    keeper = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("keeper account"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="kept_warehouses")
    keeper_name = models.CharField(_("keeper"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    open_24h = models.BooleanField(_("open 24/7"), default=False)
    hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    access_notes = models.TextField(_("access notes"), blank=True,
                                    help_text=_("Where the key is, gate codes, vehicle access, who to call at night."))
    is_active = models.BooleanField(_("in service"), default=True)

    objects = WarehouseQuerySet.as_manager()

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]
        permissions = [("import_warehouse", "Can import warehouses"),
                       ("export_warehouse", "Can export warehouses")]
        constraints = [
            models.CheckConstraint(condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                                   name="warehouse_coordinates_in_range",
                                   violation_error_message=_("Coordinates must be WGS-84 degrees.")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_aggregate(self) -> bool:
        """A household-kit programme: many homes counted as one store."""
        return self.level == WarehouseLevel.HOUSEHOLD


class StockScoped(models.Model):
    """Derived stock rows: scoped through their warehouse, not audited one by
    one (their history is the movement ledger)."""

    objects = ScopedQuerySet.as_manager()
    scope_path = "warehouse__jurisdiction__path"

    class Meta:
        abstract = True


class StockBalance(StockScoped):
    """How much of one material one warehouse holds: the sum of its movements.

    This is the row that is locked (select_for_update, in (warehouse, material)
    order) before any movement, so concurrent issues queue up on it. `reserved`
    is what approved allocations have earmarked and not yet dispatched.
    """

    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT,
                                  related_name="balances")
    material = models.ForeignKey(Material, verbose_name=_("material"), on_delete=models.PROTECT,
                                 related_name="balances")
    quantity = models.IntegerField(_("quantity"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["warehouse", "material"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "material"], name="stock_balance_one_per_material"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_balance_not_negative",
                                   violation_error_message=_("Stock cannot go below zero.")),
            models.CheckConstraint(condition=Q(reserved__gte=0) & Q(reserved__lte=models.F("quantity")),
                                   name="stock_reserved_within_balance",
                                   violation_error_message=_("More stock is reserved than the warehouse holds.")),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse} · {self.material}: {self.quantity}"

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class StockLot(StockScoped):
    """A batch of one material in one warehouse, with its dates and condition."""

    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT,
                                  related_name="lots")
    material = models.ForeignKey(Material, verbose_name=_("material"), on_delete=models.PROTECT,
                                 related_name="lots")
    batch = models.CharField(_("batch"), max_length=50, blank=True)
    quantity = models.IntegerField(_("quantity"), default=0)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices, default=Condition.GOOD)
    last_maintained_on = models.DateField(_("last maintained on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("stock lot")
        verbose_name_plural = _("stock lots")
        ordering = ["warehouse", "material", "expiry_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_lot_not_negative",
                                   violation_error_message=_("Stock cannot go below zero.")),
            models.UniqueConstraint(fields=["warehouse", "material", "batch"], name="stock_lot_unique_batch",
                                    violation_error_message=_("This batch is already in this warehouse.")),
        ]
        indexes = [models.Index(fields=["warehouse", "material"], name="stock_lot_wh_material")]

    def __str__(self) -> str:
        return f"{self.material} {self.batch}".strip()


class AppendOnlyQuerySet(ScopedQuerySet):
    """Movements are never changed or deleted: corrections are new movements."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("stock movements are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("stock movements are append-only")


class StockMovement(models.Model):
    """One change of stock in the ledger (出入库流水): a receipt, an issue to an
    incident, a transfer out or in, an adjustment after a count or a write-off,
    with who made it, when, why and the document it belongs to."""

    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT,
                                  related_name="movements")
    material = models.ForeignKey(Material, verbose_name=_("material"), on_delete=models.PROTECT,
                                 related_name="movements")
    lot = models.ForeignKey(StockLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices, db_index=True)
    quantity = models.IntegerField(_("quantity"), help_text=_("Positive into the warehouse, negative out of it."))
    balance_after = models.IntegerField(_("balance after"))
    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="stock_movements")
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    reason_code = models.CharField(_("reason"), max_length=24, choices=MovementReason.choices,
                                   default=MovementReason.OTHER)
    # What the keeper wrote beyond the code (an allocation's purpose, "盘点差异" …); the whole reason when OTHER.
    reason = models.CharField(_("note"), max_length=200, blank=True)
    document = models.CharField(_("document"), max_length=100, blank=True, db_index=True,
                                help_text=_("Allocation number, incident number, delivery note…"))
    allocation = models.ForeignKey("Allocation", verbose_name=_("allocation"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="movements")

    objects = AppendOnlyQuerySet.as_manager()
    scope_path = "warehouse__jurisdiction__path"

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=INBOUND, quantity__gt=0) | Q(kind__in=OUTBOUND, quantity__lt=0)
                           | (Q(kind=MovementKind.ADJUSTMENT) & ~Q(quantity=0))),
                name="stock_movement_sign_matches_kind",
                violation_error_message=_("The quantity's sign does not match the kind of movement.")),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="stock_movement_balance_not_negative"),
        ]
        indexes = [models.Index(fields=["warehouse", "material", "occurred_at"], name="stock_mv_wh_mat_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.material_id} {self.quantity:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("stock movements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("stock movements are append-only")

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language: the code's label, then the note."""
        if self.reason_code == MovementReason.OTHER:
            return self.reason
        label = str(self.get_reason_code_display())
        return _("%(reason)s: %(note)s") % {"reason": label, "note": self.reason} if self.reason else label


class AllocationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    # Contexts: the same English words mean other things for incidents.
    DISPATCHED = "dispatched", pgettext_lazy("allocation", "Dispatched")
    RECEIVED = "received", pgettext_lazy("allocation", "Received")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (AllocationStatus.REQUESTED, AllocationStatus.APPROVED, AllocationStatus.DISPATCHED)


class AllocationQuerySet(ScopedQuerySet):
    """An allocation is seen by the requesting side (its jurisdiction) and by
    every source warehouse's side, who must approve and dispatch it."""

    def restrict(self, user: Any, action: str = "view") -> ScopedQuerySet:
        paths = granted_paths(user, perm_name(self.model, action))
        if not paths:
            return self.none()
        if ROOT_PATH in paths:
            return self
        own = Q()
        source = Q()
        for path in paths:
            own |= Q(jurisdiction__path__startswith=path)
            source |= Q(warehouse__jurisdiction__path__startswith=path)
        lines = AllocationLine.objects.filter(source, allocation=OuterRef("pk"))
        return self.filter(own | Q(Exists(lines)))


class Allocation(LedgerModel):
    """A request to move materials (调拨单) from one or more warehouses to an
    incident or to another warehouse, through approval, dispatch and receipt."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("requested for"),
                                     on_delete=models.PROTECT, related_name="allocations")
    number = models.CharField(_("number"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=AllocationStatus.choices,
                              default=AllocationStatus.REQUESTED, db_index=True)
    destination = models.ForeignKey(Warehouse, verbose_name=_("destination warehouse"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="incoming_allocations")
    incident = models.ForeignKey("incidents.Incident", verbose_name=_("incident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="allocations")
    # The incident's reference as text: kept when the incident is deleted, and
    # used for incidents of other platforms (a 119 or 12345 case number).
    incident_ref = models.CharField(_("incident reference"), max_length=64, blank=True, db_index=True)
    destination_text = models.CharField(_("deliver to"), max_length=200, blank=True)
    destination_lon = models.FloatField(_("destination longitude"), null=True, blank=True)
    destination_lat = models.FloatField(_("destination latitude"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-requested_at", "-pk"]
        permissions = [("approve_allocation", "Can approve allocations"),
                       ("export_allocation", "Can export allocations")]
        constraints = [
            models.CheckConstraint(condition=Q(destination__isnull=False) | ~Q(incident_ref=""),
                                   name="allocation_has_destination",
                                   violation_error_message=_("Give a destination warehouse or an incident.")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AllocationLine(models.Model):
    """One material from one source warehouse in an allocation, with what was
    requested, dispatched and finally received."""

    allocation = models.ForeignKey(Allocation, verbose_name=_("allocation"), on_delete=models.CASCADE,
                                   related_name="lines")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("from warehouse"), on_delete=models.PROTECT,
                                  related_name="allocation_lines")
    material = models.ForeignKey(Material, verbose_name=_("material"), on_delete=models.PROTECT,
                                 related_name="allocation_lines")
    quantity = models.PositiveIntegerField(_("requested"))
    dispatched = models.PositiveIntegerField(_("dispatched"), null=True, blank=True)
    received = models.PositiveIntegerField(_("received"), null=True, blank=True)
    discrepancy_note = models.CharField(_("discrepancy"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        ordering = ["allocation", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_line_quantity_positive"),
            models.UniqueConstraint(fields=["allocation", "warehouse", "material"], name="allocation_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.material_id} × {self.quantity}"

    @property
    def shortfall(self) -> int | None:
        if self.dispatched is None or self.received is None:
            return None
        return self.dispatched - self.received


class StockCount(LedgerModel):
    """A stock count (盘点) of one warehouse: counted quantities per lot and the
    adjustments they produced."""

    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT,
                                  related_name="counts")
    number = models.CharField(_("number"), max_length=32, unique=True)
    counted_at = models.DateTimeField(_("counted at"), default=timezone.now)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("counted by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope_path = "warehouse__jurisdiction__path"

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-counted_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class StockCountLine(models.Model):
    """One lot in a count: what the books said and what was on the shelf."""

    count = models.ForeignKey(StockCount, verbose_name=_("count"), on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(StockLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField(_("on the books"))
    counted = models.PositiveIntegerField(_("counted"))

    class Meta:
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        ordering = ["count", "pk"]

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.expected} → {self.counted}"

    @property
    def difference(self) -> int:
        return self.counted - self.expected
