"""What happens when a first report (首报) is still a draft at its deadline (workflows.INCIDENT_REPORT).

The workflows' deadlines job has then recorded the report as overdue (a WorkflowEvent the report's
history shows); the level above sees it in red in its queue, and the incident's page flags it late.
Here: the street's and the district's people on duty are told through messaging
(services/alerts.py), and the log keeps a line for the operators. A module of its own so that
workflows.py needs no services module that imports it.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from yingji.duty.services import alerts

log = logging.getLogger(__name__)


def first_report_overdue(report: Any, now: datetime.datetime) -> None:
    log.warning("first report %s of incident %s (%s) is overdue since %s", report.pk, report.incident_id,
                report.jurisdiction_id, report.due_at)
    alerts.first_report_overdue(report, now)
