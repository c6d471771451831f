"""Excel workbooks of training figures: days per person against the rules, coverage, monthly 应知应会.

Streamed (core.xlsx_stream, as every ledger export): a district's sheet of days lists every member
(8,400 at futian), each row from plain values (services.days_table), none from a Member model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yingji.core import xlsx_stream
from yingji.jurisdictions.models import Jurisdiction
from yingji.training import services
from yingji.training.models import OrganiserLevel

LEVELS = list(OrganiserLevel)


def _days(value: object) -> float | str:
    return float(value) if value is not None else ""  # type: ignore[arg-type]


def _in(language: str | None, make: Callable[[], Iterable[list[Any]]]) -> Iterator[list[Any]]:
    """A sheet's rows written in the user's language: a streamed body is written after the view has returned."""
    with translation.override(language):
        yield from make()


def training_workbook(area: Jurisdiction, year: int, rows: Iterable[services.MemberYear]) -> Iterator[bytes]:
    """Three sheets: each member's days per level with the required days, coverage, months missed per team —
    the .xlsx file in pieces (core.files.xlsx_response sends them as they come)."""
    language = translation.get_language()
    header = [pgettext("person", "Name"), _("Team"), _("Community")]
    for level in LEVELS:
        header += [str(level.label), _("%(level)s required") % {"level": level.label}]
    header += [_("Total days"), pgettext("training", "Hours"), _("Meets the rules")]

    def days() -> Iterator[list[Any]]:
        yes, no = _("Yes"), _("No")
        for row in rows:
            line: list[Any] = [row.member.name, row.member.team.name, row.member.team.jurisdiction.name]
            for level in LEVELS:
                line += [_days(row.days.get(level.value, 0)), _days(row.required.get(level.value))]
            line += [float(row.total_days), float(row.hours), yes if row.meets else no]
            yield line

    def coverage() -> Iterator[list[Any]]:
        cover = services.coverage(area, year)
        yield [area.name, year, cover.members, cover.covered, cover.percent]
        not_trained = _("Not trained in the cycle")
        for _pk, name, team in cover.missing_people():
            yield [name, "", team, not_trained, ""]

    def must_know() -> Iterator[list[Any]]:
        for gap in services.must_know_gaps(area, year):
            yield [gap.team.name, "、".join(map(str, gap.held)), "、".join(map(str, gap.missed))]

    def plain(names: list[str]) -> list[tuple[str, bool]]:
        return [(xlsx_stream.clean_text(name), False) for name in names]

    return xlsx_stream.stream_sheets([
        (_("Training days %(year)s") % {"year": year}, plain(header), [12, 22, 14] + [10, 10] * len(LEVELS) + [10, 10, 10],
         _in(language, days)),
        (_("Coverage"), plain([_("Jurisdiction"), _("Year"), _("Members"), _("Trained"), _("Coverage (%)")]),
         [22, 8, 22, 18, 12], _in(language, coverage)),
        (_("Monthly must-know"), plain([_("Team"), _("Months held"), _("Months missed")]), [26, 24, 24],
         _in(language, must_know)),
    ])
