"""CSV exports of the observatory (issue 15): streamed, for Cnam staff (any territory) and ARS agents (their
region only), per role."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from backend.accounts.services import issue_token
from tests.factories import ROLES, make_hub, make_msp

pytestmark = pytest.mark.django_db


def get(path, user=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user).token}"} if user is not None else {}
    return Client().get(path, **headers)


def rows(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_export_what(world, role):
    make_msp("MSP de Sens (export)", "89387")
    response = get("/exports/msps.csv", world.user(role))
    expected = {"anonymous": 401, "practitioner": 403, "coordinator": 403, "other_coordinator": 403}
    if role in expected:
        assert response.status_code == expected[role]
        assert "error" in response.json()
        return
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    names = {row[1] for row in rows(response)[1:]}
    if role == "ars_agent":  # Grand Est by default: the Marne's MSP, not the Yonne's
        assert world.msp.name in names and "MSP de Sens (export)" not in names
    elif role == "other_ars_agent":  # La Réunion: none of them
        assert names.isdisjoint({world.msp.name, "MSP de Sens (export)"})
    else:  # Cnam staff and admins: the nation
        assert {world.msp.name, "MSP de Sens (export)", world.other_msp.name} <= names


def test_an_ars_agent_exports_its_region_and_its_departments_only(world):
    agent = world.user("ars_agent")
    assert get("/exports/msps.csv?level=DEPARTMENT&code=51", agent).status_code == 200
    for path in ("/exports/msps.csv?level=REGION&code=04", "/exports/msps.csv?level=DEPARTMENT&code=89",
                 "/exports/msps.csv?level=NATION"):  # fmt: skip
        refused = get(path, agent)
        assert refused.status_code == 403 and "sa région" in refused.json()["error"]


def test_the_files_say_what_they_hold(world):
    staff = world.user("cnam_staff")
    msps = rows(get("/exports/msps.csv?level=DEPARTMENT&code=51", staff))
    assert msps[0][:3] == ["finess", "nom", "statut"]
    (line,) = [row for row in msps[1:] if row[1] == world.msp.name]
    assert line[2] == "OPERATING" and line[4] == "51" and line[5] == "51504" and line[8] == "APPROVED"
    assert int(line[7]) == world.msp.memberships.count()
    hubs = rows(get("/exports/hubs.csv", staff))
    assert hubs[0][0] == "finess" and any(row[1] == world.msp.name for row in hubs[1:])
    make_hub(make_msp("Yonne (export)", "89387"))
    by_department = {row[0]: row for row in rows(get("/exports/departements.csv", staff))[1:]}
    assert by_department["51"][3] == "1" and by_department["89"][3] == "2" and by_department["89"][6] == "1"
    assert len(by_department) == 101


def test_unknown_exports_and_territories_are_clear_errors(world):
    staff = world.user("cnam_staff")
    assert get("/exports/patients.csv", staff).status_code == 404
    unknown = get("/exports/msps.csv?level=REGION&code=99", staff)
    assert unknown.status_code == 400 and "Code de région inconnu" in unknown.json()["error"]
    assert get("/exports/msps.csv?level=CANTON&code=1", staff).status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_the_signals_export_per_role(world, role):
    """Named MSPs at risk: the Cnam any territory, an ARS its region only, nobody else."""
    from datetime import date

    from network.models import Membership
    from observatory.services import weak_signals
    from tests.helpers import at

    for name, commune in (("MSP de Châlons (signal)", "51108"), ("MSP de Saint-Denis (signal)", "97411")):
        msp = make_msp(name, commune, team=(("10", 1), ("60", 3)))
        Membership.objects.filter(msp=msp, practitioner__profession_id="10").update(
            end_date=date(2026, 10, 1)
        )
    weak_signals.refresh(at(2026, 11, 26, 10))
    response = get("/exports/signaux.csv", world.user(role))
    expected = {"anonymous": 401, "practitioner": 403, "coordinator": 403, "other_coordinator": 403}
    if role in expected:
        assert response.status_code == expected[role]
        return
    assert response.status_code == 200
    table = rows(response)
    assert table[0][:5] == ["signal", "genre", "statut", "finess", "msp"]
    names = sorted(row[4] for row in table[1:])
    if role == "ars_agent":
        assert names == ["MSP de Châlons (signal)"]
    elif role == "other_ars_agent":
        assert names == ["MSP de Saint-Denis (signal)"]
    else:
        assert names == ["MSP de Châlons (signal)", "MSP de Saint-Denis (signal)"]
    assert {row[1] for row in table[1:]} == {"MEMBERS_LOST"}
    assert all(row[9].startswith("Plus aucun médecin") for row in table[1:])
