"""Siting studies: recommended new sites (MCLP) and the set-cover count (LSCP), run as a task."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.coverage.models import CoverageRun, PlaceKind, RunStatus
from yingji.coverage.services.studies import latest_run, request_siting
from yingji.coverage.tests.builders import NODES, world

pytestmark = pytest.mark.django_db


def test_one_new_site_among_the_cells_covers_street_two(cast, django_capture_on_commit_callbacks):
    world(cast)
    with django_capture_on_commit_callbacks(execute=True):
        run = request_siting(actor=cast.commander, area=cast.district, new_sites=1, minutes=3)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert run.totals["share_before"] == pytest.approx(10000 / 21000, abs=1e-4)
    assert run.totals["share_after"] == 1.0 and run.totals["lscp_sites"] == 1
    [site] = run.sites
    # n2…n5 all reach n4 and n5 within 3 minutes: any of them covers street 2
    assert (site["lon"], site["lat"]) in NODES[2:] and site["gain"] == 11000
    rows = {r["code"]: r for r in run.areas}
    assert rows["440304002000"]["share_before"] == 0 and rows["440304002000"]["share_after"] == 1.0
    assert rows["440304002000"]["risk_after"] == 1
    assert latest_run(cast.commander, cast.district) == run


def test_candidates_of_one_type_of_place(cast, django_capture_on_commit_callbacks):
    w = world(cast)
    with django_capture_on_commit_callbacks(execute=True):
        run = request_siting(actor=cast.commander, area=cast.district, new_sites=3, minutes=3,
                             candidate_kind=PlaceKind.MALL)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.totals["candidates"] == 1
    assert [s["name"] for s in run.sites] == [w.mall.name]


def test_a_community_officer_cannot_study_another_community(cast):
    world(cast)
    with pytest.raises(PermissionDenied):
        request_siting(actor=cast.officer_a, area=cast.community_c, new_sites=1, minutes=5)
    with pytest.raises(PermissionDenied):
        request_siting(actor=cast.grid_worker_a, area=cast.grid_a1, new_sites=1, minutes=5)
    assert not CoverageRun.objects.exists()


def test_bad_parameters_are_refused(cast):
    with pytest.raises(ValidationError) as error:
        request_siting(actor=cast.commander, area=cast.district, new_sites=0, minutes=5, candidate_kind="zoo")
    assert set(error.value.message_dict) == {"new_sites", "candidate_kind"}


def test_a_run_without_cells_fails_and_says_why(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = request_siting(actor=cast.commander, area=cast.district, new_sites=1, minutes=5)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error
