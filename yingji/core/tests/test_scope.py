"""The one scope rule, read as sentences about the cast."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from yingji.accounts.roles import Role, role_allows
from yingji.core.scope import can, ensure, granted_paths, perm_name
from yingji.jurisdictions.models import Jurisdiction


def codes(queryset) -> set[str]:  # type: ignore[no-untyped-def]
    return set(queryset.values_list("code", flat=True))


def test_it_shows_a_community_officer_only_their_subtree(cast):
    visible = codes(Jurisdiction.objects.visible_to(cast.officer_a))
    assert visible == {cast.community_a.code, cast.grid_a1.code}


def test_it_hides_ancestors_and_siblings(cast):
    visible = codes(Jurisdiction.objects.visible_to(cast.officer_a))
    assert cast.street_1.code not in visible
    assert cast.community_b.code not in visible
    assert cast.district.code not in visible


def test_it_shows_a_street_officer_their_whole_street(cast):
    visible = codes(Jurisdiction.objects.visible_to(cast.street_officer))
    assert visible == {cast.street_1.code, cast.community_a.code, cast.community_b.code, cast.grid_a1.code,
                       cast.grid_b1.code}


def test_it_shows_the_commander_the_district_but_not_the_city(cast):
    visible = codes(Jurisdiction.objects.visible_to(cast.commander))
    assert cast.city.code not in visible
    assert len(visible) == 8


def test_the_superuser_sees_everything(cast):
    assert Jurisdiction.objects.visible_to(cast.superuser).count() == Jurisdiction.objects.count()


def test_anonymous_users_see_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert Jurisdiction.objects.visible_to(AnonymousUser()).count() == 0


def test_inactive_users_see_nothing(cast):
    cast.officer_a.is_active = False
    assert Jurisdiction.objects.visible_to(cast.officer_a).count() == 0


def test_a_user_with_two_assignments_sees_both_subtrees(cast):
    from yingji.accounts.models import Membership

    Membership.objects.create(user=cast.officer_a, jurisdiction=cast.community_c, role=Role.COMMUNITY_STAFF)
    cast.officer_a.__dict__.pop("_yingji_memberships", None)
    visible = codes(Jurisdiction.objects.visible_to(cast.officer_a))
    assert {cast.community_a.code, cast.community_c.code} <= visible
    assert cast.community_b.code not in visible


def test_the_subtree_query_is_one_sql_statement(cast):
    street = Jurisdiction.objects.get(pk=cast.street_1.pk)
    with CaptureQueriesContext(connection) as queries:
        list(street.subtree())
    assert len(queries) == 1


def test_read_only_roles_cannot_change(cast):
    for user in (cast.auditor, cast.expert, cast.grid_worker_a, cast.responder_a):
        assert Jurisdiction.objects.editable_by(user).count() == 0, user.username
        assert Jurisdiction.objects.visible_to(user).count() > 0


def test_only_the_district_changes_the_tree(cast):
    assert can(cast.commander, "change", cast.community_a)
    assert not can(cast.street_officer, "change", cast.community_a)
    assert not can(cast.officer_a, "change", cast.community_a)


def test_ensure_answers_404_when_out_of_sight_and_403_when_seen_but_not_allowed(cast):
    with pytest.raises(Http404):
        ensure(cast.officer_a, "change", cast.community_b)
    with pytest.raises(PermissionDenied):
        ensure(cast.auditor, "change", cast.community_b)
    ensure(cast.commander, "change", cast.community_b)


def test_granted_paths_keep_only_the_outermost(cast):
    from yingji.accounts.models import Membership

    Membership.objects.create(user=cast.street_officer, jurisdiction=cast.community_a, role=Role.STREET_OFFICER)
    cast.street_officer.__dict__.pop("_yingji_memberships", None)
    assert granted_paths(cast.street_officer, "jurisdictions.view_jurisdiction") == [cast.street_1.path]


def test_role_patterns_with_denials():
    assert role_allows(Role.DISTRICT_ADMIN, "incidents.dispatch")
    assert role_allows(Role.STREET_OFFICER, "resources.change_station")
    assert not role_allows(Role.STREET_OFFICER, "jurisdictions.change_jurisdiction")
    assert role_allows(Role.WAREHOUSE_KEEPER, "supplies.issue_stock")
    assert not role_allows(Role.WAREHOUSE_KEEPER, "supplies.approve_allocation")
    assert not role_allows(Role.AUDITOR, "resources.change_station")
    assert role_allows(Role.AUDITOR, "resources.export_station")
    assert not role_allows("no-such-role", "resources.view_station")


def test_perm_names():
    assert perm_name(Jurisdiction, "view") == "jurisdictions.view_jurisdiction"
    assert perm_name(Jurisdiction, "approve_allocation") == "jurisdictions.approve_allocation"
    assert perm_name(Jurisdiction, "incidents.dispatch") == "incidents.dispatch"


def test_moving_a_jurisdiction_repaths_its_subtree(cast):
    community = Jurisdiction.objects.get(pk=cast.community_a.pk)
    community.parent = cast.street_2
    community.save()
    grid = Jurisdiction.objects.get(pk=cast.grid_a1.pk)
    assert grid.path == f"{cast.street_2.path}{cast.community_a.code}/{cast.grid_a1.code}/"
    assert grid.depth == 4
    assert cast.street_officer and cast.grid_a1.code not in codes(
        Jurisdiction.objects.filter(path__startswith=cast.street_1.path))
