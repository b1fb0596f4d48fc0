"""Macros (issue 17): a canned answer that also sets state, impact (the priority follows), tags and assignee,
applied in one action, all or nothing."""

import pytest
from graphql_relay import to_global_id

from mentoring.accelerator import services
from mentoring.accelerator.models import AcceleratorRequest, CannedAnswer
from tests.factories import ROLES
from tests.helpers import ERRORS, error_codes, gid, question, top_codes

pytestmark = pytest.mark.django_db

APPLY = f"""mutation($id: ID!, $a: ID!) {{ applyAcceleratorMacro(id: $id, cannedAnswerId: $a) {{
    request {{ state priority tags {{ name }} assignee {{ id }} messages {{ body visibility }} }} {ERRORS} }} }}"""


@pytest.fixture
def macro(world):
    staff = world.user("cnam_staff")
    legal = services.tags.create_tag("Juridique")
    answer = services.save_canned_answer(
        None, staff, "Sisa : associés possibles",
        "Seuls des professionnels de santé libéraux peuvent être associés d'une Sisa.", "SISA_LEGAL",
        macro={"sets_state": "ANSWERED", "sets_impact": "HIGH", "tags": [legal], "assigns_to_self": True},
    )  # fmt: skip
    return answer


@pytest.mark.parametrize("role", ROLES)
def test_applying_a_macro_per_role(gql, world, macro, role):
    request = services.submit(world.user("practitioner").practitioner, question())
    result = gql.execute(APPLY, {"id": gid(request), "a": gid(macro)}, user=world.user(role))
    request.refresh_from_db()
    if role in ("cnam_staff", "admin"):
        applied = result["data"]["applyAcceleratorMacro"]["request"]
        user = world.user(role)
        assert applied["state"] == "ANSWERED" and applied["tags"] == [{"name": "Juridique"}]
        assert applied["assignee"] == {"id": to_global_id("StaffMember", user.pk)}
        assert applied["messages"][-1] == {"body": macro.body, "visibility": "PUBLIC"}
        assert request.impact == "HIGH" and request.priority in ("P1", "P2")
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
        assert request.state == "NEW" and not request.messages.exists()


def test_a_macro_that_cannot_apply_changes_nothing(gql, world, macro):
    request = services.submit(world.user("practitioner").practitioner, question())
    staff = world.user("cnam_staff")
    CannedAnswer.objects.filter(pk=macro.pk).update(sets_state="MERGED")  # needs a target: refused
    result = gql.execute(APPLY, {"id": gid(request), "a": gid(macro)}, user=staff)
    assert error_codes(result, "applyAcceleratorMacro") == ["INVALID_TRANSITION"]
    fresh = AcceleratorRequest.objects.get(pk=request.pk)
    assert fresh.state == "NEW" and not fresh.messages.exists() and not fresh.tags.exists()
    assert fresh.assignee is None


def test_saving_a_macro_over_the_api(gql, world):
    staff = world.user("cnam_staff")
    result = gql.execute(
        f"""mutation {{ saveCannedAnswer(title: "Accusé de réception", body: "Bien reçu.", setsState: IN_PROGRESS,
            assignsToSelf: true) {{ answer {{ setsState assignsToSelf setsTags {{ name }} }} {ERRORS} }} }}""",
        user=staff,
    )
    assert result["data"]["saveCannedAnswer"]["answer"] == {
        "setsState": "IN_PROGRESS",
        "assignsToSelf": True,
        "setsTags": [],
    }
