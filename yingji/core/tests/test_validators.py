"""One validator per kind of field (core.validators): what passes, what is refused and what the
refusal says. The forms, API and imports that use them are tested in their apps."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yingji.core.validators import (
    ID_CHECK,
    ID_WEIGHTS,
    check_date_not_future,
    check_id_number,
    check_mobile,
    check_phone,
    check_point,
)


def with_check(body: str) -> str:
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def refusal(check, value, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        check(value, **kwargs)
    return caught.value.messages[0]


@pytest.mark.parametrize(("typed", "stored"), [
    ("13800138000", "13800138000"), (" 138 0013 8000 ", "13800138000"), ("+86 19912345678", "19912345678"),
    ("138-0013-8000", "13800138000"), ("１３８００１３８０００", "13800138000"),
    ("0755-83000000", "0755-83000000"), ("075583000000", "0755-83000000"), ("010-12345678", "010-12345678"),
    ("0755-8300000", "0755-8300000"), ("0755-83000000-801", "0755-83000000-801"), ("400-123-4567", "400-123-4567"),
    ("", ""),
])
def test_it_accepts_mobiles_and_landlines_with_area_code(typed: str, stored: str) -> None:
    assert check_phone(typed) == stored


@pytest.mark.parametrize(("typed", "says"), [
    ("1380013800", "11 位数字，这里是 10 位"),      # a digit short (issue 13)
    ("138001380001", "11 位数字，这里是 12 位"),
    ("12345678901", "以 13 至 19 开头"),
    ("12345", "11 位数字，这里是 5 位"),
    ("0755-8282", "区号"),                       # a landline too short (issue 13)
    ("1234", "11 位数字，这里是 4 位"),           # a team's contact phone (issue 13)
    ("abc-123", "只能包含数字"),                   # an intake reporter phone (issue 13)
    ("83000000", "带区号的固定电话"),              # a landline without its area code
])
def test_it_says_which_kind_of_number_is_wrong(typed: str, says: str) -> None:
    assert says in refusal(check_phone, typed)


def test_a_mobile_field_refuses_a_landline() -> None:
    assert "手机号码" in refusal(check_mobile, "0755-83000000")
    assert check_mobile("13900001111") == "13900001111"


def test_it_accepts_a_real_id_number() -> None:
    assert check_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert check_id_number(with_check("44030419900101123")) == with_check("44030419900101123")


@pytest.mark.parametrize(("number", "says"), [
    (with_check("44030419900230123"), "1990-02-30"),         # 30 February passes a checksum (issue 13)
    (with_check("44030420990101123"), "2099-01-01"),          # born in the future
    (with_check("99030419900101123"), "990304"),              # no such province
    ("440304199001011234", "最后一位"),                      # one digit mistyped
    ("44030419900101123", "18 位，这里是 17 位"),
    ("4403041990010112AX", "17 位数字"),
])
def test_it_refuses_id_numbers_with_impossible_parts(number: str, says: str) -> None:
    assert says in refusal(check_id_number, number, today=datetime.date(2026, 12, 5))


def test_it_keeps_points_in_the_district() -> None:
    futian = (113.98, 22.50, 114.10, 22.59)
    check_point(114.05, 22.54, bounds=futian)
    assert "经度在前" in refusal(check_point, 22.54, lat=114.05, bounds=futian)
    assert "不在本辖区范围内" in refusal(check_point, 116.40, lat=39.90, bounds=futian)
    assert "WGS-84" in refusal(check_point, 200.0, lat=22.5, bounds=None)
    check_point(116.40, 39.90, bounds=None)  # no boundary drawn yet: only the range is checked


def test_it_refuses_dates_in_the_future() -> None:
    now = datetime.datetime(2026, 12, 5, 2, 0, tzinfo=datetime.UTC)
    check_date_not_future(datetime.date(2026, 12, 5), now=now)
    assert "未来" in refusal(check_date_not_future, datetime.date(2026, 12, 7), now=now)
    assert "未来" in refusal(check_date_not_future, now + datetime.timedelta(hours=1), now=now)
