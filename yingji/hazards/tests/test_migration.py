"""Moving RiskPoint from coverage to hazards keeps every row, its id and its audit history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("coverage", "0001_initial"), ("jurisdictions", "0001_initial"), ("audit", "0002_lean_indexes")]


def _latest(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


def test_the_move_keeps_rows_ids_and_change_records():
    executor = MigrationExecutor(connection)
    executor.migrate([("hazards", None)])  # unapplies hazards and coverage 0002: risk points back in coverage
    executor.loader.build_graph()
    old = executor.loader.project_state([("coverage", "0001_initial"), ("audit", "0002_lean_indexes")]).apps
    Jurisdiction = old.get_model("jurisdictions", "Jurisdiction")
    OldPoint = old.get_model("coverage", "RiskPoint")
    ContentType = old.get_model("contenttypes", "ContentType")
    ChangeRecord = old.get_model("audit", "ChangeRecord")
    area = Jurisdiction.objects.create(level="community", code="440304009001", name="迁移社区",
                                       path="/440304009001/", depth=0)
    point = OldPoint.objects.create(jurisdiction=area, code="MOVE-1", name="老边坡", kind="slope", grade="orange",
                                    lon=114.02, lat=22.53)
    old_type, _ = ContentType.objects.get_or_create(app_label="coverage", model="riskpoint")
    ChangeRecord.objects.create(action="create", content_type=old_type, object_id=str(point.pk),
                                object_repr="老边坡", jurisdiction_path=area.path, changes={"grade": [None, "orange"]})
    ChangeRecord.objects.create(action="update", content_type=old_type, object_id=str(point.pk),
                                object_repr="老边坡", jurisdiction_path=area.path, changes={"name": ["边坡", "老边坡"]})

    executor = MigrationExecutor(connection)
    executor.migrate(_latest(executor))

    from yingji.audit.services import history_rows
    from yingji.hazards.models import RiskPoint

    moved = RiskPoint.objects.get(code="MOVE-1")
    assert (moved.pk, moved.name, moved.category, moved.grade) == (point.pk, "老边坡", "slope", "orange")
    assert sorted(row["action"] for row in history_rows(moved)) == ["create", "update"]
    assert [(g.grade_from, g.grade_to) for g in moved.gradings.all()] == [("", "orange")]
    assert "coverage_riskpoint" not in connection.introspection.table_names()
