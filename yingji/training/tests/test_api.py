"""/api/v1/training/: the same services as the pages, one error shape, out of scope is 404."""

from __future__ import annotations

import datetime

import pytest

from yingji.core.testing import api_client
from yingji.resources.tests.builders import make_member, make_team
from yingji.training.models import Attendance, Course, TrainingSession
from yingji.training.tests.builders import attend, bank_with_questions, course, open_quiz, session

pytestmark = pytest.mark.django_db
API = "/api/v1/training"
JSON = "application/json"


def test_an_officer_records_a_session_attendance_and_reads_the_days_against_the_rules(cast):
    api_client(cast.commander).post(f"{API}/rules", {"jurisdiction": cast.district.code,
                                                     "organiser_level": "community", "min_days": 2},
                                    content_type=JSON)
    a = api_client(cast.officer_a)
    team = make_team(cast.community_a, kind="community_rescue")
    member = make_member(team, name="王强")
    made = a.post(f"{API}/courses", {"jurisdiction": cast.community_a.code, "title": "社区消防培训", "topic": "fire_classes",
                                     "hours": 4}, content_type=JSON)
    assert made.status_code == 201 and made.json()["organiser_level"] == "community"
    year = datetime.date.today().year
    held = a.post(f"{API}/sessions", {"course": made.json()["id"], "jurisdiction": cast.community_a.code,
                                      "starts_on": f"{year}-01-05", "days": "1.5", "place": "社区党群服务中心"},
                  content_type=JSON)
    assert held.status_code == 201, held.content
    session_id = held.json()["id"]
    recorded = a.put(f"{API}/sessions/{session_id}/attendance/{member.pk}", {}, content_type=JSON)
    assert recorded.status_code == 200 and recorded.json()["days"] == 1.5
    days = a.get(f"{API}/days", {"year": year}).json()
    assert days == [{"member": member.pk, "name": "王强", "team": team.name, "year": year,
                     "days": {"community": 1.5}, "total_days": 1.5, "hours": 4.0, "required": {"community": 2.0},
                     "short": {"community": 0.5}, "meets": False}]
    assert a.get(f"{API}/coverage", {"year": year}).json()["covered"] == 1
    sheet = a.get(f"{API}/days.xlsx", {"year": year})
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("application/vnd.openxml")
    assert a.get(f"{API}/sessions/{session_id}").json()["attendees"] == 1


def test_bad_input_is_refused_by_field_in_the_one_shape(cast):
    a = api_client(cast.officer_a)
    bad = a.post(f"{API}/courses", {"jurisdiction": cast.grid_a1.code, "title": "  ", "topic": "fire_classes"},
                 content_type=JSON)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"jurisdiction", "title"}
    typed = a.post(f"{API}/sessions", {"course": 1, "jurisdiction": "x", "starts_on": "不是日期", "days": 0},
                   content_type=JSON)
    assert typed.status_code == 422 and {"starts_on", "days"} <= {e["field"] for e in typed.json()["errors"]}
    assert a.get(f"{API}/days", {"year": 1800}).status_code == 422
    assert not Course.objects.exists() and not TrainingSession.objects.exists()


def test_a_member_takes_an_assigned_quiz_and_residents_take_an_open_one_without_login(cast, client):
    member = make_member(make_team(cast.community_a), user=cast.responder_a, name="应答员")
    bank, (single, multiple, tf) = bank_with_questions(cast.officer_a, cast.community_a)
    assigned = open_quiz(cast.officer_a, cast.community_a, bank, audience="members", members=[member])
    me = api_client(cast.responder_a)
    assert [q["id"] for q in me.get(f"{API}/my/quizzes").json()] == [assigned.pk]
    started = me.post(f"{API}/quizzes/{assigned.pk}/start", {}, content_type=JSON)
    assert started.status_code == 201 and "answer" not in started.json()["questions"][0]
    attempt = started.json()["id"]
    saved = me.put(f"{API}/attempts/{attempt}/answers", {"question": single.pk, "answer": [0]}, content_type=JSON)
    assert saved.json()["answers"] == {str(single.pk): [0]}
    done = me.post(f"{API}/attempts/{attempt}/submit", {"answers": {str(tf.pk): [1]}}, content_type=JSON).json()
    assert (done["status"], done["score"], done["max_score"], done["passed"]) == ("submitted", 20.0, 30.0, True)
    assert api_client(cast.officer_b).get(f"{API}/attempts/{attempt}").status_code == 404

    public = open_quiz(cast.officer_a, cast.community_a, bank, title="居民消防测验")
    listed = client.get(f"{API}/public/quizzes").json()
    assert [q["title"] for q in listed] == ["居民消防测验"]
    refused = client.post(f"{API}/public/quizzes/{public.pk}/start", {"name": "", "community": cast.community_c.code},
                          content_type=JSON)
    assert refused.status_code == 422 and {e["field"] for e in refused.json()["errors"]} == {"name", "community"}
    began = client.post(f"{API}/public/quizzes/{public.pk}/start", {"name": "张阿姨", "community": cast.community_a.code},
                        content_type=JSON)
    token = began.json()["token"]
    result = client.post(f"{API}/public/attempts/{token}/submit",
                         {"answers": {str(single.pk): [0], str(multiple.pk): [0, 2, 3]}}, content_type=JSON).json()
    assert result["score"] == 20.0 and result["community"] == "A社区"
    again = client.post(f"{API}/public/attempts/{token}/submit", {"answers": {}}, content_type=JSON)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "attempt"
    participation = api_client(cast.officer_a).get(f"{API}/participation", {
        "start": datetime.date.today().isoformat(), "end": datetime.date.today().isoformat()}).json()
    assert [(r["name"], r["attempts"], r["people"]) for r in participation] == [("A社区", 2, 2)]


def test_residents_starting_quizzes_are_rate_limited(cast, client, settings):
    settings.YINGJI_PUBLIC_RATE_PER_MINUTE = 2
    bank, _questions = bank_with_questions(cast.commander, cast.district)
    quiz = open_quiz(cast.commander, cast.district, bank)
    answers = [client.post(f"{API}/public/quizzes/{quiz.pk}/start", {"name": f"居民{n}",
                                                                     "community": cast.community_b.code},
                           content_type=JSON).status_code for n in range(3)]
    assert answers == [201, 201, 429]


def test_another_community_gets_404_on_every_endpoint(cast):
    team = make_team(cast.community_a)
    member = make_member(team)
    local = course(cast.officer_a, cast.community_a)
    held = session(cast.officer_a, local, datetime.date(2026, 3, 1), 1)
    attend(cast.officer_a, held, member)
    bank, (single, *_rest) = bank_with_questions(cast.officer_a, cast.community_a)
    quiz = open_quiz(cast.officer_a, cast.community_a, bank, audience="members", members=[member])
    for user in (cast.officer_b, cast.officer_c):
        c = api_client(user)
        for url in [f"{API}/courses/{local.pk}", f"{API}/sessions/{held.pk}", f"{API}/sessions/{held.pk}/attendance",
                    f"{API}/banks/{bank.pk}/questions", f"{API}/banks/{bank.pk}/questions.xlsx",
                    f"{API}/quizzes/{quiz.pk}", f"{API}/quizzes/{quiz.pk}/attempts"]:
            assert c.get(url).status_code == 404, url
        for url in [f"{API}/days", f"{API}/coverage", f"{API}/must-know"]:
            assert c.get(url, {"jurisdiction": cast.community_a.code}).status_code == 404, url
        assert c.get(f"{API}/participation", {"start": "2026-01-01", "end": "2026-12-31",
                                              "jurisdiction": cast.community_a.code}).status_code == 404
        assert c.put(f"{API}/sessions/{held.pk}/attendance/{member.pk}", {}, content_type=JSON).status_code == 404
        assert c.delete(f"{API}/sessions/{held.pk}/attendance/{member.pk}").status_code == 404
        assert c.post(f"{API}/sessions", {"course": local.pk, "jurisdiction": cast.community_a.code,
                                          "starts_on": "2026-04-01", "days": 1}, content_type=JSON).status_code == 404
        assert c.post(f"{API}/banks/{bank.pk}/questions", {"kind": "true_false", "text": "x", "answer": [0]},
                      content_type=JSON).status_code == 404
        assert c.post(f"{API}/quizzes/{quiz.pk}/start", {}, content_type=JSON).status_code == 404
        for url in [f"{API}/courses", f"{API}/sessions"]:
            assert c.get(url).json()["count"] == 0, url
        assert c.get(f"{API}/banks").json() == [] and c.get(f"{API}/quizzes").json() == []
        assert c.get(f"{API}/days").json() == []
        assert c.post(f"{API}/rules", {"jurisdiction": cast.community_a.code, "organiser_level": "district",
                                       "min_days": 9}, content_type=JSON).status_code == 404
    assert Attendance.objects.count() == 1 and bank.questions.count() == 3
    # The warehouse keeper of A sees (view) but may not record.
    grid = api_client(cast.keeper_a)
    assert grid.get(f"{API}/sessions/{held.pk}").status_code == 200
    assert grid.put(f"{API}/sessions/{held.pk}/attendance/{member.pk}", {}, content_type=JSON).status_code == 403
