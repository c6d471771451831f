"""The "not in the future" rule (core.validators.check_date_not_future) where a date records
something that has happened: a certificate's issue, the last maintenance, a production date,
a lot's service (issue 13). Refusals name the field and change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.validators import past_dates_into
from yingji.incidents.tests.builders import make_team
from yingji.resources.models import MemberCertificate
from yingji.resources.services import add_certificate
from yingji.supplies.models import StockLot
from yingji.supplies.services import receive_stock
from yingji.supplies.services.stock import record_maintenance
from yingji.supplies.tests.builders import make_material, make_warehouse

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def test_the_rule_names_each_future_date():
    class Row:
        issued_on, last_maintained_on, other = TOMORROW, timezone.localdate(), None

    errors: dict[str, list[str]] = {}
    past_dates_into(Row(), ("issued_on", "last_maintained_on", "other"), errors)
    assert list(errors) == ["issued_on"]


def test_a_certificate_issued_tomorrow_is_refused(cast):
    team = make_team(cast.community_a, "T-A1", "A一队", 114.02, 22.51)
    member = team.members.first()
    with pytest.raises(ValidationError) as refused:
        add_certificate(actor=cast.officer_a, member=member, kind="first_aid", issued_on=TOMORROW)
    assert "issued_on" in refused.value.message_dict and not MemberCertificate.objects.exists()
    add_certificate(actor=cast.officer_a, member=member, kind="first_aid", issued_on=timezone.localdate())
    assert MemberCertificate.objects.count() == 1


def test_stock_produced_or_serviced_tomorrow_is_refused(cast):
    jackets = make_material(cast, "SY-001", "救生衣", unit="件")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    with pytest.raises(ValidationError) as refused:
        receive_stock(wa, jackets, 5, actor=cast.keeper_a, reason="purchase", production_date=TOMORROW)
    assert "production_date" in refused.value.message_dict and not StockLot.objects.exists()
    receive_stock(wa, jackets, 5, actor=cast.keeper_a, reason="purchase", batch="B1")
    lot = StockLot.objects.get()
    with pytest.raises(ValidationError) as refused:
        record_maintenance(lot, actor=cast.keeper_a, on=TOMORROW)
    assert "on" in refused.value.message_dict
    lot.refresh_from_db()
    assert lot.last_maintained_on is None
