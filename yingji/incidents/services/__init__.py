"""Every write of the incidents app, one function each (see the modules):

- intake: report_incident, merge_incident, add_note
- dispatch: recommend, activate, dispatch_teams, escalate_overdue, close_incident
- respond: acknowledge, depart, arrive, mark_handled, report_sent, release
- clock: the 1-3-5 measures per incident and aggregated
- notify: the notification channels and their delivery
"""
