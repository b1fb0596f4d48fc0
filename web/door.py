"""The web pages' one door to the platform: named GraphQL documents executed in process, as the signed-in user.

A page never calls a service or a queryset (import-linter forbids `web` to import a domain): it runs one of the
documents kept in `web/graphql/<Name>.graphql` (one operation each, named after its file) through the same
schema, limits, permission gates, row scoping and French errors as `/graphql`, with the page's request as the
context, so its viewer is the session's user. `tests/web/test_documents.py` validates every document against
the schema.

A page view is wrapped by `page`: like `/graphql`, it runs on the GraphQL pool within the time budget, and is
stopped when the browser goes away.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from asgiref.sync import sync_to_async
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404
from django.shortcuts import render
from graphql import execute

from backend.core.errors import format_error
from backend.core.execution import DatabaseBusy, OperationStopped, run_in_pool
from backend.core.fast_execution import execution_context_class
from backend.core.limits import prepare_operation
from backend.schema import schema

DOCUMENTS = Path(__file__).resolve().parent / "graphql"
_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@functools.cache
def document(name: str) -> str:
    """The text of `web/graphql/<name>.graphql`, read once per process."""
    if not _NAME.match(name):
        raise ValueError(f"not a document name: {name!r}")
    return (DOCUMENTS / f"{name}.graphql").read_text(encoding="utf-8")


def document_names() -> list[str]:
    return sorted(path.stem for path in DOCUMENTS.glob("*.graphql"))


@dataclass
class Answer:
    """What a document gave: its data, and its errors as the API formats them (French messages, codes)."""

    data: dict | None
    errors: list[dict] = field(default_factory=list)

    def payload(self, mutation: str) -> dict:
        """A mutation's payload (`{…, errors: [{field, code, message}]}`), empty when the call itself failed."""
        return (self.data or {}).get(mutation) or {}

    def form_errors(self, mutation: str | None = None) -> FormErrors:
        """The mutation's `errors` by field, and everything else (request-level errors, errors on no field of
        the form) for the top of the form."""
        errors = FormErrors()
        for error in self.errors:
            errors.general.append(error["message"])
        if mutation is not None:
            for error in self.payload(mutation).get("errors") or []:
                errors.add(error.get("field"), error["message"])
        return errors

    def ok(self, mutation: str) -> bool:
        payload = self.payload(mutation)
        return not self.errors and bool(payload) and not payload.get("errors")


@dataclass
class FormErrors:
    fields: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, name: str | None, message: str) -> None:
        if name:
            self.fields.setdefault(name, []).append(message)
        else:
            self.general.append(message)

    def keep_only(self, names) -> FormErrors:
        """Errors on a field the form does not show go to the top of the form (never lost)."""
        kept = FormErrors(general=list(self.general))
        for name, messages in self.fields.items():
            if name in names:
                kept.fields[name] = messages
            else:
                kept.general.extend(messages)
        return kept

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def run(request, name: str, variables: dict | None = None) -> Answer:
    """Execute the document `name` as the request's user; the request is marked as coming through this door
    (the session sign-in mutations accept nothing else)."""
    request.web_door = True
    text = document(name)
    graphql_schema = schema.graphql_schema
    parsed, errors = prepare_operation(graphql_schema, text, variables)
    if errors:
        return Answer(None, [format_error(error) for error in errors])
    result = execute(
        graphql_schema,
        parsed,
        context_value=request,
        variable_values=variables,
        operation_name=name,
        execution_context_class=execution_context_class(),
    )
    return Answer(result.data, [format_error(error) for error in result.errors or []])


def read(request, name: str, variables: dict | None = None) -> dict:
    """A query whose errors mean the page cannot be shown: a 404 when what it asks for is not visible."""
    answer = run(request, name, variables)
    if answer.errors or answer.data is None:
        codes = {(error.get("extensions") or {}).get("code") for error in answer.errors}
        if "UNAUTHENTICATED" in codes and not request.user.is_authenticated:
            raise SignInRequired
        if "FORBIDDEN" in codes:
            raise PermissionDenied(answer.errors[0]["message"])
        if codes & {
            "NOT_FOUND",
            "FORBIDDEN",
            "UNAUTHENTICATED",
            "BAD_USER_INPUT",
            "GRAPHQL_VALIDATION_FAILED",
        }:
            raise Http404(answer.errors[0]["message"])
        raise PageError(answer.errors)
    return answer.data


class SignInRequired(Exception):
    """The page is for signed-in users: `page` sends the browser to the sign-in page, and back here after."""


class PageError(Exception):
    def __init__(self, errors: list[dict]) -> None:
        super().__init__("; ".join(error["message"] for error in errors))
        self.errors = errors


def _in_request_thread(fn):
    return sync_to_async(fn, thread_sensitive=True)()


def page(view):
    """A page view on the GraphQL pool, within the time budget (like `/graphql`), stopped when the browser goes
    away; a page that runs out of time or finds the database saturated says so in French (503)."""

    @functools.wraps(view)
    async def on_pool(request, *args, **kwargs):
        executor = None if isinstance(request, ASGIRequest) else _in_request_thread
        try:
            return await run_in_pool(view, request, *args, executor=executor, **kwargs)
        except SignInRequired:
            return redirect_to_login(request.get_full_path())
        except (OperationStopped, DatabaseBusy) as stop:
            return await sync_to_async(_unavailable)(request, stop)

    return on_pool


def _unavailable(request, stop):
    response = render(request, "web/unavailable.html", {"message": stop.message}, status=503)
    response["Retry-After"] = "5"
    return response
