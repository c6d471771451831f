"""The workflow machine (workflows/machine.py) on real workflows: allocations and incidents, plus a
test workflow for guards and deadlines on a clock."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.core.testing import web_client
from yingji.incidents.models import Status
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services import respond
from yingji.incidents.tests.builders import fire_in_a
from yingji.incidents.tests.builders import world as incidents_world
from yingji.incidents.workflows import INCIDENT
from yingji.supplies.models import Allocation, AllocationStatus
from yingji.supplies.services import approve_allocation, request_allocation
from yingji.supplies.services.allocations import LineRequest
from yingji.supplies.tests.builders import make_material, make_warehouse, stock
from yingji.supplies.workflows import ALLOCATION
from yingji.workflows import machine
from yingji.workflows.machine import Deadline, Transition, Workflow, allowed_transitions
from yingji.workflows.models import WorkflowDeadline, WorkflowEvent

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def allocation(cast):  # type: ignore[no-untyped-def]
    """The street asks, for community A, for 5 life jackets from community B's warehouse."""
    jackets = make_material(cast, "SY-001", "救生衣", unit="件")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    wb = make_warehouse(cast.community_b, "WB", 114.02)
    stock(wb, jackets, 10)
    return request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                              lines=[LineRequest(wb, jackets, 5)], purpose="flood")


@pytest.fixture
def scratch_workflows():  # type: ignore[no-untyped-def]
    """Workflows a test declares are forgotten afterwards."""
    before = dict(machine.WORKFLOWS)
    yield
    machine.WORKFLOWS.clear()
    machine.WORKFLOWS.update(before)


def names(steps: list[Transition]) -> list[str]:
    return [step.name for step in steps]


def test_a_step_moves_the_state_and_writes_an_event_row(cast, allocation):
    approve_allocation(allocation, actor=cast.street_officer, note="ok for the flood")
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.APPROVED
    start, step = ALLOCATION.history(allocation)
    assert (start.transition, start.from_state, start.to_state, start.actor) == ("start", "", "requested",
                                                                               cast.street_officer)
    assert (step.transition, step.from_state, step.to_state, step.actor, step.note) == (
        "approve", "requested", "approved", cast.street_officer, "ok for the flood")
    assert step.path == cast.community_a.path and step.label == str(AllocationStatus.APPROVED.label)
    # Scoped history: community C's officer sees none of it, the street's officer all of it.
    assert not WorkflowEvent.objects.visible_to(cast.officer_c).exists()
    assert WorkflowEvent.objects.visible_to(cast.street_officer).count() == 2


def test_the_wrong_role_gets_403_the_wrong_jurisdiction_404_and_nothing_changes(cast, allocation):
    with pytest.raises(PermissionDenied):  # a keeper of A sees the allocation but may not approve
        ALLOCATION.transition(allocation, "approve", actor=cast.keeper_a)
    with pytest.raises(PermissionDenied):  # community A's officer may not approve B's stock
        ALLOCATION.transition(allocation, "approve", actor=cast.officer_a)
    with pytest.raises(Http404):  # community C may not even see it
        ALLOCATION.transition(allocation, "approve", actor=cast.officer_c)
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.REQUESTED
    assert list(WorkflowEvent.objects.values_list("transition", flat=True)) == ["start"]


def test_a_step_from_the_wrong_state_is_refused(cast, allocation):
    with pytest.raises(ValidationError) as refused:
        ALLOCATION.transition(allocation, "dispatch", actor=cast.street_officer)
    assert "status" in refused.value.message_dict


def test_allowed_transitions_are_what_each_user_may_do_now(cast, allocation):
    assert names(allowed_transitions(cast.street_officer, allocation)) == ["approve", "reject", "cancel"]
    assert names(allowed_transitions(cast.officer_a, allocation)) == ["cancel"]  # the requesting side
    assert names(allowed_transitions(cast.officer_b, allocation)) == []  # the source side, not an approver
    assert names(allowed_transitions(cast.keeper_a, allocation)) == ["cancel"]  # keepers may request, so cancel
    approve_allocation(allocation, actor=cast.street_officer)
    allocation.refresh_from_db()
    assert names(allowed_transitions(cast.street_officer, allocation)) == ["dispatch", "reject", "cancel"]


def test_the_allocation_page_shows_exactly_the_allowed_buttons(cast, allocation):
    def buttons(user) -> set[str]:  # type: ignore[no-untyped-def]
        page = web_client(user, "en").get(f"/supplies/allocations/{allocation.number}/").content.decode()
        return {name for name in ("approve", "dispatch", "receive", "reject", "cancel")
                if f'data-testid="{name}"' in page}

    assert buttons(cast.street_officer) == {"approve", "reject", "cancel"}
    assert buttons(cast.officer_a) == {"cancel"}
    assert buttons(cast.officer_b) == set()
    assert web_client(cast.officer_c, "en").get(f"/supplies/allocations/{allocation.number}/").status_code == 404


def test_guards_stop_a_step_and_hide_its_button(cast, allocation, scratch_workflows):
    def only_for_floods(a: Allocation) -> str | None:
        return None if a.purpose == "flood" else "Only for floods."

    guarded = Workflow("test.guarded", Allocation, states=AllocationStatus, transitions=[
        Transition("approve", source=[AllocationStatus.REQUESTED], target=AllocationStatus.APPROVED,
                   permission="supplies.approve_allocation", guards=[only_for_floods])])
    Allocation.objects.filter(pk=allocation.pk).update(purpose="drill")
    allocation.refresh_from_db()
    assert guarded.allowed(cast.street_officer, allocation) == []
    with pytest.raises(ValidationError, match="Only for floods"):
        guarded.transition(allocation, "approve", actor=cast.street_officer)
    Allocation.objects.filter(pk=allocation.pk).update(purpose="flood")
    allocation.refresh_from_db()
    assert names(guarded.allowed(cast.street_officer, allocation)) == ["approve"]
    guarded.transition(allocation, "approve", actor=cast.street_officer)
    assert Allocation.objects.get(pk=allocation.pk).status == AllocationStatus.APPROVED


def test_a_deadline_escalates_once_on_the_clock_and_closes_when_the_state_is_left(cast, allocation,
                                                                                  scratch_workflows):
    escalated: list[tuple[int, datetime.datetime]] = []
    timed = Workflow("test.timed", Allocation, states=AllocationStatus, transitions=[
        Transition("approve", source=[AllocationStatus.REQUESTED], target=AllocationStatus.APPROVED,
                   permission="supplies.approve_allocation")],
        deadlines={AllocationStatus.REQUESTED: Deadline(after=datetime.timedelta(hours=2),
                                                         escalate=lambda a, now: escalated.append((a.pk, now)))})
    timed.start(allocation, actor=cast.officer_a, now=T0)
    assert machine.escalate_overdue(T0 + datetime.timedelta(minutes=119), [timed]) == 0
    assert machine.escalate_overdue(T0 + datetime.timedelta(hours=2), [timed]) == 1
    assert machine.escalate_overdue(T0 + datetime.timedelta(hours=3), [timed]) == 0  # once only
    assert escalated == [(allocation.pk, T0 + datetime.timedelta(hours=2))]
    overdue = WorkflowEvent.objects.get(workflow="test.timed", transition="overdue")
    assert (overdue.from_state, overdue.to_state, overdue.actor) == ("requested", "requested", None)
    # A second object leaves the state in time: its deadline goes with it and never fires.
    other = Allocation.objects.get(pk=allocation.pk)
    WorkflowDeadline.objects.all().delete()
    timed.start(other, actor=cast.officer_a, now=T0)
    timed.transition(other, "approve", actor=cast.street_officer, now=T0 + datetime.timedelta(minutes=5))
    assert not WorkflowDeadline.objects.exists()
    assert machine.escalate_overdue(T0 + datetime.timedelta(days=1), [timed]) == 0


def test_the_deadlines_job_is_declared(cast):
    from yingji.core.jobs import discover

    assert "workflows.deadlines" in discover()


# ------------------------------------------------------------------ incidents on the workflow
def test_an_incident_moves_through_its_workflow_with_the_1_3_5_clock(cast):
    w = incidents_world(cast)
    incident = fire_in_a(cast)
    assert names(allowed_transitions(cast.officer_a, incident)) == ["dispatch", "close", "merge"]
    assert names(allowed_transitions(cast.grid_worker_a, incident)) == []
    [d] = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    respond.advance(d, "arrive", actor=cast.responder_a)
    respond.advance(d, "handled", actor=cast.responder_a)
    incident.refresh_from_db()
    assert incident.status == Status.HANDLED
    assert incident.dispatched_at and incident.arrived_at and incident.handled_at  # the clock is still written
    steps = [(e.transition, e.from_state, e.to_state, e.actor) for e in INCIDENT.history(incident)]
    assert steps == [("start", "", "reported", cast.officer_a),  # written by intake
                     ("dispatch", "reported", "dispatched", cast.officer_a),
                     ("arrive", "dispatched", "on_scene", cast.responder_a),
                     ("handle", "on_scene", "handled", cast.responder_a)]
    # Arrive and handle are automatic: never offered as buttons.
    assert names(allowed_transitions(cast.commander, incident)) == ["close", "merge"]
    dispatching.close_incident(incident, actor=cast.officer_a, outcome="resolved")
    assert INCIDENT.history(incident)[-1].to_state == Status.CLOSED
    with pytest.raises(ValidationError):
        INCIDENT.transition(incident, "close", actor=cast.officer_a)


def test_an_incident_of_another_community_cannot_be_closed(cast):
    incident = fire_in_a(cast)
    with pytest.raises(Http404):
        INCIDENT.transition(incident, "close", actor=cast.officer_c)
    with pytest.raises(PermissionDenied):  # sees it (the grid's worker) but may not close it
        INCIDENT.transition(incident, "close", actor=cast.grid_worker_a)
    incident.refresh_from_db()
    assert incident.status == Status.REPORTED


def test_the_api_answers_the_steps_each_user_may_take(cast, allocation):
    from yingji.core.testing import api_client

    url = f"/api/v1/supplies/allocations/{allocation.number}"
    assert api_client(cast.street_officer).get(url).json()["steps"] == ["approve", "reject", "cancel"]
    assert api_client(cast.officer_a).get(url).json()["steps"] == ["cancel"]
    assert api_client(cast.officer_c).get(url).status_code == 404
    incident = fire_in_a(cast)
    assert api_client(cast.officer_a).get(f"/api/v1/incidents/{incident.pk}").json()["steps"] == \
        ["dispatch", "close", "merge"]
    assert api_client(cast.grid_worker_a).get(f"/api/v1/incidents/{incident.pk}").json()["steps"] == []
