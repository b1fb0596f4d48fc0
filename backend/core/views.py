import logging

from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphql import GraphQLError, OperationType, get_operation_ast, parse

from .graphql import format_error

logger = logging.getLogger("backend")


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(BaseGraphQLView):
    """GraphQL over HTTP: GraphiQL for browsers, JSON for clients.

    CSRF is checked only where it matters: on requests that carry the session
    cookie and no bearer token. Anonymous and token clients need no CSRF token.
    """

    graphiql = True

    def dispatch(self, request, *args, **kwargs):
        uses_session = request.session.session_key is not None or bool(request.COOKIES.get("sessionid"))
        if (
            request.method == "POST"
            and uses_session
            and not getattr(request, "_dont_enforce_csrf_checks", False)
        ):
            refusal = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refusal is not None:
                return refusal
        return super().dispatch(request, *args, **kwargs)

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        if query and not show_graphiql:
            try:
                operation = get_operation_ast(parse(query), operation_name)
            except GraphQLError:
                operation = None  # the parent reports the syntax error
            if operation is not None and operation.operation == OperationType.SUBSCRIPTION:
                raise HttpError(
                    HttpResponseBadRequest(),
                    "Les abonnements (subscription) passent par WebSocket sur /graphql, "
                    "avec le protocole graphql-transport-ws.",
                )
        return super().execute_graphql_request(request, data, query, variables, operation_name, show_graphiql)

    @staticmethod
    def format_error(error):
        if isinstance(error, HttpError):
            return {"message": error.message, "extensions": {"code": "BAD_REQUEST"}}
        return format_error(error)


def healthz(request):
    """Liveness and database check for load balancers and compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
