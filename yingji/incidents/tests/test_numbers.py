"""Readable incident numbers (issue 13): the year and its sequence, given at intake (one call or a batch),
unique, shown wherever an incident is named, found by the list's search; the migration numbers old rows."""

from __future__ import annotations

import datetime
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from yingji.core.testing import api_client
from yingji.incidents.models import Incident, IncidentNumberCounter
from yingji.incidents.services.intake import report_incidents
from yingji.incidents.tests.builders import A_POINT, B_POINT, fire_in_a

pytestmark = pytest.mark.django_db


def test_intake_gives_each_incident_the_next_number_of_its_year(cast):
    year = timezone.localdate().year
    first, second = fire_in_a(cast), fire_in_a(cast)
    assert (first.number, second.number) == (f"{year}-000001", f"{year}-000002")
    results = report_incidents(actor=cast.commander, calls=[
        {"type_code": "21100", "channel": "119", "lon": p[0], "lat": p[1], "address": "某路1号"}
        for p in (A_POINT, B_POINT)])
    assert [r.incident.number for r in results] == [f"{year}-000003", f"{year}-000004"]
    # A call received last year (an external platform catching up) takes last year's sequence.
    [late] = report_incidents(actor=cast.commander, calls=[{
        "type_code": "21100", "channel": "119", "lon": A_POINT[0], "lat": A_POINT[1],
        "received_at": timezone.now().replace(year=year - 1)}])
    assert late.incident.number == f"{year - 1}-000001"
    numbers = list(Incident.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers) == 5 and all(re.fullmatch(r"\d{4}-\d{6}", n) for n in numbers)


def test_the_number_names_the_incident_on_its_pages_and_finds_it(cast, client):
    incident = fire_in_a(cast)
    other = fire_in_a(cast, address="B路2号")
    client.force_login(cast.officer_a)
    def shown(number: str) -> str:
        return f'data-testid="incident-number">{number}<'

    assert shown(incident.number) in client.get(f"/incidents/{incident.pk}/").content.decode()
    listing = client.get("/incidents/", {"q": incident.number}).content.decode()
    assert shown(incident.number) in listing and shown(other.number) not in listing
    assert shown(other.number) in client.get("/incidents/").content.decode()
    assert api_client(cast.officer_a).get(f"/api/v1/incidents/{incident.pk}").json()["number"] == incident.number
    # Another community's officer finds nothing by the number.
    client.force_login(cast.officer_c)
    assert shown(incident.number) not in client.get("/incidents/", {"q": incident.number}).content.decode()


def test_the_migration_numbers_the_incidents_already_recorded(cast):
    now = timezone.now()
    old, new = fire_in_a(cast, received_at=now - datetime.timedelta(hours=2)), fire_in_a(cast)
    Incident.objects.update(number="")
    IncidentNumberCounter.objects.all().delete()
    import_module("yingji.incidents.migrations.0010_incident_number").backfill(apps, None)
    year = timezone.localdate().year
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.number, new.number) == (f"{year}-000001", f"{year}-000002")
    assert fire_in_a(cast).number == f"{year}-000003"  # the counter continues after the backfill
