"""Checklist answers are kept by the item's stable key: a change of language neither breaks a check-in
nor the reading of those already stored; the migration gave the stored ones their keys."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from yingji.core.testing import api_client
from yingji.hazards import checklists
from yingji.hazards.models import CheckIn
from yingji.hazards.services.patrol import check_in, create_plan
from yingji.hazards.tests.builders import point

pytestmark = pytest.mark.django_db


def make_plan(cast):  # type: ignore[no-untyped-def]
    """A daily plan of grid A1 through an old estate (K-1) and a slope (K-2), walked by grid worker A."""
    first = point(cast.community_a, "K-1", category="old_residential", lon=114.0100, lat=22.5100)
    second = point(cast.grid_a1, "K-2", category="slope", lon=114.0120, lat=22.5100)
    return create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name="K 巡查", points=[first, second],
                       worker=cast.grid_worker_a, tolerance_m=50,
                       starts_on=timezone.localdate() - datetime.timedelta(days=1))


@pytest.fixture
def plan(cast):  # type: ignore[no-untyped-def]
    return make_plan(cast)


def test_every_checklist_has_unique_keys_and_a_chinese_label():
    for category in checklists.CHECKLISTS:
        keys = [i.key for i in checklists.checklist(category)]
        assert len(keys) == len(set(keys)), category
        with translation.override("en"):
            english = [i.label for i in checklists.checklist(category)]
        with translation.override("zh-hans"):
            assert all(i.label != e for i, e in zip(checklists.checklist(category), english, strict=True))


def test_answers_are_stored_by_key_whatever_the_language(cast, plan):
    first, second = [s.risk_point for s in plan.stops.order_by("order")]
    with translation.override("en"):
        check_in(actor=cast.grid_worker_a, plan=plan, risk_point=first, lon=114.0100, lat=22.5100,
                 answers=[{"key": "wiring_safe", "ok": False, "note": "裸线"}])
    # An older phone naming the item by its English text: read as the same key, in a Chinese request.
    with translation.override("zh-hans"):
        check_in(actor=cast.grid_worker_a, plan=plan, risk_point=second, lon=114.0120, lat=22.5100,
                 answers=[{"item": "Drainage ditches clear", "ok": False}])
    one, two = CheckIn.objects.order_by("pk")
    assert [(a["key"], a["ok"]) for a in one.answers] == [
        ("stairwells_clear", True), ("wiring_safe", False), ("fire_lanes_clear", True), ("no_new_hazard", True),
        ("measures_in_place", True)]
    assert one.answers[1]["note"] == "裸线" and all("item" not in a for a in one.answers)
    assert [a["key"] for a in two.answers if not a["ok"]] == ["ditches_clear"]
    with translation.override("zh-hans"):
        assert checklists.label("slope", "ditches_clear") == "排水沟通畅"
    with translation.override("en"):
        assert checklists.label("slope", "ditches_clear") == "Drainage ditches clear"


def test_an_unknown_key_is_refused_naming_the_field(cast, plan):
    first = plan.stops.order_by("order").first().risk_point
    with pytest.raises(ValidationError) as refused:
        check_in(actor=cast.grid_worker_a, plan=plan, risk_point=first, lon=114.0100, lat=22.5100,
                 answers=[{"key": "ditches_clear", "ok": False}])  # a slope's item, not an old estate's
    assert "answers" in refused.value.message_dict
    answer = api_client(cast.grid_worker_a).post(f"/api/v1/hazards/patrol-plans/{plan.pk}/check-ins", {
        "risk_point": "K-1", "lon": 114.0100, "lat": 22.5100, "answers": '[{"key": "moon_out", "ok": true}]'})
    assert answer.status_code == 422 and not CheckIn.objects.exists()


def test_the_migration_gives_stored_text_answers_their_keys_and_back(cast, plan):
    first = plan.stops.order_by("order").first().risk_point
    check_in(actor=cast.grid_worker_a, plan=plan, risk_point=first, lon=114.0100, lat=22.5100)
    row = CheckIn.objects.get()
    # As the rows were before: the question's text, in Chinese or English, and one text no checklist has.
    old = [{"item": "楼道无杂物、无电动车停放", "ok": False, "note": "纸箱"},
           {"item": "Wiring not exposed or overloaded", "ok": True, "note": ""},
           {"item": "某个旧问题", "ok": True, "note": ""}]
    CheckIn.objects.filter(pk=row.pk).update(answers=old)
    migration = importlib.import_module("yingji.hazards.migrations.0005_check_in_answers_by_key")
    editor = connection.schema_editor(atomic=False)
    migration.to_keys(apps, editor)
    row.refresh_from_db()
    assert row.answers == [{"key": "stairwells_clear", "ok": False, "note": "纸箱"},
                           {"key": "wiring_safe", "ok": True, "note": ""},
                           {"key": "某个旧问题", "ok": True, "note": ""}]
    migration.to_keys(apps, editor)  # twice changes nothing
    row.refresh_from_db()
    assert row.answers[0]["key"] == "stairwells_clear"
    migration.to_texts(apps, editor)
    row.refresh_from_db()
    assert [a["item"] for a in row.answers] == ["楼道无杂物、无电动车停放", "电线无裸露、无超负荷", "某个旧问题"]
