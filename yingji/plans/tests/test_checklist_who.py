"""Every checklist item says whom its step names: items copied before the who_* fields existed (migration 0003)
get them back from the card they came from (migration 0005) when that card is still the approved one; the
others show the words copied at the time, or that the step is for whoever works the incident."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import translation

from yingji.core.testing import api_client, web_client
from yingji.incidents.tests.builders import fire_in_a
from yingji.plans import services
from yingji.plans.models import ChecklistItem
from yingji.plans.tests.test_checklist import _fresh_indexes, approved  # noqa: F401 (the autouse fixture)

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("yingji.plans.migrations.0005_checklist_who_backfill").backfill


def _as_before_0003(incident, who=None):  # type: ignore[no-untyped-def]
    """The items as they were copied before the who_* fields existed (the words only)."""
    values = {"who_kind": "", "who_role": "", "who_team_kind": "", "who_team": None}
    if who is not None:
        values["who"] = who
    ChecklistItem.objects.filter(incident=incident).update(**values)


def test_the_backfill_restores_whom_old_items_name_from_the_approved_card(cast):
    approved(cast.officer_a, cast.community_a)
    incident = fire_in_a(cast)
    fresh = list(ChecklistItem.objects.filter(incident=incident).order_by("order")
                 .values_list("who_kind", "who_role", "who_team_kind"))
    assert fresh == [("role", "community_staff", ""), ("team_kind", "", "community_rescue"),
                     ("team_kind", "", "station_team")]
    _as_before_0003(incident, who="Community workstation staff")  # copied during an English request
    backfill(django_apps, None)
    items = list(ChecklistItem.objects.filter(incident=incident).select_related("who_team").order_by("order"))
    assert [(i.who_kind, i.who_role, i.who_team_kind) for i in items] == fresh
    with translation.override("zh-hans"):
        assert [i.who_display for i in items] == ["社区工作站人员", "社区救援队", "服务站队伍"]
    with translation.override("en"):
        assert items[1].who_display == "Community rescue team"


def test_items_of_a_revised_card_keep_their_words_and_a_wordless_item_says_whoever_works_it(cast):
    plan = approved(cast.officer_a, cast.community_a)
    incident = fire_in_a(cast)
    _as_before_0003(incident)
    ChecklistItem.objects.filter(incident=incident, order=3).update(who="")
    services.revise(plan, actor=cast.officer_a)  # the card may change now: it is not the one copied
    backfill(django_apps, None)
    items = list(ChecklistItem.objects.filter(incident=incident).order_by("order"))
    assert [i.who_kind for i in items] == ["", "", ""]
    with translation.override("zh-hans"):
        assert [i.who_display for i in items] == ["社区工作站人员", "社区救援队", "处置人员均可"]
    page = web_client(cast.officer_a).get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="who-3">处置人员均可<' in page and 'data-testid="who-1">社区工作站人员<' in page
    listed = api_client(cast.officer_a).get(f"/api/v1/plans/incidents/{incident.pk}/checklist").json()
    assert [row["who"] for row in listed] == ["社区工作站人员", "社区救援队", "处置人员均可"]
