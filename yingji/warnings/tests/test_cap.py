"""CAP 1.2 out and in: schema-valid export, round trip, refusals with the schema's words, de-duplication."""

from __future__ import annotations

import pytest
from lxml import etree

from yingji.warnings import cap, services
from yingji.warnings.models import EarlyWarning, Origin, State
from yingji.warnings.tests.builders import RING_IN_A, draft

pytestmark = pytest.mark.django_db


def snapshot(warning: EarlyWarning) -> tuple:
    return (services.to_cap(warning), warning.level, warning.hazard, warning.msg_type, warning.scope,
            sorted(j.code for j in warning.target_jurisdictions.all()))


def test_it_exports_a_schema_valid_cap_message_with_level_hazard_and_areas(cast):
    warning = draft(cast, level="orange", areas=[
        services.AreaInput(kind="polygon", ring=RING_IN_A, desc="南园片区"),
        services.AreaInput(kind="circle", circle=[114.06, 22.55, 1.5], desc="园岭"),
        services.AreaInput(kind="jurisdiction", jurisdiction=cast.community_b.code)])
    data = services.export_xml(warning)
    cap.validate(data)  # raises if not CAP 1.2
    root = etree.fromstring(data)
    ns = {"c": cap.NS}
    assert root.findtext("c:identifier", namespaces=ns) == warning.identifier
    assert root.findtext("c:info/c:severity", namespaces=ns) == "Severe"
    assert root.findtext("c:info/c:event", namespaces=ns) == "暴雨"
    assert root.findtext("c:info/c:parameter[c:valueName='yingji:level']/c:value", namespaces=ns) == "orange"
    areas = root.findall("c:info/c:area", namespaces=ns)
    assert [a.findtext("c:areaDesc", namespaces=ns) for a in areas] == ["南园片区", "园岭", "B社区"]
    # CAP writes lat,lon; the ring was [lon, lat].
    assert areas[0].findtext("c:polygon", namespaces=ns).split()[0] == "22.505,114.005"
    assert areas[1].findtext("c:circle", namespaces=ns) == "22.55,114.06 1.5"
    assert areas[2].findtext("c:geocode/c:value", namespaces=ns) == cast.community_b.code
    assert len(areas[2].findtext("c:polygon", namespaces=ns).split()) == 5  # B's boundary box, closed


def test_it_round_trips_export_schema_import_equal(cast):
    warning = draft(cast, level="red", hazard="typhoon", areas=[
        services.AreaInput(kind="polygon", ring=RING_IN_A), services.AreaInput(kind="circle", circle=[114.01, 22.51, 0.8]),
        services.AreaInput(kind="jurisdiction", jurisdiction=cast.grid_a1.code)])
    before = snapshot(warning)
    xml = services.export_xml(warning)
    cap.validate(xml)
    warning.delete()  # the same (sender, identifier) would otherwise be recognised as already held
    imported = services.import_cap(xml, jurisdiction=cast.district, actor=cast.commander)
    assert imported.created and imported.warning.origin == Origin.FILE and imported.warning.state == State.DRAFT
    assert snapshot(imported.warning) == before
    assert services.export_xml(imported.warning) == xml
    # The picked jurisdiction is recognised from its geocode.
    assert imported.warning.infos.get().areas.get(position=2).jurisdiction == cast.grid_a1


def test_it_imports_a_message_once_by_sender_and_identifier(cast):
    xml = services.export_xml(draft(cast))
    EarlyWarning.objects.all().delete()
    first = services.import_cap(xml, jurisdiction=cast.district, actor=cast.commander)
    again = services.import_cap(xml, jurisdiction=cast.district, actor=cast.commander)
    assert first.created and not again.created and again.warning.pk == first.warning.pk
    assert EarlyWarning.objects.count() == 1


def test_it_reads_level_and_hazard_of_a_foreign_message_from_severity_and_event(cast):
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="{cap.NS}"><identifier>44030041600000_20260601</identifier><sender>szmb@weather.sz.gov.cn</sender>
<sent>2026-06-01T08:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
<info><language>zh-CN</language><category>Met</category><event>雷雨大风、城市内涝</event><urgency>Immediate</urgency>
<severity>Extreme</severity><certainty>Observed</certainty><headline>深圳市气象台发布城市内涝红色预警</headline>
<area><areaDesc>福田区</areaDesc><geocode><valueName>GB/T 2260</valueName><value>440304</value></geocode></area></info></alert>""".encode()
    warning = services.import_cap(xml, jurisdiction=cast.district, actor=cast.commander).warning
    assert (warning.level, warning.hazard) == ("red", "urban_flooding")
    assert warning.cap_xml.encode() == xml  # kept verbatim
    assert warning.infos.get().areas.get().jurisdiction == cast.district


@pytest.mark.parametrize(("change", "words"), [
    (lambda x: x.replace(b"<status>Actual</status>", b"<status>Bogus</status>"), "Actual"),
    (lambda x: x.replace(b"<msgType>Alert</msgType>", b""), "msgType"),
    (lambda x: x.replace(b"<severity>Moderate</severity>", b"<severity>Very bad</severity>"), "Extreme"),
    (lambda x: x.replace(b"+08:00</sent>", b"Z</sent>"), "sent"),
])
def test_it_refuses_a_malformed_cap_message_with_the_schema_error(cast, change, words):
    xml = services.export_xml(draft(cast))
    EarlyWarning.objects.all().delete()
    with pytest.raises(cap.CapError) as refused:
        services.import_cap(change(xml), jurisdiction=cast.district, actor=cast.commander)
    assert str(refused.value).startswith("CAP") and words in str(refused.value)
    assert not EarlyWarning.objects.exists()


def test_it_refuses_documents_that_are_not_cap_or_not_xml_or_carry_entities(cast):
    bad = [b"not xml at all", b"<rss version='2.0'/>",
           b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><alert>&x;</alert>']
    for data in bad:
        with pytest.raises(cap.CapError):
            services.import_cap(data, jurisdiction=cast.district, actor=cast.commander)
    assert not EarlyWarning.objects.exists()


def test_an_outsider_cannot_import_into_another_community(cast):
    from django.core.exceptions import PermissionDenied

    xml = services.export_xml(draft(cast))
    EarlyWarning.objects.all().delete()
    with pytest.raises(PermissionDenied):
        services.import_cap(xml, jurisdiction=cast.community_a, actor=cast.officer_b)
