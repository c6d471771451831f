"""Issue 13: typos in phones and ID numbers are caught the same way by the API, the web
form and the Excel import (core.validators through the services), in Chinese, naming
the field, and nothing is saved."""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client, web_client
from yingji.resources.imports import MemberTable
from yingji.resources.models import Member, Team
from yingji.resources.tests import builders as b

pytestmark = pytest.mark.django_db

FEB_30 = "440304199002301235"  # right check character, impossible birth date


def _member(cast, **fields):  # type: ignore[no-untyped-def]
    team = b.make_team(cast.community_a)
    body = {"team_code": team.code, "name": "李四", "phone": "13911112222", **fields}
    return api_client(cast.officer_a).post("/api/v1/resources/members/", json.dumps(body),
                                           content_type="application/json")


@pytest.mark.parametrize(("phone", "says"), [
    ("1380013800", "手机号码应为 11 位数字，这里是 10 位"),
    ("12345", "手机号码应为 11 位数字，这里是 5 位"),
    ("0755-8282", "手机号码"),  # a member's number is a mobile: call-outs go by SMS
])
def test_the_api_refuses_a_members_mistyped_phone(cast, phone, says) -> None:  # type: ignore[no-untyped-def]
    answer = _member(cast, phone=phone)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert errors[0]["field"] == "phone" and says in errors[0]["message"]
    assert not Member.objects.filter(name="李四").exists()


def test_the_api_refuses_an_id_number_born_on_30_february(cast) -> None:  # type: ignore[no-untyped-def]
    from yingji.core.validators import ID_CHECK, ID_WEIGHTS

    body = "44030419900230123"
    number = body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    answer = _member(cast, id_number=number)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "id_number", "message": "身份证号中的出生日期（1990-02-30）不存在。"}]


def test_the_api_keeps_a_phone_as_typed_with_spaces_as_digits(cast) -> None:  # type: ignore[no-untyped-def]
    assert _member(cast, phone="139 1111 2222").status_code == 201
    assert Member.objects.get(name="李四").phone == "13911112222"


def test_a_teams_contact_phone_of_four_digits_is_refused(cast) -> None:  # type: ignore[no-untyped-def]
    body = {"code": "TM-V1", "name": "A社区救援队", "kind": "community_rescue",
            "jurisdiction_code": cast.community_a.code, "contact_phone": "1234"}
    answer = api_client(cast.officer_a).post("/api/v1/resources/teams/", json.dumps(body),
                                             content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "contact_phone"
    assert not Team.objects.filter(code="TM-V1").exists()
    body["contact_phone"] = "0755-83001234"
    assert api_client(cast.officer_a).post("/api/v1/resources/teams/", json.dumps(body),
                                           content_type="application/json").status_code == 201


def test_the_import_names_the_row_and_column_of_a_mistyped_phone(cast) -> None:  # type: ignore[no-untyped-def]
    team = b.make_team(cast.community_a)
    csv = ("Team code,Name,Mobile phone\n"
           f"{team.code},张三,13900000001\n"
           f"{team.code},王五,1390000000\n")
    result = MemberTable(cast.officer_a).import_file(csv.encode(), "m.csv")
    assert [(e.row, e.column) for e in result.errors] == [(3, "手机号码")]
    assert "11 位数字，这里是 10 位" in result.errors[0].message
    assert not Member.objects.filter(team=team).exists()  # all or nothing


def test_the_web_form_shows_the_error_beside_the_field(cast) -> None:  # type: ignore[no-untyped-def]
    team = b.make_team(cast.community_a)
    page = web_client(cast.officer_a).post("/resources/members/new/", {
        "team": team.pk, "name": "李四", "phone": "1380013800", "team_role": "member", "training_hours": 0,
        "on_duty": "on"})
    assert page.status_code == 200
    assert "手机号码应为 11 位数字，这里是 10 位" in page.content.decode()
    assert not Member.objects.filter(name="李四").exists()
