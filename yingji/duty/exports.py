"""The daily report as the page, Excel and a printable PDF show it, from its compiled content.

`present()` turns the stored content into rows with labels in the reader's language; the page
(duty/report.html), the workbook and the PDF (duty/report_print.html through WeasyPrint, with the
Noto CJK fonts the Makefile installs) all read those rows, so the three say the same thing.
"""

from __future__ import annotations

import datetime
from typing import Any

import openpyxl
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yingji.core.tabular import workbook_bytes, write_sheet
from yingji.duty.models import DailyReport, EntryKind, ShiftKind
from yingji.hazards.models import HazardSeverity, HazardStatus
from yingji.incidents import catalogue
from yingji.incidents.models import Severity, Status
from yingji.jurisdictions.models import Level
from yingji.warnings.catalogue import Hazard as WarningHazard
from yingji.warnings.catalogue import Level as WarningLevel
from yingji.warnings.models import State as WarningState


def _time(value: str | None, with_day: bool = False) -> str:
    if not value:
        return ""
    moment = datetime.datetime.fromisoformat(value)
    return moment.strftime("%m-%d %H:%M" if with_day else "%H:%M")


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _span(start: str, end: str, day: datetime.date) -> str:
    """"08:00–20:00"; a start or an end on another day than the report's carries its date."""
    def moment(value: str) -> str:
        at = datetime.datetime.fromisoformat(value)
        return at.strftime("%H:%M" if at.date() == day else "%m-%d %H:%M")
    return f"{moment(start)}–{moment(end)}"


def present(report: DailyReport) -> dict[str, Any]:
    """The report's content as labelled rows for the page, the workbook and the PDF."""
    content = report.content or {}
    day = report.day
    incidents = content.get("incidents") or {}
    return {
        "title": _("Daily duty report of %(place)s") % {"place": report.jurisdiction.name},
        "day": formats.date_format(day, "DATE_FORMAT"),
        "weekday": formats.date_format(day, "l"),
        "compiled_at": _time(content.get("compiled_at"), with_day=True),
        "summary": report.summary,
        "totals": content.get("totals", {}),
        "shifts": [{
            **s, "kind_label": _label(ShiftKind, s["kind"]), "span": _span(s["starts_at"], s["ends_at"], day),
            "members_text": "、".join(s["members"]), "taken_over": _time(s["taken_over_at"], with_day=True),
            "handover_written": _time((s["handover"] or {}).get("written_at"), with_day=True),
            "handover_acknowledged": _time((s["handover"] or {}).get("acknowledged_at"), with_day=True),
        } for s in content.get("shifts", [])],
        "log": [{**e, "time": _time(e["at"]), "kind_label": _label(EntryKind, e["kind"])}
                for e in content.get("log", [])],
        "carried_up": [{**e, "time": _time(e["at"]), "kind_label": _label(EntryKind, e["kind"])}
                       for e in content.get("carried_up", [])],
        "incidents": {
            **incidents,
            "by_type": [{"label": str(catalogue.get(t["type"]).label) if t["type"] in catalogue.BY_CODE else t["type"],
                         "count": t["count"]} for t in incidents.get("by_type", [])],
            "items": [{**i, "time": _time(i["received_at"]),
                       "type_label": str(catalogue.get(i["type"]).label) if i["type"] in catalogue.BY_CODE
                       else i["type"], "severity_label": _label(Severity, i["severity"]),
                       "status_label": _label(Status, i["status"])} for i in incidents.get("items", [])],
        },
        "hazards": {
            **(content.get("hazards") or {}),
            "items": [{**h, "time": _time(h["reported_at"]), "severity_label": _label(HazardSeverity, h["severity"]),
                       "status_label": _label(HazardStatus, h["status"])}
                      for h in (content.get("hazards") or {}).get("items", [])],
        },
        "units": [{**u, "level_label": _label(Level, u["level"]),
                   "reported": _time((u["report"] or {}).get("compiled_at"), with_day=True)}
                  for u in content.get("units", [])],
        "warnings": {
            **(content.get("warnings") or {}),
            "items": [{**w, "time": _time(w["released_at"]), "level_label": _label(WarningLevel, w["level"]),
                       "hazard_label": _label(WarningHazard, w["hazard"]), "state_label": _label(WarningState, w["state"])}
                      for w in (content.get("warnings") or {}).get("items", [])],
        },
    }


# ---------------------------------------------------------------- Excel
def report_xlsx(report: DailyReport) -> bytes:
    view = present(report)
    book = openpyxl.Workbook()
    book.remove(book.active)
    totals = view["totals"]
    write_sheet(book, _("Report"), [_("Item"), _("Value")], [
        [_("Jurisdiction"), report.jurisdiction.name], [_("Day"), view["day"]],
        [_("Compiled at"), view["compiled_at"]], [_("Duty log entries"), totals.get("log", 0)],
        [_("Events and instructions"), totals.get("events", 0)], [_("Incidents received"), totals.get("incidents", 0)],
        [_("Warnings released"), totals.get("warnings", 0)], [_("Hazards reported"), totals.get("hazards", 0)],
        [_("Shifts without handover"), totals.get("handovers_missing", 0)], [_("Duty summary"), view["summary"]],
    ], [24, 80])
    write_sheet(book, _("Shifts"), [_("Shift"), _("Kind"), _("Time"), _("Leader"), _("People on duty"), _("Taken over"),
                                _("Handover notes"), _("Handover acknowledged by")],
           [[s["label"], s["kind_label"], s["span"], s["leader"], s["members_text"], s["taken_over"],
             (s["handover"] or {}).get("notes", _("No handover") if s["handover_missing"] else ""),
             (s["handover"] or {}).get("acknowledged_by", "")] for s in view["shifts"]],
           [12, 12, 22, 14, 30, 14, 50, 16])
    write_sheet(book, _("Duty log"), [_("Time"), _("Kind"), pgettext("duty log", "What"), _("About"), _("Recorded by")],
           [[e["time"], e["kind_label"], e["summary"], e["subject"], e["author"]] for e in view["log"]],
           [8, 12, 60, 30, 14])
    write_sheet(book, _("From the units below"), [_("Time"), _("Unit"), _("Kind"), pgettext("duty log", "What"),
                                                  _("Recorded by")],
           [[e["time"], e["unit"], e["kind_label"], e["summary"], e["author"]] for e in view["carried_up"]],
           [8, 16, 12, 60, 14])
    write_sheet(book, _("Incidents"), [_("Received"), _("Reference"), _("Type"), pgettext("incident", "Severity"), _("Status"),
                                   _("Jurisdiction"), _("Address")],
           [[i["time"], i["reference"], i["type_label"], i["severity_label"], i["status_label"], i["jurisdiction"],
             i["address"]] for i in view["incidents"].get("items", [])],
           [8, 14, 18, 12, 12, 16, 40])
    write_sheet(book, _("Warnings"), [_("Released at"), _("Warning level"), _("Hazard type"), _("Headline"), _("Issued by"),
                                  _("Status")],
           [[w["time"], w["level_label"], w["hazard_label"], w["headline"], w["issuer"], w["state_label"]]
            for w in view["warnings"].get("items", [])], [8, 12, 12, 40, 16, 12])
    write_sheet(book, _("Hazards"), [_("Reported at"), _("Receipt number"), _("What"), _("Hazard grade"), _("Status"),
                                 _("Jurisdiction")],
           [[h["time"], h["reference"], h["title"], h["severity_label"], h["status_label"], h["jurisdiction"]]
            for h in view["hazards"].get("items", [])], [8, 18, 40, 12, 12, 16])
    if view["units"]:
        write_sheet(book, _("Units below"), [_("Unit"), _("Shifts"), _("Duty log entries"), _("Events and instructions"),
                                         _("Incidents"), _("Hazards"), _("Shifts without handover"),
                                         _("Report compiled")],
               [[u["name"], u["shifts"], u["log"], u["events"], u["incidents"], u.get("hazards", 0),
                 u["handovers_missing"], u["reported"]] for u in view["units"]], [18, 8, 10, 10, 8, 8, 10, 14])
    return workbook_bytes(book)


# ---------------------------------------------------------------- PDF
def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    """The printed report loads nothing: its fonts are the system's, and it has no images."""
    raise ValueError(f"refused to fetch {url}")


def report_pdf(report: DailyReport) -> bytes:
    # WeasyPrint takes about a second to import: only the processes that print pay for it.
    from weasyprint import HTML

    html = render_to_string("duty/report_print.html", {"report": report, "view": present(report)})
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf()
