"""The members' export writes each cell as its column declares it (issue 13): MemberTable.rows reads the
choice labels and Yes/No once per export instead of per cell — the cells must stay those of
`Column.value_of`, in each language, with phone and ID numbers through the one masking gate."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from yingji.core.masking import value_for
from yingji.core.scope import object_path
from yingji.core.tabular import records
from yingji.resources.imports import MemberTable
from yingji.resources.models import Member
from yingji.resources.tests.builders import make_certificate, make_member, make_team

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["commander", "auditor"])
def test_the_member_rows_are_the_columns_values_masked_through_the_gate(cast, who, language):
    team = make_team(cast.community_a)
    captain = make_member(team, name="李队长", team_role="captain", id_number="440304199001011234",
                          skills=["急救", "水域救援"], on_duty=True, training_hours=12, user=cast.responder_a)
    make_certificate(captain, "first_aid", datetime.date(2028, 1, 1))
    make_certificate(captain, "cpr_aed")
    make_member(make_team(cast.community_c), name="王五", phone="", on_duty=False)
    user = getattr(cast, who)
    table = MemberTable(user)
    with translation.override(language):
        expected = []
        for member in Member.objects.select_related("team__jurisdiction", "user").order_by("team__code", "name", "pk"):
            row = [column.value_of(member) for column in table.columns]
            for index, column in enumerate(table.columns):
                if column.field in ("phone", "id_number"):
                    row[index] = value_for(user, Member, column.field, row[index] or "", object_path(member))
            expected.append(row)
        got = list(table.rows(records(table.export_queryset(), table.export_fields)))
    assert got == expected and len(got) == 2
    assert {"Captain", "队长"} & {cell for row in got for cell in row if isinstance(cell, str)}
    masked = who == "auditor"
    assert ("440304199001011234" in str(got)) is not masked and ("440304********1234" in str(got)) is masked
