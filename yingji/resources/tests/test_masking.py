"""Phone and ID numbers of people are masked for roles without the
personal-data permission (grid worker, responder, expert, auditor), in pages,
API answers and exports, and shown in full to community staff."""

from __future__ import annotations

import io

import openpyxl
import pytest

from yingji.core.testing import api_client, web_client
from yingji.resources.tests import builders as b

PHONE, ID_NUMBER = "13912345678", b.VALID_ID_NUMBERS[0]
MASKED_PHONE, MASKED_ID = "139****5678", "440304********1233"


@pytest.fixture
def member(cast):  # type: ignore[no-untyped-def]
    # A grid's volunteer team, so that every role of the cast (the grid worker too) can see the member.
    return b.make_member(b.make_team(cast.grid_a1, kind="volunteer"), name="赵六", phone=PHONE, id_number=ID_NUMBER)


@pytest.mark.parametrize("role", ["grid_worker_a", "responder_a", "expert", "auditor"])
def test_it_masks_numbers_for_roles_without_personal_data(cast, member, role):
    user = getattr(cast, role)
    page = web_client(user).get("/resources/members/").content.decode()
    assert "赵六" in page
    assert MASKED_PHONE in page and MASKED_ID in page
    assert PHONE not in page and ID_NUMBER not in page
    detail = web_client(user).get(f"/resources/members/{member.pk}/").content.decode()
    assert PHONE not in detail and ID_NUMBER not in detail
    row = api_client(user).get(f"/api/v1/resources/members/{member.pk}").json()
    assert (row["phone"], row["id_number"]) == (MASKED_PHONE, MASKED_ID)


@pytest.mark.parametrize("role", ["officer_a", "street_officer", "commander"])
def test_it_shows_numbers_to_staff_of_the_area(cast, member, role):
    user = getattr(cast, role)
    page = web_client(user).get("/resources/members/").content.decode()
    assert PHONE in page and ID_NUMBER in page
    row = api_client(user).get("/api/v1/resources/members/").json()["items"][0]
    assert (row["phone"], row["id_number"]) == (PHONE, ID_NUMBER)


def test_the_auditors_export_is_masked_too(cast, member):
    content = api_client(cast.auditor).get("/api/v1/resources/members/export").getvalue()
    cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
             for c in row]
    assert MASKED_PHONE in cells and PHONE not in cells and ID_NUMBER not in cells


def test_expert_and_team_contact_phones_are_masked_as_well(cast):
    expert = b.make_expert(cast.community_a, phone="13700002222")
    team = b.make_team(cast.community_a, contact_phone="13900001111")
    client = api_client(cast.responder_a)
    assert client.get(f"/api/v1/resources/experts/{expert.pk}").json()["phone"] == "137****2222"
    assert client.get(f"/api/v1/resources/teams/{team.pk}").json()["contact_phone"] == "139****1111"
    assert "13700002222" not in web_client(cast.responder_a).get("/resources/experts/").content.decode()
    history = client.get(f"/api/v1/resources/experts/{expert.pk}/history").json()
    assert "13700002222" not in str(history) and "137****2222" in str(history)
