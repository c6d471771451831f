"""The training and quiz pages: the year's figures, the export, participation; another community gets 404;
the residents' pages without login (refusals by field, answers 422)."""

from __future__ import annotations

import datetime

import pytest

from yingji.core.testing import api_client, web_client
from yingji.resources.tests.builders import make_member, make_team
from yingji.training import services
from yingji.training.models import Attempt
from yingji.training.tests.builders import attend, bank_with_questions, course, open_quiz, session

pytestmark = pytest.mark.django_db


def test_the_training_page_shows_who_falls_short_coverage_and_must_know(cast):
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="community",
                               min_days=2)
    team = make_team(cast.community_a, kind="community_rescue", name="A社区应急队")
    captain = make_member(team, name="<b>李队长</b>", team_role="captain")
    local = course(cast.officer_a, cast.community_a)
    year = datetime.date.today().year
    attend(cast.officer_a, session(cast.officer_a, local, datetime.date(year, 1, 3), 1), captain)
    page = web_client(cast.officer_a).get(f"/training/?year={year}")
    text = page.content.decode()
    assert page.status_code == 200 and "救援队员轮训覆盖率" in text and "每月应知应会培训" in text
    assert "&lt;b&gt;李队长&lt;/b&gt;" in text and "<b>李队长" not in text and "未达标" in text
    assert "1 / 2" in text.replace("1.0", "1").replace("2.0", "2")
    export = web_client(cast.officer_a).get(f"/training/export/?year={year}")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    quizzes_page = web_client(cast.officer_a).get("/training/quizzes/").content.decode()
    assert "各社区参与情况" in quizzes_page and "A社区" in quizzes_page


def test_another_community_gets_404_and_a_reader_cannot_export(cast):
    for url in ["/training/?jurisdiction=440304001001", "/training/export/?jurisdiction=440304001001",
                "/training/quizzes/?jurisdiction=440304001001", "/publicity/?jurisdiction=440304001001"]:
        assert web_client(cast.officer_b).get(url).status_code == 404, url
    assert web_client(cast.grid_worker_a).get("/training/export/").status_code == 403
    assert web_client(cast.grid_worker_a).get("/publicity/export/").status_code == 403
    bank, _questions = bank_with_questions(cast.officer_a, cast.community_a)
    assert api_client(cast.grid_worker_a).get(f"/api/v1/training/banks/{bank.pk}/questions.xlsx").status_code in (
        403, 404)


def test_a_resident_is_refused_by_field_and_a_finished_paper_shows_the_answers(cast, client):
    bank, (single, *_rest) = bank_with_questions(cast.commander, cast.district)
    quiz = open_quiz(cast.commander, cast.district, bank)
    refused = client.post(f"/training/learn/{quiz.pk}/", {"name": "", "community": cast.community_a.code})
    assert refused.status_code == 422 and 'data-testid="error-name"' in refused.content.decode()
    started = client.post(f"/training/learn/{quiz.pk}/", {"name": "李大爷", "community": cast.community_a.code})
    assert started.status_code == 302
    paper = client.get(started["Location"]).content.decode()
    assert "木材、纸张燃烧引起的火灾属于哪一类" in paper and "交卷" in paper and "data-seconds-left" in paper
    done = client.post(started["Location"], {f"q{single.pk}": "0"})
    assert done.status_code == 302
    result = client.get(started["Location"]).content.decode()
    assert 'data-testid="quiz-score"' in result and "10.0" in result
    assert Attempt.objects.get().resident_name == "李大爷"
    assert client.get("/training/learn/attempt/not-a-token/").status_code == 404
