"""Every commune (issue 28, item 3): the current Code officiel géographique with populations and coordinates,
Mayotte included; a commune merged into another since is found by its former code or name."""

import csv
import gzip
import io

import pytest

from network.management.commands.load_territories import DATA_DIR
from network.models import Commune, FormerCommune

pytestmark = pytest.mark.django_db

# INSEE, populations de référence au 1er janvier 2023 (published on 18 December 2025, in force on
# 1 January 2026): "la population officielle de la France (hors Mayotte) s'élève à 68 094 000 habitants".
INSEE_POPULATION_2023_WITHOUT_MAYOTTE = 68_094_000

# Where each territory's communes must lie (latitude, longitude boxes), to catch a swapped or lost coordinate.
BOXES = {
    "971": ((15.8, 16.6), (-61.9, -61.0)),
    "972": ((14.3, 14.9), (-61.3, -60.8)),
    "973": ((2.0, 5.9), (-54.7, -51.5)),
    "974": ((-21.5, -20.8), (55.2, 55.9)),
    "976": ((-13.1, -12.6), (44.9, 45.4)),
}
METROPOLE = ((41.3, 51.2), (-5.2, 9.6))


def shipped_rows() -> list[dict]:
    with gzip.open(DATA_DIR / "communes.csv.gz", "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_current_insee_code_of_the_file_is_loaded_with_coordinates_in_its_territory():
    rows = shipped_rows()
    assert len(rows) > 34_800  # the COG 2026 has 34,875 communes in the 18 regions
    loaded = {c.code: c for c in Commune.objects.select_related("department")}
    assert set(loaded) == {row["code"] for row in rows}
    for commune in loaded.values():
        (south, north), (west, east) = BOXES.get(commune.department_id, METROPOLE)
        assert south <= commune.latitude <= north and west <= commune.longitude <= east, commune


def test_coordinates_agree_with_the_centres_ign_publishes():
    # latitude_centre / longitude_centre of data.gouv.fr's "Communes et villes de France" (IGN Admin Express
    # centres, 2025), to three decimals: the centroids built from the 2018 contours are within ~1 km.
    published = {
        "01001": (46.153, 4.926),
        "01002": (46.009, 5.428),
        "01004": (45.961, 5.373),
        "01053": (46.205, 5.246),
        "06088": (43.712, 7.238),
        "02691": (49.847, 3.278),
    }
    for code, (lat, lon) in published.items():
        commune = Commune.objects.get(code=code)
        assert (commune.latitude, commune.longitude) == (
            pytest.approx(lat, abs=0.01),
            pytest.approx(lon, abs=0.01),
        ), code


def test_mayotte_and_the_smallest_villages_are_there():
    mayotte = Commune.objects.filter(department_id="976")
    assert mayotte.count() == 17
    assert mayotte.get(code="97611").name == "Mamoudzou"
    assert Commune.objects.get(code="26274").name == "Rochefourchat"
    assert Commune.objects.filter(population__lt=500).count() > 17_000


def test_the_observatorys_national_population_is_within_one_percent_of_insees(gql):
    data = gql.execute("{ observatory(scope: {level: NATION}) { coverage { population } } }")["data"]
    national = data["observatory"]["coverage"]["population"]
    mayotte = sum(c.population for c in Commune.objects.filter(department_id="976"))
    assert national - mayotte == pytest.approx(INSEE_POPULATION_2023_WITHOUT_MAYOTTE, rel=0.01)


@pytest.mark.parametrize(
    "search",
    [
        "01340",  # Saint-Bois, merged into Arboys en Bugey in 2016: its code…
        "saint bois",  # …and its name
        "Arbignieu",  # a commune déléguée that kept the commune's code
    ],
)
def test_a_former_commune_found_by_search_leads_to_its_current_commune(gql, search):
    data = gql.execute(
        "query($s: String!) { communes(search: $s, first: 5) { edges { node { code name } } } }",
        {"s": search},
    )["data"]
    nodes = [edge["node"] for edge in data["communes"]["edges"]]
    assert {"code": "01015", "name": "Arboys en Bugey"} in nodes
    assert FormerCommune.objects.filter(commune_id="01015").count() >= 2


def test_a_current_code_is_still_found_first_and_a_postal_code_too(gql):
    query = "query($s: String!) { communes(search: $s, first: 5) { edges { node { code } } } }"
    assert [e["node"]["code"] for e in gql.execute(query, {"s": "97611"})["data"]["communes"]["edges"]] == [
        "97611"
    ]
    codes = [e["node"]["code"] for e in gql.execute(query, {"s": "97600"})["data"]["communes"]["edges"]]
    assert codes[0] == "97611"
