"""Inspectors from the web: a street officer adds and edits a street's inspectors with their enforcement
certificate (number, issuer, valid until — all or none, checked), each change audited; the inspections page
lists them with the certified share; another street's officer cannot reach them."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from yingji.audit.models import ChangeRecord
from yingji.core.testing import api_client, web_client
from yingji.hazards.models import Inspector

pytestmark = pytest.mark.django_db


def _body(cast, **change):  # type: ignore[no-untyped-def]
    valid = timezone.localdate() + datetime.timedelta(days=365)
    return {"jurisdiction": cast.street_1.pk, "staff_number": "ZF-101", "name": "赵执法",
            "certificate_number": "粤执4403001", "certificate_issuer": "深圳市福田区人民政府",
            "certificate_valid_until": str(valid), "is_active": "on", **change}


def test_a_street_officer_adds_and_edits_an_inspector_and_each_change_is_audited(cast):
    client = web_client(cast.street_officer)
    page = client.get("/hazards/inspections/")
    assert 'data-testid="new-inspector"' in page.content.decode()
    assert client.get("/hazards/inspectors/new/").status_code == 200
    made = client.post("/hazards/inspectors/new/", _body(cast))
    assert made.status_code == 302, made.context["form"].errors
    inspector = Inspector.objects.get()
    assert (inspector.jurisdiction, inspector.certificate_issuer, inspector.certified_on(timezone.localdate())) == (
        cast.street_1, "深圳市福田区人民政府", True)
    listing = client.get("/hazards/inspections/").content.decode()
    assert 'data-testid="inspector-ZF-101"' in listing and "粤执4403001" in listing and "已持证" in listing

    # The certificate lapses: edited from the page, the inspector is no longer counted as certified.
    past = str(timezone.localdate() - datetime.timedelta(days=1))
    edited = client.post(f"/hazards/inspectors/{inspector.pk}/edit/", _body(cast, certificate_valid_until=past))
    assert edited.status_code == 302, edited.context["form"].errors
    inspector.refresh_from_db()
    assert not inspector.certified_on(timezone.localdate())
    [row] = api_client(cast.street_officer).get("/api/v1/hazards/inspections/compliance").json()[:1]
    assert row["street"] == cast.street_1.code and (row["inspectors"], row["certified"]) == (1, 0)
    records = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Inspector),
                                          object_id=str(inspector.pk)).order_by("pk")
    assert [r.action for r in records] == ["create", "update"]
    assert records[0].actor == cast.street_officer and "certificate_valid_until" in records[1].changes


@pytest.mark.parametrize(("change", "field"), [
    ({"certificate_issuer": ""}, "certificate_issuer"),               # a number without its issuer
    ({"certificate_valid_until": ""}, "certificate_valid_until"),     # … or its validity
    ({"certificate_number": ""}, "certificate_number"),               # an issuer and a date without a number
    ({"certificate_number": "粤执 4403 001 !"}, "certificate_number"),  # not a certificate number
    ({"certificate_valid_until": "2026-13-40"}, "certificate_valid_until"),
    ({"name": "  "}, "name"),
    ({"staff_number": ""}, "staff_number"),
])
def test_a_bad_certificate_is_refused_naming_the_field(cast, change, field):
    answer = web_client(cast.street_officer).post("/hazards/inspectors/new/", _body(cast, **change))
    assert answer.status_code == 422
    assert field in answer.context["form"].errors, answer.context["form"].errors
    assert not Inspector.objects.exists()


def test_staff_without_a_certificate_and_a_duplicate_staff_number(cast):
    client = web_client(cast.street_officer)
    bare = _body(cast, certificate_number="", certificate_issuer="", certificate_valid_until="")
    assert client.post("/hazards/inspectors/new/", bare).status_code == 302
    again = client.post("/hazards/inspectors/new/", bare)
    assert again.status_code == 422 and "staff_number" in again.context["form"].errors
    assert Inspector.objects.count() == 1


def test_another_streets_officer_and_community_staff_cannot_reach_an_inspector(cast):
    web_client(cast.street_officer).post("/hazards/inspectors/new/", _body(cast))
    inspector = Inspector.objects.get()
    assert web_client(cast.officer_c).get(f"/hazards/inspectors/{inspector.pk}/edit/").status_code == 404
    assert web_client(cast.officer_c).post(f"/hazards/inspectors/{inspector.pk}/edit/",
                                           _body(cast, name="改名")).status_code == 404
    assert "ZF-101" not in web_client(cast.officer_c).get("/hazards/inspections/").content.decode()
    # Community staff see their street's inspectors but may not add or change them.
    assert web_client(cast.grid_worker_a).get("/hazards/inspectors/new/").status_code == 403
    inspector.refresh_from_db()
    assert inspector.name == "赵执法"
