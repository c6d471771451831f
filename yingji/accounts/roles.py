"""Roles and what each may do.

Roles are data (a `Membership` row ties a user, a jurisdiction and a role);
what a role allows is this table of permission patterns. A permission is
"<app_label>.<action>" such as "resources.change_station" or
"incidents.dispatch"; patterns use shell wildcards and a leading "!" denies.
Capability apps name their own actions and, where a role needs a special one,
add it here, so that the whole access policy can be read on one page.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    STREET_OFFICER = "street_officer", _("Street duty officer")
    COMMUNITY_STAFF = "community_staff", _("Community workstation staff")
    GRID_WORKER = "grid_worker", _("Grid worker")
    RESPONDER = "responder", _("Responder (team member)")
    WAREHOUSE_KEEPER = "warehouse_keeper", _("Warehouse keeper")
    EXPERT = "expert", _("Expert")
    AUDITOR = "auditor", _("Auditor (read-only)")
    # The contact of a unit responsible for rectifying hazards (a property company, a shop, a works site).
    UNIT_CONTACT = "unit_contact", _("Responsible unit contact")


VIEW_ALL = "*.view_*"
EDIT_LEDGERS = ("*.add_*", "*.change_*", "*.delete_*", "*.import_*", "*.export_*")
# Only the district edits the jurisdiction tree and manages accounts.
TREE_AND_ACCOUNTS = ("!jurisdictions.add_*", "!jurisdictions.change_*", "!jurisdictions.delete_*",
                     "!jurisdictions.import_*", "!accounts.add_*", "!accounts.change_*", "!accounts.delete_*")

ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    Role.DISTRICT_ADMIN: ("*",),
    Role.STREET_OFFICER: (VIEW_ALL, *EDIT_LEDGERS, "incidents.*", "supplies.*", "coverage.*", "hazards.*", "duty.*",
                          # Streets submit and approve plans (their own and their communities').
                          "plans.*",
                          # Streets issue and approve warnings for their area (approval needs someone
                          # other than the composer: warnings/services.py).
                          "warnings.*", "messaging.retry_delivery", "accounts.see_personal_data",
                          # Streets manage the accounts of their communities' people (accounts/services.py).
                          "accounts.manage_users",
                          *TREE_AND_ACCOUNTS),
    Role.COMMUNITY_STAFF: (VIEW_ALL, *EDIT_LEDGERS, "incidents.*", "supplies.request_*", "supplies.receive_*",
                           # Closing an incident issues the materials used from the community's store,
                           # without the general right to move stock (supplies.move_stock).
                           "supplies.issue_for_incident", "messaging.retry_delivery", "accounts.see_personal_data",
                           *TREE_AND_ACCOUNTS,
                           # Communities release warnings to their people; orange and red ones wait for
                           # the street's or the district's approval (warnings.approve).
                           "warnings.publish",
                           # Hazards: report, assign to a unit, recheck, patrol; inspectors are the street's.
                           "hazards.*", "!hazards.add_inspector", "!hazards.change_inspector",
                           "!hazards.delete_inspector", "!hazards.import_inspector",
                           # Duty: rosters, the log, handovers and the daily report of their community.
                           "duty.*",
                           # Plans: write and submit their community's; the street or the district approves.
                           "plans.submit"),
    # Grid workers find and report hazards, walk their patrols and recheck rectifications on site.
    Role.GRID_WORKER: (VIEW_ALL, "incidents.add_incident", "incidents.report", "hazards.report",
                       "hazards.patrol", "hazards.recheck"),
    Role.RESPONDER: (VIEW_ALL, "incidents.respond", "hazards.report"),
    Role.WAREHOUSE_KEEPER: (VIEW_ALL, "supplies.*", "!supplies.approve_*"),
    Role.EXPERT: (VIEW_ALL,),
    Role.AUDITOR: (VIEW_ALL, "*.export_*"),
    # Sees the hazards of its area and rectifies those assigned to it; nothing else.
    Role.UNIT_CONTACT: ("hazards.view_*", "hazards.rectify"),
}


#: Managing users: creating, editing, deactivating them, resetting their password, their memberships.
MANAGE_USERS = "accounts.manage_users"

# How far up each role sits, for "nobody grants a role above their own" (accounts/services.py):
# the district's administrator, then the street's officers, then community staff, then everyone else.
ROLE_RANK: dict[str, int] = {Role.DISTRICT_ADMIN: 0, Role.STREET_OFFICER: 1, Role.COMMUNITY_STAFF: 2}
LOWEST_RANK = 3


def grantable_roles(role: str) -> frozenset[str]:
    """The roles a holder of `role` may hand out (where they manage users): their own and those below it."""
    rank = ROLE_RANK.get(role, LOWEST_RANK)
    return frozenset(r for r in Role.values if ROLE_RANK.get(r, LOWEST_RANK) >= rank)


def role_allows(role: str, perm: str) -> bool:
    """True if `role` grants `perm`; a matching "!" pattern wins over any grant."""
    patterns = ROLE_GRANTS.get(role, ())
    if any(p.startswith("!") and fnmatchcase(perm, p[1:]) for p in patterns):
        return False
    return any(not p.startswith("!") and fnmatchcase(perm, p) for p in patterns)
