"""Which requests the event loop's reads may take (backend/core/loop_reads.py), and which bodies they leave to the
ordinary path without a look at the database; the answers themselves are compared in test_loop_reads.py."""

import pytest

from backend.core import loop_reads


@pytest.mark.parametrize(
    "headers, method, query_string, expected",
    [
        ([(b"host", b"127.0.0.1"), (b"content-type", b"application/json")], "POST", b"", True),
        ([(b"host", b"127.0.0.1"), (b"content-type", b"application/json; charset=utf-8")], "POST", b"", True),
        ([(b"host", b"127.0.0.1"), (b"content-type", b"application/graphql")], "POST", b"", False),
        ([(b"host", b"127.0.0.1"), (b"content-type", b"application/json")], "GET", b"", False),
        ([(b"host", b"127.0.0.1"), (b"content-type", b"application/json")], "POST", b"pretty=1", False),
        ([(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), (b"cookie", b"a=b")], "POST", b"", False),
        ([(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), (b"authorization", b"x")], "POST", b"", False),
        ([(b"host", b"127.0.0.1"), (b"host", b"127.0.0.1"), (b"content-type", b"application/json")], "POST", b"", False),
        ([(b"host", b"evil.example"), (b"content-type", b"application/json")], "POST", b"", False),
        ([(b"content-type", b"application/json")], "POST", b"", False),
    ],
)  # fmt: skip
def test_which_requests_the_loop_may_take(settings, headers, method, query_string, expected):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    scope = {
        "type": "http",
        "method": method,
        "path": "/graphql",
        "query_string": query_string,
        "headers": headers,
    }
    assert loop_reads.eligible(scope) is expected
    settings.GRAPHQL_EXECUTION = {**settings.GRAPHQL_EXECUTION, "LOOP_CONNECTIONS": 0}
    assert loop_reads.eligible(scope) is False


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"query": 1}', b'{"query": ""}', b'{"query": "{ regions { code } }", "variables": "{}"}',
     b'{"query": "{ regions { code } }", "operationName": ""}', b'{"query": "{ regions { code } }", "variables": [1]}',
     b'{"query": "{ never seen }"}', b" " * (loop_reads.MAX_BODY + 1)],
)  # fmt: skip
async def test_bodies_the_loop_leaves_to_the_ordinary_path(body):
    """None without a look at the database: the ordinary path words the refusal, or plans the document."""
    assert await loop_reads.answer({"headers": []}, body) is None


async def test_an_error_of_the_loop_s_own_is_logged_and_left_to_the_ordinary_path(monkeypatch, caplog):
    async def failing(scope, body):
        raise RuntimeError("a bug of the loop's path")

    monkeypatch.setattr(loop_reads, "_answer_kept", failing)
    assert await loop_reads.answer({"headers": []}, b"{}") is None
    assert "a bug of the loop's path" in caplog.text
