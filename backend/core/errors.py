"""How an error leaves the API, for HTTP and WebSocket alike: expected errors keep their (French) message
and `extensions.code`; graphql-core's own messages are translated; anything unexpected is logged and hidden
behind a request reference outside DEBUG."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError

from .execution import current_control
from .messages import code_of, french

logger = logging.getLogger("backend.graphql")

INTERNAL_ERROR_MESSAGE = "Erreur interne du serveur. L'équipe technique a été prévenue."


def _from_graphql_core(error: GraphQLError) -> bool:
    """An error graphql-core wrote itself (ours are subclasses, carry a code, or wrap what a resolver raised):
    a plain GraphQLError with no extensions, not located in the result (no path), and either no cause or a
    scalar's own complaint about a value (a coercion error)."""
    if type(error) not in (GraphQLError, GraphQLSyntaxError) or error.extensions or error.path is not None:
        return False
    original = error.original_error
    return original is None or isinstance(original, (ValueError, TypeError)) or type(original) is GraphQLError


def format_error(error: GraphQLError) -> dict:
    """Expected errors keep their message; anything else is hidden outside DEBUG."""
    original = getattr(error, "original_error", None)
    if _from_graphql_core(error):
        # Syntax, the specification's validation, variable coercion: graphql-core's English, in French.

        formatted = error.formatted
        formatted["message"] = french(error.message)
        formatted["extensions"] = {"code": code_of(error.message)}
        return formatted
    if original is None or isinstance(original, GraphQLError):
        formatted = error.formatted
        if error.message.startswith("Variable ") and " got invalid value " in error.message:
            # One of our scalar rules refused a variable: graphql-core put it behind its English preamble, with
            # the value itself (maybe 10,000 characters): the French preamble names the variable only.

            formatted["message"] = french(error.message)
        if isinstance(original, GraphQLError) and original.extensions:
            formatted.setdefault("extensions", {}).update(original.extensions)
        return formatted
    if isinstance(original, ValidationError):
        formatted = error.formatted
        formatted["message"] = " ".join(original.messages)
        formatted["extensions"] = {"code": "BAD_USER_INPUT"}
        return formatted

    control = current_control()
    request_id = control.request_id if control is not None else uuid.uuid4().hex[:16]
    logger.error("Unhandled error in GraphQL resolver [request %s]", request_id, exc_info=original)
    formatted = error.formatted
    if not settings.DEBUG:
        formatted["message"] = f"{INTERNAL_ERROR_MESSAGE} Référence : {request_id}."
    formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    return formatted
