"""The groups the migrations create are exactly the roles accounts/roles.py defines."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import EDITORS, MODERATORS, WRITERS, role_permissions

pytestmark = pytest.mark.django_db


def granted(name):
    return {
        (p.content_type.app_label, p.codename)
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def test_the_migrated_groups_hold_exactly_the_roles_permissions():
    roles = role_permissions()
    assert set(roles) == {WRITERS, EDITORS, MODERATORS}
    for name, pairs in roles.items():
        assert granted(name) == set(pairs), name


def test_moderators_get_no_permission_on_pieces_and_writers_none_on_responses():
    roles = role_permissions()
    assert not any(app == "blog" for app, _ in roles[MODERATORS])
    assert not any(app == "comments" for app, _ in roles[WRITERS] + roles[EDITORS])
