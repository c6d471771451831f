"""Issue 11's scenario on the demo district (make demo's seed), in a browser, in Chinese.

jd01, the duty officer of 南园街道, records a building fire at 景华社区应急管理服务站; the station's own
team is the first candidate, by road and inside the 5-minute circle; one click calls it; the demo
responder of that team acknowledges on a 390 px phone; the console shows it; nothing escalates.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone

from yingji.accounts.demo import generate_accounts
from yingji.accounts.models import User
from yingji.core.demo import DemoContext
from yingji.coverage.demo import install_road_network
from yingji.incidents.models import Dispatch, EventKind, Incident
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.ranking import team_index
from yingji.jurisdictions import locate
from yingji.jurisdictions.demo import generate_jurisdictions
from yingji.resources.demo import generate_resources

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "roads.npz")
    context = DemoContext(scale="futian", seed=2026, out=io.StringIO())
    for step in (generate_jurisdictions, generate_accounts, install_road_network, generate_resources):
        step(context)
    team_index.reset()
    locate._index = None
    return context


def test_the_duty_officer_records_a_fire_at_the_station_and_its_own_team_goes(demo, page_for, asgi_server,
                                                                               screenshot):
    officer, responder = User.objects.get(username="jd01"), User.objects.get(username="responder")
    console = page_for(officer, timezone_id="UTC")
    console.goto(asgi_server + "/incidents/console/")
    console.wait_for_selector("body[data-live]")

    page = console.context.new_page()
    page.goto(asgi_server + "/incidents/new/")
    page.select_option("#id_type_code", "21100")
    page.select_option("#id_channel", "119")
    page.fill("#id_address", "景华社区应急管理服务站")
    page.fill("#id_description", "三楼厨房冒烟")
    page.click("[data-testid=save-incident]")
    page.wait_for_selector("[data-testid=one-click]")
    incident = Incident.objects.get()
    assert incident.jurisdiction.name.startswith("景华社区")
    first = page.locator("[data-testid=activate-form] tbody tr").first
    assert "景华社区应急管理服务站救援队" in first.inner_text()
    time_text = first.locator("[data-testid=candidate-time]").inner_text()
    assert "估算" not in time_text and float(time_text.split()[0]) < 1.0  # by road, under a minute
    assert "圈内" in first.inner_text()
    screenshot(page, "dispatch-officer-candidates")
    page.click("[data-testid=one-click]")
    page.wait_for_selector("[data-testid=dispatches] .badge.d-called")
    console.wait_for_selector("#feed li[data-kind='incident.dispatched']")

    phone = page_for(responder, mobile=True)
    phone.goto(asgi_server + "/incidents/me/")
    card = phone.wait_for_selector("[data-testid^=callout-]")
    assert "景华社区应急管理服务站" in card.inner_text()
    phone.wait_for_selector("body[data-live]")
    phone.click("[data-testid=step-acknowledge]")
    phone.wait_for_selector("[data-testid=step-acknowledge][disabled]")
    screenshot(phone, "dispatch-responder-phone-390")
    console.wait_for_selector("#feed li[data-kind='dispatch.acknowledge']")
    screenshot(console, "dispatch-console-acknowledged")

    # Ten minutes on, the other team called has not answered: with one team coming, nothing escalates.
    assert dispatching.escalate_overdue(now=timezone.now() + datetime.timedelta(minutes=10)) == []
    assert not Dispatch.objects.filter(incident=incident, escalated_from__isnull=False).exists()
    assert incident.events.filter(kind=EventKind.ESCALATED).count() == 0
    own = Dispatch.objects.get(incident=incident, team__name="景华社区应急管理服务站救援队")
    assert own.status == "acknowledged" and own.acknowledged_by == responder
