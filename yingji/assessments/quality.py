"""Ledger quality ("三基" data): missing and invalid data per ledger and jurisdiction.

Each checked ledger declares its required fields and its phone and ID number fields; a phone or
an ID number is judged by the one validator in `yingji.core.validators` (the one the forms and
imports refuse typos with), and a warehouse not counted (盘点) in `stock_days` days is a problem
too. Every problem names its row, the field and what is wrong, with a link to the row's edit page.
Values are never shown: the report is read by people who may not see personal data.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Model, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.validators import check_id_number, check_mobile, check_phone
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.models import Expert, Member, Station, Team
from yingji.supplies.models import Warehouse


@dataclass(frozen=True)
class LedgerCheck:
    key: str
    label: Any
    model: type[Model]
    jurisdiction: str  # the lookup from a row to its Jurisdiction
    required: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    mobiles: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    edit_url: Callable[[Any], str] = lambda row: ""
    filters: dict[str, Any] = field(default_factory=dict)


CHECKS: list[LedgerCheck] = [
    LedgerCheck("stations", gettext_lazy("Service stations"), Station, "jurisdiction",
                required=("address", "phone"), phones=("phone",), filters={"is_active": True},
                edit_url=lambda r: reverse("resources:station_edit", args=[r["pk"]])),
    LedgerCheck("teams", gettext_lazy("Teams"), Team, "jurisdiction",
                required=("contact_name", "contact_phone"), phones=("contact_phone",),
                edit_url=lambda r: reverse("resources:team_edit", args=[r["pk"]])),
    LedgerCheck("members", gettext_lazy("Team members"), Member, "team__jurisdiction",
                required=("phone", "id_number"), mobiles=("phone",), id_numbers=("id_number",),
                edit_url=lambda r: reverse("resources:member_edit", args=[r["pk"]])),
    LedgerCheck("experts", gettext_lazy("Experts"), Expert, "jurisdiction",
                required=("phone", "organisation"), mobiles=("phone",),
                edit_url=lambda r: reverse("resources:expert_edit", args=[r["pk"]])),
    LedgerCheck("warehouses", gettext_lazy("Warehouses"), Warehouse, "jurisdiction",
                required=("keeper_name", "phone", "address"), phones=("phone",), filters={"is_active": True},
                edit_url=lambda r: reverse("supplies:warehouse", args=[r["code"]])),
]


@dataclass
class Problem:
    ledger: str
    ledger_label: str
    row_id: int
    row_label: str
    jurisdiction: str
    jurisdiction_code: str
    field: str
    field_label: str
    message: str
    row: Any
    edit_url: Callable[[Any], str]

    @property
    def url(self) -> str:
        """Reversed when shown (a district's report has thousands of rows; the scores need only counts)."""
        return self.edit_url(self.row)

    def as_dict(self) -> dict[str, Any]:
        return {"ledger": self.ledger, "ledger_label": self.ledger_label, "row_id": self.row_id,
                "row": self.row_label, "jurisdiction": self.jurisdiction, "jurisdiction_code": self.jurisdiction_code,
                "field": self.field, "field_label": self.field_label, "message": self.message, "url": self.url}


@dataclass
class LedgerSummary:
    key: str
    label: str
    rows: int = 0
    problem_rows: int = 0
    missing: int = 0
    invalid: int = 0


@dataclass
class QualityReport:
    area: Jurisdiction
    ledgers: list[LedgerSummary]
    problems: list[Problem]

    @property
    def total_rows(self) -> int:
        return sum(s.rows for s in self.ledgers)

    @property
    def problem_rows(self) -> int:
        return sum(s.problem_rows for s in self.ledgers)

    def by_jurisdiction(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.jurisdiction] = counts.get(p.jurisdiction, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _label(model: type[Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


@functools.lru_cache(maxsize=50_000)
def _judge(check: Callable[[str], str], value: str, language: str | None) -> str | None:
    """The validator's refusal of `value`, remembered: the same numbers are judged again for every
    period and subject a scheme scores (the language is part of the key: messages are translated)."""
    del language  # only part of the cache's key
    try:
        check(value)
    except ValidationError as exc:
        return " ".join(str(m) for m in exc.messages)
    return None


def _fields(spec: LedgerCheck) -> list[str]:
    return sorted({*spec.required, *spec.phones, *spec.mobiles, *spec.id_numbers})


def _field_problems(spec: LedgerCheck, fields: list[str], row: dict[str, Any],
                    language: str | None) -> list[tuple[str, str, bool]]:
    """A row's required fields left empty and numbers the validator refuses: (field, message, missing)."""
    found: list[tuple[str, str, bool]] = []
    for name in fields:
        value = str(row[name] or "").strip()
        if not value:
            if name in spec.required:
                found.append((name, _("Required but empty."), True))
            continue
        checker = (check_phone if name in spec.phones else check_mobile if name in spec.mobiles
                   else check_id_number if name in spec.id_numbers else None)
        message = _judge(checker, value, language) if checker else None
        if message:
            found.append((name, message, False))
    return found


def problem_rows_at(area: Jurisdiction, *, stock_days: int, ends: list[datetime.datetime]
                    ) -> dict[datetime.datetime, tuple[dict[int, int], dict[int, int]]]:
    """For each moment of `ends`, the rows and the rows with a problem per place (jurisdiction id), as
    `quality_report(area, stock_days=…, now=end)` counts them — each row read and judged once for all
    the moments (a year's ranking asks for its four quarter ends)."""
    language = translation.get_language()
    out: dict[datetime.datetime, tuple[dict[int, int], dict[int, int]]] = {end: ({}, {}) for end in ends}
    for spec in CHECKS:
        fields = _fields(spec)
        rows = spec.model.objects.filter(**{f"{spec.jurisdiction}__path__startswith": area.path},
                                         created_at__lt=max(ends), **spec.filters)
        moments: dict[str, Any] = {f"at_{n}": ExpressionWrapper(Q(created_at__lt=end), output_field=BooleanField())
                                   for n, end in enumerate(ends)}
        if spec.key == "warehouses":
            moments.update({f"last_{n}": Max("counts__counted_at", filter=Q(counts__counted_at__lt=end))
                            for n, end in enumerate(ends)})
        stale_before = [end - datetime.timedelta(days=stock_days) for end in ends]
        for row in rows.order_by().values("pk", *fields, **moments, place_id=F(f"{spec.jurisdiction}__id")):
            flawed = bool(_field_problems(spec, fields, row, language))
            place = row["place_id"]
            for n, end in enumerate(ends):
                if not row[f"at_{n}"]:
                    continue
                counted, problems = out[end]
                counted[place] = counted.get(place, 0) + 1
                if flawed or (spec.key == "warehouses" and (row[f"last_{n}"] is None
                                                            or row[f"last_{n}"] < stale_before[n])):
                    problems[place] = problems.get(place, 0) + 1
    return out


def quality_report(area: Jurisdiction, *, stock_days: int = 90, now: datetime.datetime | None = None,
                   ledgers: list[str] | None = None) -> QualityReport:
    """Every problem of the checked ledgers inside `area`'s subtree (the caller checked the user may see it),
    as they stood at `now` (rows registered by then; stock counted in the `stock_days` before it)."""
    now = now or timezone.now()
    language = translation.get_language()  # once: asked per value it was half the report's time
    summaries: list[LedgerSummary] = []
    problems: list[Problem] = []
    for spec in CHECKS:
        if ledgers and spec.key not in ledgers:
            continue
        summary = LedgerSummary(spec.key, str(spec.label))
        fields = _fields(spec)
        rows = spec.model.objects.filter(**{f"{spec.jurisdiction}__path__startswith": area.path},
                                         created_at__lt=now, **spec.filters)
        if spec.key == "warehouses":
            rows = rows.annotate(last_count=Max("counts__counted_at", filter=Q(counts__counted_at__lt=now)))
        j = spec.jurisdiction
        extra = ["last_count"] if spec.key == "warehouses" else []
        values = rows.order_by("pk").values("pk", "name", *(["code"] if spec.key == "warehouses" else []),
                                            *fields, *extra, place_name=F(f"{j}__name"), place_code=F(f"{j}__code"))
        stale_before = now - datetime.timedelta(days=stock_days)
        for row in values:
            summary.rows += 1
            found = _field_problems(spec, fields, row, language)
            if spec.key == "warehouses" and (row["last_count"] is None or row["last_count"] < stale_before):
                found.append(("counts", _("Stock not counted in %(days)s days.") % {"days": stock_days}, False))
            if not found:
                continue
            summary.problem_rows += 1
            for name, message, missing in found:
                summary.missing += missing
                summary.invalid += not missing
                label = _("stock count") if name == "counts" else _label(spec.model, name)
                problems.append(Problem(spec.key, str(spec.label), row["pk"], row["name"], row["place_name"],
                                        row["place_code"], name, label, message, row, spec.edit_url))
        summaries.append(summary)
    return QualityReport(area, summaries, problems)
