"""Review reminders: a plan's owners hear that its review is due (REMIND_BEFORE days ahead) and, once the
date has passed without a new version approved, that it is overdue — each once per review date, through the
one messaging path (the "plans" topic: in-app, and the robots listening over the plan's place).

The owners are the active users holding plans.submit at the plan's own jurisdiction (its community's
staff, its street's officers, the district's administrators). A message about the plan, its event and
its review date is looked for first, so the job can run any number of times.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yingji.accounts.models import Membership
from yingji.accounts.roles import role_allows
from yingji.messaging import services as messaging
from yingji.messaging.models import Channel, Message, Topic
from yingji.messaging.services import Draft
from yingji.plans.models import Plan, PlanStatus

REMIND_BEFORE = datetime.timedelta(days=30)
DUE, OVERDUE = "plan.review_due", "plan.review_overdue"
# Overdue plans are told about for this long after their date (then the list page shows them).
LOOK_BACK = datetime.timedelta(days=90)


def owners(jurisdiction_ids: set[int]) -> dict[int, list[int]]:
    """Per jurisdiction, the active users holding plans.submit there."""
    found: dict[int, list[int]] = {pk: [] for pk in jurisdiction_ids}
    rows = (Membership.objects.filter(jurisdiction_id__in=jurisdiction_ids, user__is_active=True)
            .order_by("user_id").values_list("jurisdiction_id", "user_id", "role"))
    for jurisdiction_id, user_id, role in rows:
        if role_allows(role, "plans.submit") and user_id not in found[jurisdiction_id]:
            found[jurisdiction_id].append(user_id)
    return found


def remind_reviews(now: datetime.datetime) -> dict[str, int]:
    """Tell the owners of plans whose review is due soon or passed, once per plan, event and date."""
    today = timezone.localdate(now)
    plans = list(Plan.objects.filter(status=PlanStatus.APPROVED, review_due__isnull=False,
                                     review_due__lte=today + REMIND_BEFORE, review_due__gte=today - LOOK_BACK)
                 .select_related("jurisdiction"))
    if not plans:
        return {"due": 0, "overdue": 0}
    plan_type = ContentType.objects.get_for_model(Plan)
    told = {(subject_id, event, (payload or {}).get("review_due")) for subject_id, event, payload in
            Message.objects.filter(subject_type=plan_type, subject_id__in=[p.pk for p in plans],
                                   event__in=[DUE, OVERDUE]).values_list("subject_id", "event", "payload")}
    people = owners({p.jurisdiction_id for p in plans})
    drafts, counts = [], {"due": 0, "overdue": 0}
    for plan in plans:
        event = OVERDUE if plan.review_due < today else DUE
        if (plan.pk, event, plan.review_due.isoformat()) in told:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            if event == DUE:
                title = _("Plan review due on %(date)s: %(title)s") % {"date": plan.review_due.isoformat(),
                                                                     "title": plan.title}
            else:
                title = _("Plan review overdue since %(date)s: %(title)s") % {
                    "date": plan.review_due.isoformat(), "title": plan.title}
            body = _("%(place)s, version %(version)s. Review the plan and revise it (the next version), or set "
                     "the next review date.") % {"place": plan.jurisdiction.name, "version": plan.version}
        drafts.append(Draft(subject=plan, jurisdiction=plan.jurisdiction, topic=Topic.PLANS.value, event=event,
                            title=title, body=body, recipients=people.get(plan.jurisdiction_id, []),
                            channels=[Channel.IN_APP.value],
                            payload={"plan": plan.pk, "review_due": plan.review_due.isoformat(),
                                     "url": reverse("plans:detail", args=[plan.pk])}))
        counts["due" if event == DUE else "overdue"] += 1
    if drafts:
        messaging.send_many(drafts, now=now)
    return counts


