"""Coverage (issue 15): the population within reach of an approved hub, and the priority-zone communes no
hub reaches; the ARS zoning loaded from a CSV file."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from network.models import Commune, HubStatus, Zoning
from network.services.geo import distance_km
from observatory import selectors
from tests.factories import make_hub, make_msp
from tests.helpers import top_codes

pytestmark = pytest.mark.django_db

MARNE = selectors.Scope(selectors.Level.DEPARTMENT, "51", "Marne")


def zone(*codes, zoning=Zoning.ZIP):
    Commune.objects.filter(code__in=codes).update(zoning=zoning)


def by_hand(centre_code: str, radius: float, department: str) -> tuple[int, int]:
    """(population, population within `radius` km of the commune), counted in Python from the coordinates."""
    centre = Commune.objects.get(code=centre_code)
    communes = list(Commune.objects.filter(department_id=department))
    total = sum(c.population for c in communes)
    reached = sum(
        c.population
        for c in communes
        if distance_km(centre.latitude, centre.longitude, c.latitude, c.longitude) <= radius
    )
    return total, reached


def test_the_population_within_reach_agrees_with_counting_by_hand():
    make_hub(make_msp("Saint-Martin", "51504"), radius=40)
    make_hub(make_msp("Candidate", "51649"), status=HubStatus.CANDIDATE, radius=200)  # reaches nobody yet
    found = selectors.coverage(MARNE)
    assert (found.population, found.covered) == by_hand("51504", 40, "51")
    assert 0 < found.share < 1


def test_priority_communes_out_of_reach_are_listed_most_populous_first():
    make_hub(make_msp("Saint-Martin", "51504"), radius=40)
    zone("51272", "51507", "51108")  # Givry 40.2 km, Sainte-Menehould 42.6 km, Châlons 3.3 km
    zone("51649", zoning=Zoning.ZAC)  # not a priority zone
    found = selectors.coverage(MARNE)
    assert [code for code, _, _ in found.uncovered_priority] == ["51507", "51272"]
    make_hub(make_msp("Sainte-Menehould", "51507"), radius=10)
    assert [code for code, _, _ in selectors.coverage(MARNE).uncovered_priority] == ["51272"]


def test_only_approved_hubs_of_operating_msps_reach(gql):
    from network.models import MspStatus

    zone("51108")
    closed = make_msp("Fermée", "51504", status=MspStatus.CLOSED)
    make_hub(closed, radius=50)
    make_hub(make_msp("Suspendue", "51504"), status=HubStatus.SUSPENDED, radius=50)
    assert selectors.coverage(MARNE).covered == 0
    result = gql.execute(
        """query($s: ObservatoryScopeInput!) { observatory(scope: $s) { coverage { population populationCovered
            shareCovered uncoveredPriorityCount uncoveredPriorityCommunes(first: 1) { code name population } } } }""",
        {"s": {"level": "DEPARTMENT", "code": "51"}},
    )
    coverage = result["data"]["observatory"]["coverage"]
    assert coverage["populationCovered"] == 0 and coverage["shareCovered"] == 0.0
    assert coverage["uncoveredPriorityCommunes"] == [
        {
            "code": "51108",
            "name": "Châlons-en-Champagne",
            "population": Commune.objects.get(code="51108").population,
        }
    ]
    too_many = gql.execute(
        """{ observatory(scope: {level: NATION}) { coverage { uncoveredPriorityCommunes(first: 5000) { code } } } }"""
    )
    assert top_codes(too_many) == ["BAD_USER_INPUT"]


def test_a_region_loads_its_official_zoning_from_a_csv_file(tmp_path):
    zone("51649")  # a Marne ZIP that the new file no longer lists
    zone("89387")  # Yonne: another region, untouched
    path = tmp_path / "zonage.csv"
    path.write_text("code_insee;zone\n51272;ZIP\n51507;zac\n51108;\n", encoding="utf-8")
    out = StringIO()
    call_command("load_zoning", str(path), region="44", stdout=out)
    assert "1 communes en ZIP, 1 en ZAC" in out.getvalue()
    zoning = dict(
        Commune.objects.filter(code__in=["51272", "51507", "51108", "51649", "89387"]).values_list(
            "code", "zoning"
        )
    )
    assert zoning == {"51272": "ZIP", "51507": "ZAC", "51108": "", "51649": "", "89387": "ZIP"}


def test_one_bad_line_loads_nothing_and_says_where(tmp_path):
    path = tmp_path / "zonage.csv"
    path.write_text("code_insee,zone\n51272,ZIP\n89387,ZIP\n51507,ZRR\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("load_zoning", str(path), region="44", stdout=StringIO())
    message = str(refused.value)
    assert "ligne 3 : commune « 89387 » inconnue dans la région 44" in message
    assert "ligne 4 : zone « ZRR » inconnue" in message
    assert Commune.objects.get(code="51272").zoning == ""
    with pytest.raises(CommandError, match="En-tête attendu"):
        (tmp_path / "bad.csv").write_text("insee;zonage\n51272;ZIP\n", encoding="utf-8")
        call_command("load_zoning", str(tmp_path / "bad.csv"), stdout=StringIO())


def test_asking_many_times_in_one_document_computes_the_coverage_once(gql, world):
    """Anybody may ask for the national coverage: thirty aliases cost one computation (kept a few minutes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    aliases = " ".join(
        f"a{i}: observatory(scope: {{level: NATION}}) {{ mspsOperating coverage {{ population }} }}"
        for i in range(30)
    )
    with CaptureQueriesContext(connection) as captured:
        result = gql.execute(f"{{ {aliases} }}")
    assert (
        "errors" not in result
        and len({result["data"][f"a{i}"]["coverage"]["population"] for i in range(30)}) == 1
    )
    coverage_runs = [q for q in captured.captured_queries if "WITH hub_sites" in q["sql"]]
    assert len(coverage_runs) == 1
    again = CaptureQueriesContext(connection)
    with again:
        gql.execute(f"{{ {aliases} }}")
    assert not [q for q in again.captured_queries if "WITH hub_sites" in q["sql"]]


def test_the_pictures_are_the_back_offices_drawn_once(gql, world):
    """`progressChart` and `coverageMap` are the SVG the back office's page draws, for the web pages; thirty
    aliases cost one drawing (kept a few minutes, as the coverage)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_hub(make_msp("Tête de pont de Châlons", "51108"), radius=30)
    chart, drawn = selectors.drawings(MARNE)
    one = gql.execute(
        """{ observatory(scope: {level: DEPARTMENT, code: "51"}) { progressChart coverageMap } }"""
    )["data"]["observatory"]
    assert (one["progressChart"], one["coverageMap"]) == (chart, drawn)
    assert 'role="img"' in drawn and "Tête de pont de Châlons" in drawn and "<script" not in drawn
    assert 'aria-labelledby="progress-title"' in chart
    aliases = " ".join(
        f'a{i}: observatory(scope: {{level: REGION, code: "44"}}) {{ coverageMap }}' for i in range(30)
    )
    with CaptureQueriesContext(connection) as captured:
        result = gql.execute(f"{{ {aliases} }}")
    assert "errors" not in result and len({result["data"][f"a{i}"]["coverageMap"] for i in range(30)}) == 1
    assert sum("WITH hub_sites" in query["sql"] for query in captured.captured_queries) == 1  # drawn once
