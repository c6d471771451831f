"""Handover acknowledged by the next leader, shifts without a handover flagged, the duty log's rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.duty.models import EntryKind, Handover, Shift
from yingji.duty.services import handover, log
from yingji.duty.services import now as duty_now
from yingji.duty.tests.builders import local, make_shift, staff_of_a
from yingji.incidents.tests.builders import fire_in_a

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shifts(cast):  # type: ignore[no-untyped-def]
    one, two, three = staff_of_a(cast)
    day = make_shift(cast.community_a, local(2027, 3, 1, 8), local(2027, 3, 1, 20), one, [two])
    night = make_shift(cast.community_a, local(2027, 3, 1, 20), local(2027, 3, 2, 8), three, [cast.officer_a],
                       label="夜班")
    return cast, day, night, (one, two, three)


def test_the_next_leader_takes_over_and_acknowledges_the_handover_notes(two_shifts):
    cast, day, night, (one, two, three) = two_shifts
    notes = handover.write_handover(day, actor=two, notes="3栋电梯困人已处置，明早回访。", now=local(2027, 3, 1, 19, 50))
    with pytest.raises(PermissionDenied):  # a member of the night shift is not its leader
        handover.take_over(night, actor=cast.officer_a, now=local(2027, 3, 1, 19, 55))
    with pytest.raises(ValidationError):  # too early: more than an hour before the start
        handover.take_over(night, actor=three, now=local(2027, 3, 1, 18, 30))
    taken = handover.take_over(night, actor=three, now=local(2027, 3, 1, 19, 58))
    assert taken.handover == notes and not taken.previous_left_no_handover
    notes.refresh_from_db()
    assert (notes.acknowledged_by, notes.acknowledged_at, notes.acknowledged_in) == (
        three, local(2027, 3, 1, 19, 58), night)
    assert Shift.objects.get(pk=night.pk).taken_over_by == three
    with pytest.raises(ValidationError):  # taken over once
        handover.take_over(night, actor=three, now=local(2027, 3, 1, 20, 5))
    with pytest.raises(ValidationError):  # acknowledged notes are a record
        handover.write_handover(day, actor=one, notes="补充", now=local(2027, 3, 1, 20, 10))
    # The header's answer shows the night shift as taken over.
    post = duty_now.on_duty(cast.community_a, at=local(2027, 3, 1, 21))
    assert post.shifts[0].id == night.pk and post.shifts[0].taken_over


def test_a_shift_that_ended_without_handover_is_flagged(two_shifts):
    cast, day, night, (_one, _two, three) = two_shifts
    at_nine = local(2027, 3, 1, 21)
    assert handover.handover_missing(day, at_nine) and not handover.handover_missing(night, at_nine)
    taken = handover.take_over(night, actor=three, now=local(2027, 3, 1, 20))
    assert taken.previous_left_no_handover and taken.handover is None
    flagged = handover.missing_handovers(Shift.objects.filter(jurisdiction=cast.community_a), at_nine)
    assert list(flagged) == [day]
    with pytest.raises(PermissionDenied):  # only the people of a shift write its notes
        handover.write_handover(day, actor=cast.officer_a, notes="x", now=at_nine)


def test_only_the_officers_on_duty_write_the_log_and_an_entry_joins_their_shift(two_shifts):
    cast, day, night, (one, two, _three) = two_shifts
    at = local(2027, 3, 1, 10)
    entry = log.add_entry(actor=two, jurisdiction=cast.community_a, kind=EntryKind.CALL,
                          summary="居民来电反映3栋楼道有烟味", now=at)
    assert (entry.shift, entry.author, entry.at) == (day, two, at)
    with pytest.raises(ValidationError) as not_on_duty:  # officer_a stands the night, not the day
        log.add_entry(actor=cast.officer_a, jurisdiction=cast.community_a, kind=EntryKind.CALL, summary="x", now=at)
    assert "at" in not_on_duty.value.message_dict
    # A late entry at 07:00 next morning for 19:30 yesterday goes to the day shift that stood then.
    late = log.add_entry(actor=one, jurisdiction=cast.community_a, kind=EntryKind.VISIT, summary="街道检查值班",
                         at=local(2027, 3, 1, 19, 30), now=local(2027, 3, 2, 7))
    assert late.shift == day
    with pytest.raises(ValidationError) as bad:
        log.add_entry(actor=two, jurisdiction=cast.community_a, kind="gossip", summary="", now=at)
    assert set(bad.value.message_dict) == {"kind", "summary"}
    with pytest.raises(PermissionDenied):  # another community's staff
        log.add_entry(actor=cast.officer_c, jurisdiction=cast.community_a, kind=EntryKind.CALL, summary="x", now=at)


def test_an_entry_links_to_an_incident_the_author_may_see(two_shifts):
    cast, day, _night, (_one, two, _three) = two_shifts
    incident = fire_in_a(cast)
    key = log.subject_key(incident)
    at = local(2027, 3, 1, 10)
    entry = log.add_entry(actor=two, jurisdiction=cast.community_a, kind=EntryKind.EVENT, summary="火情已报街道",
                          subject=log.resolve_subject(two, key), now=at)
    assert entry.subject == incident and entry.subject_label == str(incident)
    assert list(log.entries_about(incident)) == [entry]
    with pytest.raises(ValidationError):  # officer_c cannot see community A's incident
        log.resolve_subject(cast.officer_c, key)
    with pytest.raises(ValidationError):
        log.resolve_subject(two, "accounts.user:1")
    # Corrections: by the author only.
    with pytest.raises(ValidationError):
        log.update_entry(entry, actor=cast.officer_a, summary="改", now=at)
    log.update_entry(entry, actor=two, summary="火情已报街道，消防已到场", now=at)
    assert Handover.objects.count() == 0


def test_an_entry_links_to_a_warning_and_a_hazard_of_the_area_and_not_of_another(two_shifts):
    from yingji.hazards.tests.builders import hazard
    from yingji.warnings.models import EarlyWarning
    from yingji.warnings.tests.builders import draft

    cast, _day, _night, (_one, two, _three) = two_shifts
    at = local(2027, 3, 1, 11)
    warning = draft(cast, now=at)  # the district's: linkable below it once released, not while a draft
    with pytest.raises(ValidationError):
        log.resolve_subject(two, log.subject_key(warning))
    EarlyWarning.objects.filter(pk=warning.pk).update(state="released", released_at=at, sent=at)
    blocked = hazard(cast.community_a, title="消防通道被占用")
    elsewhere = hazard(cast.community_c, title="C社区边坡裂缝")
    about_warning = log.add_entry(actor=two, jurisdiction=cast.community_a, kind=EntryKind.INSTRUCTION,
                                  summary="转发暴雨黄色预警，通知网格员巡查低洼点",
                                  subject=log.resolve_subject(two, log.subject_key(warning)), now=at)
    about_hazard = log.add_entry(actor=two, jurisdiction=cast.community_a, kind=EntryKind.VISIT,
                                 summary="复查消防通道，已清理", subject=log.resolve_subject(two, log.subject_key(blocked)),
                                 now=at)
    assert about_warning.subject == warning and list(log.entries_about(warning)) == [about_warning]
    choices = dict(log.recent_subjects(two, cast.community_a))  # (rows created just now, on the wall clock)
    assert {f"warnings.earlywarning:{warning.pk}", f"hazards.hazard:{blocked.pk}"} <= set(choices)
    assert f"hazards.hazard:{elsewhere.pk}" not in choices
    assert about_hazard.subject == blocked and list(log.entries_about(blocked)) == [about_hazard]
    with pytest.raises(ValidationError) as refused:  # community C's hazard lies outside A's officer's area
        log.resolve_subject(two, log.subject_key(elsewhere))
    assert "subject" in refused.value.message_dict
