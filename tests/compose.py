"""docker-compose.yml read as the stack's tests need it, without a YAML library: the `x-settings` block every
service of the app shares, and a service's healthcheck command."""

import json
import re
from pathlib import Path

COMPOSE_FILE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def compose_settings() -> dict:
    """The `x-settings` block of docker-compose.yml, each `${NAME:-default}` read as its default."""
    text = COMPOSE_FILE.read_text()
    block = text.split("x-settings: &settings\n", 1)[1].split("\n\n", 1)[0]
    env = {}
    for line in block.splitlines():
        match = re.match(r"^  ([A-Z_]+): (.*)$", line)
        if not match:
            continue
        name, value = match.groups()
        value = re.sub(r"\s+#.*$", "", value).strip().strip('"')  # a comment after the value
        value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)  # ${NAME:-default}: its default
        value = re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "", value)  # ${NAME:?…}: required, given below or empty
        env[name] = value
    return env


def healthcheck(after: str) -> list[str]:
    """The first healthcheck `test:` command written after the line `after` (a service or an anchor), without
    its leading "CMD"."""
    text = COMPOSE_FILE.read_text()
    rest = text.split(f"\n{after}\n", 1)[1]
    line = re.search(r"^\s+test: (\[.*\])$", rest, re.MULTILINE).group(1)
    command = json.loads(line)
    assert command[0] == "CMD", command
    return command[1:]
