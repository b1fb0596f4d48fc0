"""Notification preferences over GraphQL, as every role: reminders and digest on until the user chooses."""

import pytest

from backend.accounts.models import NotificationPreferences
from tests.factories import ROLES
from tests.helpers import top_codes

pytestmark = pytest.mark.django_db

READ = "{ notificationPreferences { reminders digest } }"
UPDATE = """mutation($reminders: Boolean, $digest: Boolean) {
    updateNotificationPreferences(reminders: $reminders, digest: $digest) {
        preferences { reminders digest } errors { field code message } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_each_signed_in_role_reads_and_changes_only_its_own_preferences(gql, world, role):
    user = world.user(role)
    read = gql.execute(READ, user=user)
    changed = gql.execute(UPDATE, {"reminders": False}, user=user)
    if role == "anonymous":
        assert top_codes(read) == ["UNAUTHENTICATED"] and top_codes(changed) == ["UNAUTHENTICATED"]
        assert not NotificationPreferences.objects.exists()
        return
    assert read["data"]["notificationPreferences"] == {"reminders": True, "digest": True}
    assert changed["data"]["updateNotificationPreferences"] == {
        "preferences": {"reminders": False, "digest": True},
        "errors": [],
    }
    # The digest alone: reminders stay off.
    gql.execute(UPDATE, {"digest": False}, user=user)
    assert gql.execute(READ, user=user)["data"]["notificationPreferences"] == {
        "reminders": False,
        "digest": False,
    }
    others = [world.user(r) for r in ROLES if r not in {role, "anonymous"}]
    assert all(gql.execute(READ, user=o)["data"]["notificationPreferences"]["reminders"] for o in others)
