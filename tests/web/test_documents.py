"""Every document the pages run (web/graphql/*.graphql) is valid against the schema, is one operation named
after its file, and is used by a page: a field renamed in the API breaks this test, not a page in production."""

import re
from pathlib import Path

from graphql import OperationDefinitionNode, parse, validate

from backend.schema import schema
from web.door import DOCUMENTS, document, document_names

WEB = Path(__file__).resolve().parents[2] / "web"


def test_every_document_is_one_valid_operation_named_after_its_file():
    names = document_names()
    assert len(names) >= 10
    for name in names:
        parsed = parse(document(name))
        operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
        assert [op.name.value for op in operations] == [name], name
        errors = validate(schema.graphql_schema, parsed)
        assert errors == [], (name, [e.message for e in errors])


def test_every_document_is_used_by_a_page_and_every_page_runs_an_existing_document():
    code = "\n".join(path.read_text() for path in [*WEB.glob("*.py"), *(WEB / "views").glob("*.py")])
    used = set(re.findall(r"""door\.(?:(?:run|read)\(\s*request,|document\()\s*"([A-Za-z]+)\"""", code))
    assert used == set(document_names()), used ^ set(document_names())
    assert all((DOCUMENTS / f"{name}.graphql").exists() for name in used)
