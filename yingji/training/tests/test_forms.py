"""The training pages' forms: courses, sessions, the attendance register, the rules — written through the
services (the API's checks), refused by field, scoped (another community's rows answer 404), audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from yingji.audit.models import ChangeRecord
from yingji.core.testing import api_client, web_client
from yingji.resources.models import MemberCertificate
from yingji.resources.tests.builders import make_member, make_team
from yingji.training import services
from yingji.training.models import Attendance, Course, CoverageRule, TrainingRule, TrainingSession
from yingji.training.tests.builders import attend, course, session

pytestmark = pytest.mark.django_db
YEAR = datetime.date.today().year


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_it_creates_and_edits_a_course_through_the_form(cast):
    web = web_client(cast.officer_a)
    created = web.post("/training/courses/new/", {
        "jurisdiction": cast.community_a.pk, "title": "社区应急救援基础", "topic": "rescue_skills", "hours": "6",
        "certificate_kind": "first_aid", "certificate_years": "3"})
    assert created.status_code == 302, _text(created)
    course_row = Course.objects.get(title="社区应急救援基础")
    assert (course_row.jurisdiction, course_row.hours, course_row.certificate_kind, course_row.certificate_years) == (
        cast.community_a, Decimal("6.0"), "first_aid", 3)
    listed = _text(web.get("/training/courses/"))
    assert "社区应急救援基础" in listed and "社区组织" in listed and "急救" in listed
    edited = web.post(f"/training/courses/{course_row.pk}/edit/", {
        "title": "社区应急救援基础（修订）", "topic": "cpr_aed", "hours": "4", "certificate_kind": ""})
    assert edited.status_code == 302, _text(edited)
    course_row.refresh_from_db()
    assert (course_row.title, course_row.topic, course_row.hours, course_row.certificate_kind,
            course_row.certificate_years) == ("社区应急救援基础（修订）", "cpr_aed", Decimal("4.0"), "", None)
    kinds = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Course),
                                        object_id=str(course_row.pk)).values_list("action", flat=True)
    assert sorted(kinds) == ["create", "update"]


def test_a_bad_course_is_refused_naming_the_field_and_changes_nothing(cast):
    web = web_client(cast.officer_a)
    refused = web.post("/training/courses/new/", {
        "jurisdiction": cast.community_a.pk, "title": "急救", "topic": "general", "hours": "2",
        "certificate_kind": "first_aid"})
    text = _text(refused)
    assert refused.status_code == 422 and 'data-testid="error-certificate_years"' in text
    assert "请填写证书有效年限" in text or "证书" in text
    assert not Course.objects.exists()
    local = course(cast.officer_a, cast.community_a, hours=8)
    refused = web.post(f"/training/courses/{local.pk}/edit/", {"title": "  ", "topic": "general", "hours": "2000"})
    assert refused.status_code == 422
    assert 'data-testid="error-title"' in _text(refused) and 'data-testid="error-hours"' in _text(refused)
    local.refresh_from_db()
    assert local.hours == Decimal("8.0")


def test_a_community_cannot_organise_for_the_street_nor_see_another_communitys_course(cast):
    theirs = course(cast.officer_b, cast.community_b)
    web = web_client(cast.officer_a)
    assert web.get(f"/training/courses/{theirs.pk}/edit/").status_code == 404
    assert web.post(f"/training/courses/{theirs.pk}/edit/", {"title": "x", "topic": "general",
                                                             "hours": "1"}).status_code == 404
    assert "B社区" not in _text(web.get("/training/courses/"))
    refused = web.post("/training/courses/new/", {"jurisdiction": cast.street_1.pk, "title": "街道培训",
                                                  "topic": "general", "hours": "1"})
    assert refused.status_code == 422 and 'data-testid="error-jurisdiction"' in _text(refused)
    assert web_client(cast.grid_worker_a).get("/training/courses/new/").status_code == 403


def test_it_creates_and_edits_a_must_know_session_and_refuses_by_field(cast):
    team = make_team(cast.community_a, name="A社区应急队")
    captain = make_member(team, name="王队长", team_role="captain")
    elsewhere = make_member(make_team(cast.community_a, name="A社区志愿队"), name="钱队长", team_role="captain")
    local = course(cast.officer_a, cast.community_a, title="应知应会", hours=2)
    web = web_client(cast.officer_a)
    refused = web.post("/training/sessions/new/", {
        "course": local.pk, "jurisdiction": cast.community_a.pk, "kind": "must_know",
        "starts_on": f"{YEAR}-03-05", "days": "0.5", "team": team.pk, "trainer_member": elsewhere.pk})
    assert refused.status_code == 422 and 'data-testid="error-trainer_member"' in _text(refused)
    assert "队长、副队长、通讯员或安全员" in _text(refused)
    assert not TrainingSession.objects.exists()
    created = web.post("/training/sessions/new/", {
        "course": local.pk, "jurisdiction": cast.community_a.pk, "kind": "must_know",
        "starts_on": f"{YEAR}-03-05", "days": "0.5", "place": "社区服务站", "team": team.pk,
        "trainer_member": captain.pk})
    assert created.status_code == 302, _text(created)
    held = TrainingSession.objects.get()
    assert (held.kind, held.team, held.trainer_member, held.trainer, held.days) == (
        "must_know", team, captain, "王队长", Decimal("0.5"))
    assert created["Location"] == f"/training/sessions/{held.pk}/"
    listed = _text(web.get(f"/training/sessions/?year={YEAR}&kind=must_know&team={team.code}"))
    assert "应知应会" in listed and f"/training/sessions/{held.pk}/" in listed
    assert f"/training/sessions/{held.pk}/" not in _text(web.get(f"/training/sessions/?year={YEAR}&kind=course"))
    edited = web.post(f"/training/sessions/{held.pk}/edit/", {
        "course": local.pk, "starts_on": f"{YEAR}-03-06", "days": "1", "place": "社区广场", "team": team.pk,
        "trainer_member": captain.pk})
    assert edited.status_code == 302, _text(edited)
    held.refresh_from_db()
    assert (held.starts_on, held.days, held.place) == (datetime.date(YEAR, 3, 6), Decimal("1.0"), "社区广场")
    refused = web.post(f"/training/sessions/{held.pk}/edit/", {
        "course": local.pk, "starts_on": f"{YEAR}-03-06", "days": "31", "team": team.pk,
        "trainer_member": captain.pk})
    assert refused.status_code == 422 and 'data-testid="error-days"' in _text(refused)
    held.refresh_from_db()
    assert held.days == Decimal("1.0")


def test_a_session_cannot_shrink_below_what_was_attended(cast):
    team = make_team(cast.community_a)
    member = make_member(team, name="钱队员")
    held = session(cast.officer_a, course(cast.officer_a, cast.community_a), datetime.date(YEAR, 4, 1), 2)
    attend(cast.officer_a, held, member)
    refused = web_client(cast.officer_a).post(f"/training/sessions/{held.pk}/edit/", {
        "course": held.course_id, "starts_on": f"{YEAR}-04-01", "days": "1"})
    assert refused.status_code == 422 and 'data-testid="error-days"' in _text(refused)
    held.refresh_from_db()
    assert held.days == Decimal("2.0")


def test_ticking_the_register_changes_days_hours_and_coverage(cast):
    team = make_team(cast.community_a, kind="community_rescue", name="A社区救援队")
    li, wang, zhao = (make_member(team, name=n) for n in ("李一", "王二", "赵三"))
    local = course(cast.officer_a, cast.community_a, hours=8, certificate_kind="first_aid", certificate_years=2)
    held = session(cast.officer_a, local, datetime.date(YEAR, 5, 10), 2)
    web = web_client(cast.officer_a)
    page = _text(web.get(f"/training/sessions/{held.pk}/"))
    assert all(f'data-testid="register-{m.pk}"' in page for m in (li, wang, zhao))
    assert services.coverage(cast.community_a, YEAR).covered == 0
    shown = [li.pk, wang.pk, zhao.pk]
    saved = web.post(f"/training/sessions/{held.pk}/", {
        "shown": shown, "present": [li.pk, wang.pk], f"days-{wang.pk}": "1", f"passed-{li.pk}": "on"})
    assert saved.status_code == 302
    assert services.training_days(li, YEAR).days == {"community": Decimal(2)}
    assert services.training_days(li, YEAR).hours == Decimal("8.0")
    assert services.training_days(wang, YEAR).days == {"community": Decimal(1)}
    assert services.training_days(wang, YEAR).hours == Decimal("4.0")
    assert services.training_days(zhao, YEAR).days == {}
    cover = services.coverage(cast.community_a, YEAR)
    assert (cover.members, cover.covered) == (3, 2) and cover.missing == [zhao]
    # Passed: the certificate of the resources ledger; 王二 did not pass (unticked).
    assert list(MemberCertificate.objects.filter(kind="first_aid").values_list("member__name", flat=True)) == ["李一"]
    page = _text(web.get(f"/training/sessions/{held.pk}/"))
    assert 'data-testid="hours-%d">8.0<' % li.pk in page and 'data-testid="hours-%d">4.0<' % wang.pk in page
    # Unticking removes; "all present" ticks everyone listed.
    web.post(f"/training/sessions/{held.pk}/", {"shown": shown, "present": [wang.pk]})
    assert sorted(Attendance.objects.values_list("member__name", flat=True)) == ["王二"]
    assert services.coverage(cast.community_a, YEAR).covered == 1
    web.post(f"/training/sessions/{held.pk}/", {"shown": shown, "all": "1"})
    assert Attendance.objects.count() == 3 and services.coverage(cast.community_a, YEAR).covered == 3
    records = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Attendance))
    assert set(records.values_list("action", flat=True)) == {"create", "update", "delete"}


def test_a_bad_register_names_the_field_and_the_member_and_changes_nothing(cast):
    team = make_team(cast.community_a)
    li, wang = make_member(team, name="李一"), make_member(team, name="王二")
    held = session(cast.officer_a, course(cast.officer_a, cast.community_a), datetime.date(YEAR, 6, 1), 1)
    attend(cast.officer_a, held, wang)
    refused = web_client(cast.officer_a).post(f"/training/sessions/{held.pk}/", {
        "shown": [li.pk, wang.pk], "present": [li.pk], f"days-{li.pk}": "3"})
    text = _text(refused)
    assert refused.status_code == 422 and 'data-testid="register-errors"' in text
    assert "天数" in text and "李一" in text
    assert list(Attendance.objects.values_list("member__name", flat=True)) == ["王二"]  # 王二 not removed either


def test_another_communitys_session_and_members_answer_404(cast):
    team_b = make_team(cast.community_b)
    stranger = make_member(team_b, name="孙四")
    theirs = session(cast.officer_b, course(cast.officer_b, cast.community_b), datetime.date(YEAR, 7, 1), 1)
    web = web_client(cast.officer_a)
    for url in [f"/training/sessions/{theirs.pk}/", f"/training/sessions/{theirs.pk}/edit/"]:
        assert web.get(url).status_code == 404, url
    assert web.post(f"/training/sessions/{theirs.pk}/", {"shown": [stranger.pk],
                                                         "present": [stranger.pk]}).status_code == 404
    assert "B社区" not in _text(web.get(f"/training/sessions/?year={YEAR}"))
    assert web.get(f"/training/sessions/?jurisdiction={cast.community_b.code}").status_code == 404
    assert web.get(f"/training/sessions/?team={team_b.code}").status_code == 404
    # A member of another community slipped into the own session's register: 404, nothing written.
    mine = session(cast.officer_a, course(cast.officer_a, cast.community_a), datetime.date(YEAR, 7, 2), 1)
    assert web.post(f"/training/sessions/{mine.pk}/", {"shown": [stranger.pk],
                                                       "present": [stranger.pk]}).status_code == 404
    assert not Attendance.objects.exists()
    # Who only reads sees the register but cannot save it.
    reader = web_client(cast.responder_a)
    assert reader.get(f"/training/sessions/{mine.pk}/").status_code == 200
    assert reader.post(f"/training/sessions/{mine.pk}/", {"shown": [], "present": []}).status_code == 403
    assert reader.get(f"/training/sessions/{mine.pk}/edit/").status_code == 403


def test_rules_are_created_and_edited_by_those_who_may(cast):
    web = web_client(cast.commander)
    created = web.post("/training/rules/", {"which": "days", "days-jurisdiction": cast.district.pk,
                                            "days-organiser_level": "district", "days-min_days": "5"})
    assert created.status_code == 302, _text(created)
    rule = TrainingRule.objects.get()
    assert (rule.jurisdiction, rule.organiser_level, rule.min_days) == (cast.district, "district", Decimal("5.0"))
    edited = web.post(f"/training/rules/{rule.pk}/edit/", {"min_days": "6"})
    assert edited.status_code == 302
    rule.refresh_from_db()
    assert rule.min_days == Decimal("6.0")
    refused = web.post(f"/training/rules/{rule.pk}/edit/", {"min_days": "400"})
    assert refused.status_code == 422 and 'data-testid="error-min_days"' in _text(refused)
    covered = web.post("/training/rules/", {"which": "coverage", "coverage-jurisdiction": cast.district.pk,
                                            "coverage-cycle_years": "2",
                                            "coverage-team_kinds": ["community_rescue", "station_team"]})
    assert covered.status_code == 302, _text(covered)
    cover_rule = CoverageRule.objects.get()
    assert (cover_rule.cycle_years, sorted(cover_rule.team_kinds)) == (2, ["community_rescue", "station_team"])
    assert web.post(f"/training/coverage-rules/{cover_rule.pk}/edit/", {
        "cycle_years": "1", "team_kinds": ["community_rescue"]}).status_code == 302
    cover_rule.refresh_from_db()
    assert (cover_rule.cycle_years, cover_rule.team_kinds) == (1, ["community_rescue"])
    page = _text(web.get("/training/rules/"))
    assert "区级组织" in page and "≥ 6.0" in page and "社区救援队" in page
    # A community officer does not see (404) nor change the district's rules; a grid worker adds none.
    assert web_client(cast.officer_a).get(f"/training/rules/{rule.pk}/edit/").status_code == 404
    assert web_client(cast.officer_a).get(f"/training/coverage-rules/{cover_rule.pk}/edit/").status_code == 404
    assert web_client(cast.grid_worker_a).post("/training/rules/", {
        "which": "days", "days-jurisdiction": cast.community_a.pk, "days-organiser_level": "community",
        "days-min_days": "1"}).status_code == 403
    refused = web_client(cast.officer_a).post("/training/rules/", {
        "which": "days", "days-jurisdiction": cast.district.pk, "days-organiser_level": "district",
        "days-min_days": "1"})
    assert refused.status_code == 422 and 'data-testid="error-jurisdiction"' in _text(refused)
    assert TrainingRule.objects.count() == 1


def test_the_api_changes_a_course_and_a_session_with_the_same_checks(cast):
    local = course(cast.officer_a, cast.community_a, hours=8)
    held = session(cast.officer_a, local, datetime.date(YEAR, 8, 1), 1)
    api = api_client(cast.officer_a)
    changed = api.patch(f"/api/v1/training/courses/{local.pk}", {"hours": 6}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["hours"] == 6.0
    refused = api.patch(f"/api/v1/training/courses/{local.pk}", {"certificate_kind": "first_aid"},
                        content_type="application/json")
    assert refused.status_code == 422 and "certificate_years" in refused.content.decode()
    moved = api.patch(f"/api/v1/training/sessions/{held.pk}", {"days": 2, "place": "新址"},
                      content_type="application/json")
    assert moved.status_code == 200 and moved.json()["days"] == 2.0 and moved.json()["place"] == "新址"
    theirs = session(cast.officer_b, course(cast.officer_b, cast.community_b), datetime.date(YEAR, 8, 2), 1)
    assert api.patch(f"/api/v1/training/sessions/{theirs.pk}", {"days": 2},
                     content_type="application/json").status_code == 404
    assert api.patch(f"/api/v1/training/courses/{theirs.course_id}", {"hours": 2},
                     content_type="application/json").status_code == 404
