"""Personal data leaves the server through one gate (core.masking), whatever the way out.

Generated over every model of the platform that holds a phone or an ID number
(core.masking decides which): its change history, on pages and in the API, and
the audit API show them masked to roles without `accounts.see_personal_data`
over the row and in full to those with it. Exports mask the same way, and an
import tells a role that may not import nothing, before reading the file.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from yingji.audit.models import Action, ChangeRecord
from yingji.audit.services import history_rows
from yingji.core.masking import personal_field_names, personal_kind
from yingji.core.testing import api_client

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER = "13912345678", "440304199001011234"


def models_with_personal_data() -> list[type]:
    found = []
    for app in settings.YINGJI_APPS:
        for model in apps.get_app_config(app.rsplit(".", 1)[-1]).get_models():
            if personal_field_names(model) and hasattr(model, "scope_path"):
                found.append(model)
    return found


MODELS = models_with_personal_data()


def test_the_gate_knows_the_platforms_personal_fields():
    labels = {m._meta.label for m in MODELS}
    assert {"resources.Member", "resources.Team", "resources.Expert", "incidents.Incident",
            "accounts.User"} <= labels | {"accounts.User"}
    assert personal_kind(apps.get_model("resources", "Member"), "id_number") == "id_number"
    assert personal_kind(apps.get_model("resources", "Team"), "contact_phone") == "phone"
    assert personal_kind(apps.get_model("resources", "Station"), "phone") is None  # a published duty number


def _record(model: type, path: str) -> tuple[object, dict]:
    changes = {name: [None, ID_NUMBER if personal_kind(model, name) == "id_number" else PHONE]
               for name in personal_field_names(model)}
    obj = model(pk=987654)
    ChangeRecord.objects.create(action=Action.UPDATE, content_type=ContentType.objects.get_for_model(model),
                                object_id=str(obj.pk), object_repr="x", jurisdiction_path=path, changes=changes)
    return obj, changes


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_histories_mask_personal_data_for_roles_without_access(cast, model):
    obj, changes = _record(model, cast.community_a.path)
    for viewer, masked in ((cast.auditor, True), (cast.expert, True), (cast.keeper_a, True),
                           (cast.officer_a, False), (cast.commander, False)):
        rows = history_rows(obj, viewer)
        shown = {c["field"]: (c["new"], c["new_display"]) for c in rows[0]["changes"]}
        for name, (_old, value) in changes.items():
            new, display = shown[name]
            assert (value not in (new, display)) is masked, (viewer, name, new, display)
            if masked:
                assert "*" in new and new[-4:] == value[-4:]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_the_audit_api_masks_personal_data_for_roles_without_access(cast, model):
    _record(model, cast.community_a.path)
    for viewer, masked in ((cast.auditor, True), (cast.expert, True), (cast.officer_a, False)):
        body = api_client(viewer).get("/api/v1/audit/changes", {"object_id": "987654"}).json()
        assert body["count"] == 1
        text = str(body["items"][0]["changes"])
        assert (PHONE in text or ID_NUMBER in text) is not masked, (viewer, text)


def test_a_history_read_without_a_known_reader_is_masked(cast):
    model = apps.get_model("resources", "Member")
    obj, _ = _record(model, cast.community_a.path)
    assert PHONE not in str(history_rows(obj))


def _export_cells(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    return [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]


def test_the_team_and_member_exports_mask_phones_and_id_numbers_for_the_auditor(cast):
    from yingji.resources.tests.builders import make_member, make_team

    team = make_team(cast.community_a, contact_phone=PHONE)
    make_member(team, phone="13712345678", id_number=ID_NUMBER)
    auditor, officer = api_client(cast.auditor), api_client(cast.officer_a)
    assert PHONE not in _export_cells(auditor, "/api/v1/resources/teams/export")
    assert any("*" in c and c.endswith("5678") for c in _export_cells(auditor, "/api/v1/resources/teams/export"))
    members = _export_cells(auditor, "/api/v1/resources/members/export")
    assert ID_NUMBER not in members and "13712345678" not in members
    assert PHONE in _export_cells(officer, "/api/v1/resources/teams/export")
    assert ID_NUMBER in _export_cells(officer, "/api/v1/resources/members/export")


@pytest.mark.parametrize("who", ["expert", "keeper_a", "grid_worker_a", "responder_a", "auditor"])
def test_a_role_that_may_not_import_is_refused_before_the_file_is_read(cast, who):
    # Not even a readable workbook: a refusal that came after parsing would say so instead.
    garbage = io.BytesIO(b"PK\x03\x04 not a workbook")
    garbage.name = "members.xlsx"
    response = api_client(getattr(cast, who)).post("/api/v1/resources/members/import", {"file": garbage})
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"


def test_an_import_does_not_say_unchanged_about_a_row_out_of_the_importers_reach(cast):
    from yingji.resources.imports import MemberTable
    from yingji.resources.tests.builders import make_member, make_team

    team = make_team(cast.community_a)
    member = make_member(team, phone=PHONE, id_number=ID_NUMBER)
    exported = MemberTable(cast.commander).to_xlsx()
    # officer_c (another street) guesses the numbers of A's member with the exported file.
    result = MemberTable(cast.officer_c).import_file(exported, "members.xlsx")
    assert not result.ok and result.unchanged == 0
    member.refresh_from_db()
    assert member.phone == PHONE


def test_a_masked_export_read_back_keeps_the_stored_numbers(cast):
    from yingji.core.tabular import TableSpec
    from yingji.resources.imports import MemberTable
    from yingji.resources.tests.builders import make_member, make_team

    team = make_team(cast.community_a)
    member = make_member(team, phone=PHONE, id_number=ID_NUMBER)

    class Blind(MemberTable):
        """A spec read as a viewer without personal-data access (no such role imports today)."""

        def __init__(self, user):  # type: ignore[no-untyped-def]
            TableSpec.__init__(self, user)
            self.viewer.may_see = lambda path: False  # type: ignore[method-assign]

    masked_file = Blind(cast.officer_a).to_xlsx()
    cells = [str(v) for row in openpyxl.load_workbook(io.BytesIO(masked_file)).worksheets[0].iter_rows(values_only=True)
             for v in row]
    assert PHONE not in cells and ID_NUMBER not in cells and "139****5678" in cells
    right_guess = Blind(cast.officer_a).import_file(masked_file, "members.xlsx")
    assert right_guess.ok and right_guess.unchanged == 1
    member.refresh_from_db()
    assert (member.phone, member.id_number) == (PHONE, ID_NUMBER)  # no asterisks written over them
