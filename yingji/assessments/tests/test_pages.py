"""The pages: ranking, drill-down to the records, manual scores with their audit, publish lock,
Excel export and the ledger quality report — each scoped (another community's user gets 404)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.assessments import services
from yingji.assessments.models import IndicatorItem, ManualScore, PeriodKind, PublishedScore, Scheme
from yingji.assessments.presets import load_presets
from yingji.assessments.tests import builders as b
from yingji.audit.models import ChangeRecord
from yingji.core.testing import Cast, web_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def futian(cast: Cast) -> Scheme:
    load_presets(cast.district)
    scheme = Scheme.objects.get(code=f"futian-{cast.district.code}")
    scheme.subject_level = "community"   # rank the cast's communities A, B and C
    scheme.save()
    return scheme


def url(scheme: Scheme, *parts: object) -> str:
    return "/assessments/" + "/".join([scheme.code, *map(str, parts)]) + "/"


def test_it_drills_down_from_the_ranking_to_the_records(cast: Cast, futian: Scheme) -> None:
    late = b.hazard(cast.community_a, b.at(2025, 5, 15), closed=b.at(2025, 5, 20))
    client = web_client(cast.commander)
    page = client.get(url(futian, 2025))
    assert page.status_code == 200
    html = page.content.decode()
    assert "A社区" in html and "C社区" in html and "排名" in html
    item = IndicatorItem.objects.get(module__scheme=futian, code="prevention")
    detail = client.get(url(futian, 2025, "s", cast.community_a.code))
    assert f"/i/{item.pk}/" in detail.content.decode()
    records = client.get(url(futian, 2025, "s", cast.community_a.code, "i", item.pk))
    assert records.status_code == 200
    assert f"/hazards/{late.pk}/" in records.content.decode()


def test_another_communitys_officer_gets_404(cast: Cast, futian: Scheme) -> None:
    client = web_client(cast.officer_b)
    ranking = client.get(url(futian, 2025)).content.decode()
    assert "B社区" in ranking and "A社区" not in ranking
    item = IndicatorItem.objects.get(module__scheme=futian, code="prevention")
    assert client.get(url(futian, 2025, "s", cast.community_a.code)).status_code == 404
    assert client.get(url(futian, 2025, "s", cast.community_a.code, "i", item.pk)).status_code == 404
    assert client.get(url(futian, 2025, "s", cast.community_b.code)).status_code == 200
    assert client.get("/assessments/quality/?jurisdiction=" + cast.community_a.code).status_code == 404
    manual = IndicatorItem.objects.get(module__scheme=futian, code="inspection")
    answer = client.post(url(futian, 2025, "s", cast.community_a.code, "i", manual.pk, "score"), {"points": "30"})
    assert answer.status_code == 404
    assert not ManualScore.objects.exists()


def test_a_scheme_of_another_district_is_404(cast: Cast, futian: Scheme) -> None:
    from yingji.core.testing import make_jurisdiction

    other = make_jurisdiction("district", "440305", "南山区", cast.city)
    load_presets(other)
    client = web_client(cast.officer_a)
    assert client.get(f"/assessments/futian-{other.code}/2025/").status_code == 404
    assert client.get(url(futian, 2025)).status_code == 200


def test_manual_scores_are_audited_and_locked_by_publishing(cast: Cast, futian: Scheme) -> None:
    item = IndicatorItem.objects.get(module__scheme=futian, code="inspection")
    client = web_client(cast.commander)
    score_url = url(futian, 2025, "s", cast.community_a.code, "i", item.pk, "score")
    evidence = SimpleUploadedFile("检查记录.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(score_url, {"points": "24", "note": "消防通道堵塞扣6分", "links": "/hazards/1/", "evidence": evidence})
    client.post(score_url, {"points": "26", "note": "复核后加回2分", "links": "/hazards/1/"})
    score = ManualScore.objects.get()
    assert (score.points, score.links, score.evidence.name.endswith(".pdf")) == (26, ["/hazards/1/"], True)
    changes = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(ManualScore),
                                          object_id=str(score.pk)).order_by("pk")
    assert [(c.action, c.actor) for c in changes] == [("create", cast.commander), ("update", cast.commander)]
    assert [float(v) for v in changes[1].changes["points"]] == [24.0, 26.0]
    assert changes[1].changes["note"][1] == "复核后加回2分"
    page = client.get(url(futian, 2025, "s", cast.community_a.code, "i", item.pk)).content.decode()
    assert "复核后加回2分" in page
    # Out of range: refused, nothing changes.
    client.post(score_url, {"points": "31"})
    score.refresh_from_db()
    assert score.points == 26

    assert client.post(url(futian, 2025, "publish")).status_code == 302
    period = services.period_for(futian, 2025, None)
    assert period.is_published
    frozen = PublishedScore.objects.get(period=period, jurisdiction=cast.community_a)
    client.post(score_url, {"points": "10"})
    score.refresh_from_db()
    assert score.points == 26
    with pytest.raises(ValidationError) as refused:
        services.set_manual_score(period, item, cast.community_a, "10", actor=cast.commander)
    assert "period" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.publish(period, actor=cast.commander)
    # The ranking shows the frozen figures even when the ledgers change afterwards.
    b.hazard(cast.community_a, b.at(2025, 6, 1), closed=None)
    page = client.get(url(futian, 2025)).content.decode()
    assert f"{float(frozen.total):.3f}" in page and "已发布" in page


def test_only_the_district_publishes_and_scores(cast: Cast, futian: Scheme) -> None:
    period = services.ensure_period(futian, PeriodKind.YEAR, 2025)
    item = IndicatorItem.objects.get(module__scheme=futian, code="inspection")
    with pytest.raises(PermissionDenied):
        services.publish(period, actor=cast.street_officer)
    with pytest.raises(PermissionDenied):
        services.set_manual_score(period, item, cast.community_a, "20", actor=cast.officer_a)
    assert web_client(cast.officer_a).post(url(futian, 2025, "publish")).status_code in (302, 403, 404)
    period.refresh_from_db()
    assert not period.is_published


def test_it_exports_the_ranking_with_neutralised_cells(cast: Cast, futian: Scheme) -> None:
    cast.community_a.name = "=HYPERLINK(\"http://x\")"
    cast.community_a.save()
    answer = web_client(cast.commander).get(url(futian, 2025, "export.xlsx").rstrip("/"))
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.getvalue()))
    sheet = book.worksheets[0]
    names = [row[2].value for row in sheet.iter_rows(min_row=2)]
    assert "=HYPERLINK(\"http://x\")" in names
    cell = next(row[2] for row in sheet.iter_rows(min_row=2) if row[2].value.startswith("="))
    assert cell.data_type == "s"
    outsider = web_client(cast.officer_b).get(url(futian, 2025, "export.xlsx").rstrip("/"))
    book = openpyxl.load_workbook(io.BytesIO(outsider.getvalue()))
    assert [row[2].value for row in book.worksheets[0].iter_rows(min_row=2)] == ["B社区"]


def test_the_quality_report_lists_each_problem_with_a_link(cast: Cast) -> None:
    from yingji.resources.models import Member, Team

    team = Team.objects.create(jurisdiction=cast.community_a, code="TQ1", name="A队", kind="community_rescue",
                               contact_name="", contact_phone="12345")
    member = Member.objects.create(team=team, name="李四", phone="13800138000", id_number="110101199003070000")
    page = web_client(cast.officer_a).get("/assessments/quality/").content.decode()
    assert f"/resources/teams/{team.pk}/edit/" in page
    assert f"/resources/members/{member.pk}/edit/" in page
    assert "110101199003070000" not in page and "12345" not in page
    from yingji.assessments.quality import quality_report

    report = quality_report(cast.community_a)
    found = {(p.ledger, p.field) for p in report.problems}
    assert found == {("teams", "contact_name"), ("teams", "contact_phone"), ("members", "id_number")}
    assert web_client(cast.officer_c).get("/assessments/quality/").content.decode().count("/edit/") == 0
