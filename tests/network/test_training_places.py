"""MSPs as training places (issue 28, item 6; measure 1 of the plan): whom they take, places a semester,
supervisors among their current members with an RPPS; declared by the MSP's coordinators; found in the
directory and the hub search; counted by the observatory."""

import pytest
from django.test import Client

from network.models import Membership, Practitioner, TrainingPlace
from tests.factories import ROLES, make_hub, make_msp, make_practitioner
from tests.helpers import gid, top_codes

pytestmark = pytest.mark.django_db

DECLARE = """mutation($msp: ID!, $kinds: [TraineeKind!]!, $places: Int, $supervisors: [ID!]) {
  declareTrainingPlace(mspId: $msp, kinds: $kinds, placesPerSemester: $places, supervisorIds: $supervisors) {
    msp { training { kinds placesPerSemester supervisors { fullName profession } } }
    errors { field code message } } }"""
MANAGERS = {"coordinator", "admin"}


def supervisors(world, n=1):
    return [
        m.practitioner for m in Membership.objects.filter(msp=world.msp).select_related("practitioner")[:n]
    ]


@pytest.mark.parametrize("role", ROLES)
def test_declaring_a_training_place_per_role(gql, world, role):
    doctor = supervisors(world)[0]
    result = gql.execute(
        DECLARE,
        {
            "msp": gid(world.msp),
            "kinds": ["GP_INTERNS", "SERVICE_SANITAIRE"],
            "places": 2,
            "supervisors": [gid(doctor)],
        },
        user=world.user(role),
    )
    if role in MANAGERS:
        assert result["data"]["declareTrainingPlace"] == {
            "msp": {"training": {"kinds": ["GP_INTERNS", "SERVICE_SANITAIRE"], "placesPerSemester": 2,
                                 "supervisors": [{"fullName": f"{doctor.first_name} {doctor.last_name}",
                                                  "profession": doctor.profession.label}]}},
            "errors": [],
        }  # fmt: skip
    else:
        assert top_codes(result)[0] == ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN")
        assert not TrainingPlace.objects.exists()


def test_supervisors_are_current_members_with_an_rpps(gql, world):
    coordinator = world.user("coordinator")
    stranger = make_practitioner()
    refused = gql.execute(DECLARE, {"msp": gid(world.msp), "kinds": ["EXTERNS"], "places": 1,
                                    "supervisors": [gid(stranger)]}, user=coordinator)  # fmt: skip
    assert refused["data"]["declareTrainingPlace"]["errors"] == [
        {
            "field": "supervisorIds",
            "code": "INVALID",
            "message": "Un maître de stage est un membre actuel de la MSP.",
        }
    ]
    member = supervisors(world)[0]
    Practitioner.objects.filter(pk=member.pk).update(rpps=None)
    no_rpps = gql.execute(DECLARE, {"msp": gid(world.msp), "kinds": ["EXTERNS"], "places": 1,
                                    "supervisors": [gid(member)]}, user=coordinator)  # fmt: skip
    assert "n'en a pas" in no_rpps["data"]["declareTrainingPlace"]["errors"][0]["message"]
    none = gql.execute(DECLARE, {"msp": gid(world.msp), "kinds": ["EXTERNS"], "places": 0}, user=coordinator)
    fields = {e["field"] for e in none["data"]["declareTrainingPlace"]["errors"]}
    assert fields == {"placesPerSemester", "supervisorIds"} and not TrainingPlace.objects.exists()


def test_found_in_the_directory_and_the_hub_search_and_counted_by_the_observatory(gql, world):
    coordinator = world.user("coordinator")
    doctors = supervisors(world, 2)
    gql.execute(DECLARE, {"msp": gid(world.msp), "kinds": ["GP_INTERNS"], "places": 3,
                          "supervisors": [gid(p) for p in doctors]}, user=coordinator)  # fmt: skip
    other = make_msp("MSP sans stagiaires (test)", commune="51272")
    make_hub(other)
    msps = gql.execute("{ msps(first: 10, filter: {takesTrainees: GP_INTERNS}) { edges { node { name } } } }")
    assert [e["node"]["name"] for e in msps["data"]["msps"]["edges"]] == [world.msp.name]
    none = gql.execute("{ msps(first: 10, filter: {takesTrainees: EXTERNS}) { totalCount } }")
    assert none["data"]["msps"]["totalCount"] == 0
    hubs = gql.execute(
        "{ hubs(first: 10, filter: {takesTrainees: GP_INTERNS}) { edges { node { msp { name } } } } }"
    )
    assert [e["node"]["msp"]["name"] for e in hubs["data"]["hubs"]["edges"]] == [world.msp.name]
    near = """query($kind: TraineeKind) { nearbyHubs(near: {communeCode: "51108"}, radiusKm: 60, takesTrainees: $kind)
        { hub { msp { name training { placesPerSemester } } } } }"""
    assert len(gql.execute(near)["data"]["nearbyHubs"]) == 2  # both hubs reach Châlons
    assert gql.execute(near, {"kind": "GP_INTERNS"})["data"]["nearbyHubs"] == [
        {"hub": {"msp": {"name": world.msp.name, "training": {"placesPerSemester": 3}}}}
    ]
    assert gql.execute(near, {"kind": "EXTERNS"})["data"]["nearbyHubs"] == []
    page = Client().get("/trouver/", {"commune": "51108", "rayon": "60", "stage": "GP_INTERNS"})
    text = " ".join(page.content.decode().split())
    assert world.msp.name in text and other.name not in text
    assert "Lieu de stage : internes de médecine générale — 3 places par semestre" in text
    figures = gql.execute(
        '{ observatory(scope: {level: DEPARTMENT, code: "51"}) { trainingMsps trainingPlacesPerSemester } }'
    )
    assert figures["data"]["observatory"] == {"trainingMsps": 1, "trainingPlacesPerSemester": 3}
    # No kinds: it takes nobody any more.
    gql.execute(DECLARE, {"msp": gid(world.msp), "kinds": []}, user=coordinator)
    assert not TrainingPlace.objects.exists()
