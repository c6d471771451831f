"""Every create/update/delete of a ledger row records who, when, from where and what changed."""

from __future__ import annotations

from yingji.audit.context import acting_as
from yingji.audit.models import ChangeRecord
from yingji.audit.services import history_of
from yingji.core.testing import make_jurisdiction, web_client
from yingji.jurisdictions.models import Jurisdiction


def test_a_web_edit_records_actor_address_and_the_changed_fields(cast):
    client = web_client(cast.commander)
    client.post(f"/jurisdictions/{cast.community_b.code}/edit/",
                {"name": "B社区新名", "population": 81000, "households": 30000}, REMOTE_ADDR="10.1.2.3")
    record = history_of(cast.community_b).first()
    assert record is not None
    assert record.action == "update" and record.actor == cast.commander and record.source == "web"
    assert record.ip_address == "10.1.2.3"
    assert record.changes["name"] == ["B社区", "B社区新名"]
    assert record.changes["population"] == [80000, 81000]
    assert "updated_at" not in record.changes


def test_saving_without_changes_writes_no_record(cast):
    before = ChangeRecord.objects.count()
    Jurisdiction.objects.get(pk=cast.community_a.pk).save()
    assert ChangeRecord.objects.count() == before


def test_commands_and_tasks_name_their_actor(cast):
    with acting_as(cast.commander, source="import"):
        grid = make_jurisdiction("grid", "44030400100109", "新网格", cast.community_a)
    record = history_of(grid).get(action="create")
    assert record.actor == cast.commander and record.source == "import"
    assert record.changes["code"] == [None, "44030400100109"]


def test_a_deleted_rows_history_stays_scoped_to_where_it_was(cast):
    grid = make_jurisdiction("grid", "44030400100209", "B临时网格", cast.community_b)
    records = history_of(grid)
    grid.delete()
    deleted = records.get(action="delete")
    assert deleted.jurisdiction_path == f"{cast.community_b.path}44030400100209/"
    assert not ChangeRecord.objects.visible_to(cast.officer_a).filter(pk=deleted.pk).exists()
    assert ChangeRecord.objects.visible_to(cast.officer_b).filter(pk=deleted.pk).exists()


def test_the_detail_page_shows_the_history(cast):
    web_client(cast.commander).post(f"/jurisdictions/{cast.community_a.code}/edit/",
                                    {"name": "A社区", "population": 120500, "households": 1})
    page = web_client(cast.officer_a).get(f"/jurisdictions/{cast.community_a.code}/").content.decode()
    assert 'data-testid="history"' in page
    assert "commander" in page and "120500" in page


def test_an_empty_file_field_is_logged_as_empty():
    from django.db.models.fields.files import FieldFile

    from yingji.audit.signals import _plain
    from yingji.resources.models import Station

    empty = FieldFile(None, Station._meta.get_field("photo"), "")
    assert _plain(empty) is None
    assert _plain(FieldFile(None, Station._meta.get_field("photo"), "stations/a.jpg")) == "stations/a.jpg"


def test_a_history_reads_as_labels_names_and_local_times(cast):
    """Issue 13: the change history showed raw codes, numeric ids and UTC ISO times."""
    from django.utils import translation

    from yingji.audit.services import history_rows
    from yingji.audit.signals import change_record

    with acting_as(cast.commander):
        change_record(cast.community_b, "update", {
            "level": ["street", "community"],
            "parent": [cast.street_2.pk, cast.street_1.pk],
            "created_at": ["2026-03-01T00:30:00+00:00", "2026-03-01T16:05:00+00:00"],
        }).save()
    with translation.override("zh-hans"):
        changes = {c["field"]: c for c in history_rows(cast.community_b)[0]["changes"]}
        page = web_client(cast.commander).get(f"/jurisdictions/{cast.community_b.code}/").content.decode()
    assert (changes["level"]["old_display"], changes["level"]["new_display"]) == ("街道", "社区")
    assert (changes["parent"]["old_display"], changes["parent"]["new_display"]) == (
        cast.street_2.name, cast.street_1.name)
    # Asia/Shanghai, eight hours ahead of UTC: the second time is on the next day there.
    assert changes["created_at"]["new_display"] == "2026-03-02 00:05:00"
    assert changes["level"]["old"] == "street"  # the API keeps the logged value beside it
    assert "街道 → 社区" in page and f"{cast.street_2.name} → {cast.street_1.name}" in page
    assert "变更历史" in page


def test_a_record_with_a_name_where_an_id_belongs_still_shows(cast):
    """A record logged before a field's meaning settled (a jurisdiction's name in a foreign key)
    broke the whole history page; it is shown as logged, the other changes as names."""
    from yingji.audit.services import history_rows
    from yingji.audit.signals import change_record

    with acting_as(cast.commander):
        change_record(cast.community_b, "update", {"parent": ["福田区", str(cast.street_1.pk)]}).save()
    [change] = history_rows(cast.community_b)[0]["changes"]
    assert (change["old_display"], change["new_display"]) in {("福田区", cast.street_1.name),
                                                              (None, cast.street_1.name)}
    assert web_client(cast.commander).get(f"/jurisdictions/{cast.community_b.code}/").status_code == 200
