"""Excel import of questions through core.tabular: row and column errors, nothing written on error, re-import."""

from __future__ import annotations

import io

import openpyxl
import pytest

from yingji.core.testing import api_client
from yingji.training import quizzes
from yingji.training.models import Question

pytestmark = pytest.mark.django_db
URL = "/api/v1/training/questions/import"
HEADER = ["题库编号", "题型", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析"]


def _xlsx(rows: list[list[str]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "questions.xlsx"
    return data


GOOD = [
    ["FIRE-A", "单选题", "电器设备起火属于哪类火灾？", "A类", "B类", "C类", "E类", "D", "带电火灾为E类"],
    ["FIRE-A", "多选题", "“三会两技能一器材”中的“三会”包括？", "会报警", "会疏散逃生", "会扑救初起火灾", "会驾驶", "ABC", ""],
    ["FIRE-A", "判断题", "油锅起火可以用水浇灭。", "", "", "", "", "错", "应盖锅盖"],
]


def test_a_good_sheet_imports_and_a_re_import_changes_nothing(cast):
    quizzes.create_bank(actor=cast.officer_a, jurisdiction=cast.community_a, code="FIRE-A", title="火灾", topic="fire_classes")
    a = api_client(cast.officer_a)
    first = a.post(URL, {"file": _xlsx(GOOD)})
    assert first.status_code == 200 and first.json()["created"] == 3, first.content
    multiple = Question.objects.get(kind="multiple")
    assert multiple.options == ["会报警", "会疏散逃生", "会扑救初起火灾", "会驾驶"] and multiple.answer == [0, 1, 2]
    assert Question.objects.get(kind="true_false").answer == [1]
    exported = a.get(f"/api/v1/training/banks/{multiple.bank_id}/questions.xlsx")
    again = a.post(URL, {"file": _named(exported.getvalue())})
    assert again.status_code == 200 and (again.json()["unchanged"], again.json()["created"]) == (3, 0), again.content


def _named(content: bytes) -> io.BytesIO:
    data = io.BytesIO(content)
    data.name = "export.xlsx"
    return data


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(cast):
    quizzes.create_bank(actor=cast.officer_a, jurisdiction=cast.community_a, code="FIRE-A", title="火灾", topic="fire_classes")
    quizzes.create_bank(actor=cast.officer_b, jurisdiction=cast.community_b, code="FIRE-B", title="火灾", topic="fire_classes")
    rows = GOOD + [
        ["FIRE-B", "单选题", "别人的题库", "甲", "乙", "", "", "A", ""],  # row 5: not in A's area
        ["FIRE-A", "单选题", "两个答案的单选题", "甲", "乙", "", "", "AB", ""],  # row 6
        ["FIRE-A", "判断题", "判断题写了字母", "", "", "", "", "A", ""],  # row 7
        ["FIRE-A", "填空题", "未知题型", "甲", "乙", "", "", "A", ""],  # row 8
        ["FIRE-A", "单选题", "答案超出选项", "甲", "乙", "", "", "C", ""],  # row 9
        ["FIRE-A", "单选题", "", "甲", "乙", "", "", "A", ""],  # row 10
    ]
    answer = api_client(cast.officer_a).post(URL, {"file": _xlsx(rows)})
    assert answer.status_code == 422
    errors = {(e["row"], e["column"]) for e in answer.json()["errors"]}
    assert errors == {(5, "题库编号"), (6, "答案"), (7, "答案"), (8, "题型"), (9, "答案"), (10, "题目")}, answer.json()
    assert all(e["message"] for e in answer.json()["errors"])
    assert not Question.objects.exists()


def test_the_grid_worker_may_not_import(cast):
    answer = api_client(cast.grid_worker_a).post(URL, {"file": _xlsx(GOOD)})
    assert answer.status_code == 403 and not Question.objects.exists()


def test_the_quizzes_page_imports_and_names_bad_cells(cast):
    from yingji.core.testing import web_client

    quizzes.create_bank(actor=cast.officer_a, jurisdiction=cast.community_a, code="FIRE-A", title="火灾", topic="fire_classes")
    web = web_client(cast.officer_a)
    bad = web.post("/training/questions/import/", {"file": _xlsx([GOOD[0], ["FIRE-A", "单选题", "题", "甲", "乙", "", "",
                                                                         "Z", ""]])}, follow=True)
    text = bad.content.decode()
    assert "第 3 行" in text and "答案" in text and not Question.objects.exists()
    good = web.post("/training/questions/import/", {"file": _xlsx(GOOD)}, follow=True)
    assert "3" in good.content.decode() and Question.objects.count() == 3
    assert web_client(cast.grid_worker_a).post("/training/questions/import/", {"file": _xlsx(GOOD)}).status_code == 403
