"""Rosters: a month from a pattern across midnight and month ends in Beijing time, edits, extra shifts."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.audit.models import ChangeRecord
from yingji.duty import times
from yingji.duty.models import Holiday, Shift, ShiftKind
from yingji.duty.services import now as duty_now
from yingji.duty.services import rosters
from yingji.duty.tests.builders import day_night_pattern, local, make_shift, staff_of_a

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def test_it_generates_a_month_whose_last_night_shift_ends_in_the_next_month(cast):
    one, two, three = staff_of_a(cast)
    pattern = day_night_pattern(cast, [(one, [cast.officer_a]), (two, []), (three, [])])
    made = rosters.generate_month(pattern, 2027, 1, actor=cast.officer_a, now=local(2026, 12, 20))
    assert len(made.created) == 62
    shifts = list(Shift.objects.filter(jurisdiction=cast.community_a).order_by("starts_at"))
    last = shifts[-1]
    assert (last.label, last.starts_at, last.ends_at) == ("夜班", local(2027, 1, 31, 20), local(2027, 2, 1, 8))
    # Beijing time is UTC+8 all year: 20:00 is 12:00 UTC, and every shift lasts exactly 12 hours.
    assert last.starts_at.astimezone(UTC).hour == 12
    assert {s.ends_at - s.starts_at for s in shifts} == {datetime.timedelta(hours=12)}
    # The night from January 31 is the duty at 02:00 on February 1, generated with January.
    post = duty_now.on_duty(cast.community_a, at=local(2027, 2, 1, 2))
    assert [s.id for s in post.shifts] == [last.pk]
    # The crews take turns: no crew stands two shifts in a row.
    leaders = [s.leader_id for s in shifts]
    assert all(a != b for a, b in zip(leaders, leaders[1:], strict=False))
    assert shifts[0].staff.count() + shifts[1].staff.count() + shifts[2].staff.count() == 1


def test_february_of_a_leap_year_has_29_days_of_shifts_and_the_turns_go_on_from_january(cast):
    one, two, three = staff_of_a(cast)
    pattern = day_night_pattern(cast, [(one, []), (two, []), (three, [])])
    january = rosters.generate_month(pattern, 2028, 1, actor=cast.commander, now=local(2027, 12, 1)).created
    february = rosters.generate_month(pattern, 2028, 2, actor=cast.commander, now=local(2027, 12, 1)).created
    assert len(february) == 58
    assert february[-1].ends_at == local(2028, 3, 1, 8)
    # February's first day shift is the crew after January's last night shift.
    order = [one.pk, two.pk, three.pk]
    assert order.index(february[0].leader_id) == (order.index(january[-1].leader_id) + 1) % 3


def test_every_day_of_a_year_in_beijing_has_24_hours(cast):
    """No daylight saving: local midnight to midnight is 24 hours on every day of 2026."""
    day = datetime.date(2026, 1, 1)
    while day.year == 2026:
        start, end = times.day_bounds(day)
        assert end - start == datetime.timedelta(hours=24) and start.astimezone(UTC).hour == 16
        day += datetime.timedelta(days=1)


def test_a_month_is_not_generated_twice_and_replacing_keeps_what_has_started(cast):
    one, two, _three = staff_of_a(cast)
    pattern = day_night_pattern(cast, [(one, []), (two, [])])
    rosters.generate_month(pattern, 2027, 3, actor=cast.officer_a, now=local(2027, 2, 1))
    with pytest.raises(ValidationError) as refused:
        rosters.generate_month(pattern, 2027, 3, actor=cast.officer_a, now=local(2027, 3, 10, 12))
    assert "month" in refused.value.message_dict
    started = Shift.objects.get(jurisdiction=cast.community_a, starts_at=local(2027, 3, 10, 8))
    started.taken_over_at = local(2027, 3, 10, 8)
    started.save()
    again = rosters.generate_month(pattern, 2027, 3, actor=cast.officer_a, replace=True, now=local(2027, 3, 10, 12))
    # Shifts until March 10's day shift (19 of them) stay; the 43 after it are made anew.
    assert (again.replaced, len(again.created)) == (43, 43)
    assert Shift.objects.filter(jurisdiction=cast.community_a).count() == 62
    assert Shift.objects.filter(pk=started.pk).exists()


def test_public_holidays_add_the_pattern_s_holiday_shifts(cast):
    one, two, three = staff_of_a(cast)
    Holiday.objects.create(jurisdiction=cast.district, day=datetime.date(2027, 10, 1), name="国庆节")
    Holiday.objects.create(jurisdiction=cast.district, day=datetime.date(2027, 10, 2), name="国庆节")
    pattern = day_night_pattern(cast, [(one, []), (two, [])],
                                holiday_slots=[{"label": "节假日带班", "start": "08:00", "end": "08:00"}],
                                holiday_crews=[(cast.street_officer, [three])])
    made = rosters.generate_month(pattern, 2027, 10, actor=cast.commander, now=local(2027, 9, 1)).created
    extra = [s for s in made if s.kind == ShiftKind.HOLIDAY]
    assert [(s.starts_at, s.ends_at, s.note) for s in extra] == [
        (local(2027, 10, 1, 8), local(2027, 10, 2, 8), "国庆节"), (local(2027, 10, 2, 8), local(2027, 10, 3, 8), "国庆节")]
    # On a holiday two shifts are under way: the regular one first, then the holiday duty.
    post = duty_now.on_duty(cast.community_a, at=local(2027, 10, 1, 9))
    assert [s.kind for s in post.shifts] == [ShiftKind.REGULAR, ShiftKind.HOLIDAY]
    assert post.shifts[1].leader.id == cast.street_officer.pk and post.shifts[1].members[0].id == three.pk


def test_a_pattern_refuses_overlapping_shifts_and_people_who_may_not_stand_duty_here(cast):
    with pytest.raises(ValidationError) as overlap:
        rosters.save_pattern(actor=cast.officer_a, jurisdiction=cast.community_a, name="x",
                             slots=[{"label": "白班", "start": "08:00", "end": "20:00"},
                                    {"label": "夜班", "start": "19:00", "end": "08:00"}],
                             crews=[{"leader": cast.officer_a.pk, "members": []}])
    assert "slots" in overlap.value.message_dict
    with pytest.raises(ValidationError) as outsider:  # community C's staff, and a warehouse keeper
        rosters.save_pattern(actor=cast.officer_a, jurisdiction=cast.community_a, name="x", slots=[
            {"label": "全天", "start": "08:00", "end": "08:00"}],
            crews=[{"leader": cast.officer_c.pk, "members": []}, {"leader": cast.keeper_a.pk, "members": []}])
    assert "crews" in outsider.value.message_dict
    with pytest.raises(PermissionDenied):  # community B's staff cannot plan A's duty
        rosters.save_pattern(actor=cast.officer_b, jurisdiction=cast.community_a, name="x",
                             slots=[{"label": "全天", "start": "08:00", "end": "08:00"}],
                             crews=[{"leader": cast.officer_a.pk, "members": []}])


def test_regular_shifts_take_turns_while_reinforced_duty_comes_beside_them(cast):
    now = local(2027, 7, 1, 0)
    rosters.create_shift(actor=cast.officer_a, jurisdiction=cast.community_a, label="白班",
                         starts_at=local(2027, 7, 2, 8), ends_at=local(2027, 7, 2, 20), leader=cast.officer_a, now=now)
    with pytest.raises(ValidationError) as clash:
        rosters.create_shift(actor=cast.officer_a, jurisdiction=cast.community_a, label="加班",
                             starts_at=local(2027, 7, 2, 18), ends_at=local(2027, 7, 2, 22), leader=cast.officer_a,
                             now=now)
    assert "starts_at" in clash.value.message_dict
    typhoon = rosters.add_extra_shifts(
        actor=cast.street_officer, jurisdiction=cast.community_a, kind=ShiftKind.REINFORCED,
        first_day=datetime.date(2027, 7, 2), last_day=datetime.date(2027, 7, 4), start=datetime.time(18),
        end=datetime.time(8), label="台风加强值守", leader=cast.street_officer, members=[cast.officer_a],
        note="台风“海葵”", now=now)
    assert [s.starts_at for s in typhoon] == [local(2027, 7, d, 18) for d in (2, 3, 4)]
    assert typhoon[-1].ends_at == local(2027, 7, 5, 8)
    assert [s.kind for s in duty_now.on_duty(cast.community_a, at=local(2027, 7, 2, 19)).shifts] == [
        ShiftKind.REGULAR, ShiftKind.REINFORCED]


def test_a_shift_that_has_ended_is_a_record(cast):
    one, two, _ = staff_of_a(cast)
    shift = make_shift(cast.community_a, local(2027, 1, 1, 8), local(2027, 1, 1, 20), one, [two])
    with pytest.raises(ValidationError):
        rosters.update_shift(shift, actor=cast.officer_a, leader=two, now=local(2027, 1, 2))
    with pytest.raises(ValidationError):
        rosters.delete_shift(shift, actor=cast.officer_a, now=local(2027, 1, 1, 9))
    rosters.update_shift(shift, actor=cast.officer_a, note="停电两小时", now=local(2027, 1, 2))
    assert Shift.objects.get(pk=shift.pk).note == "停电两小时"


def test_dragging_a_person_moves_them_and_the_history_says_so(cast):
    one, two, three = staff_of_a(cast)
    now = local(2027, 5, 1)
    day = make_shift(cast.community_a, local(2027, 5, 2, 8), local(2027, 5, 2, 20), one, [two])
    night = make_shift(cast.community_a, local(2027, 5, 2, 20), local(2027, 5, 3, 8), three, [], label="夜班")
    rosters.move_person(actor=cast.officer_a, user=two, source=day, target=night, now=now)
    assert list(day.staff.values_list("user_id", flat=True)) == []
    assert list(night.staff.values_list("user_id", flat=True)) == [two.pk]
    # Dropped on the leader's place, a member leads and the former leader stays on as a member.
    rosters.move_person(actor=cast.officer_a, user=two, source=night, target=night, as_leader=True, now=now)
    night.refresh_from_db()
    assert night.leader_id == two.pk and list(night.staff.values_list("user_id", flat=True)) == [three.pk]
    with pytest.raises(ValidationError):  # a shift never loses its leader
        rosters.move_person(actor=cast.officer_a, user=one, source=day, target=night, now=now)
    changes = ChangeRecord.objects.filter(object_id=str(night.pk)).values_list("changes", flat=True)
    assert any("members" in c for c in changes) and any("leader" in c for c in changes)
    with pytest.raises(Exception) as outsider:  # community C's staff cannot touch A's roster
        rosters.move_person(actor=cast.officer_c, user=one, source=None, target=night, now=now)
    assert outsider.type.__name__ in {"Http404", "PermissionDenied"}
