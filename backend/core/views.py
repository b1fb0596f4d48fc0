import json
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphene_file_upload.utils import place_files_in_operations
from graphql import ExecutionResult, OperationType, execute, get_operation_ast

from backend.realtime.health import layer_available_sync

from . import serialise
from .compiled_reads import compiled_reads
from .compiled_reads import enabled as compiled_reads_enabled
from .errors import format_error
from .execution import DatabaseBusy, OperationStopped, run_in_pool
from .fast_execution import execution_context_class
from .limits import prepare_operation
from .observability import graphql_label

logger = logging.getLogger("backend")


# graphene-django's dispatch without its `ensure_csrf_cookie` decorator (see GraphQLView.dispatch).
_undecorated_dispatch = BaseGraphQLView.dispatch.__wrapped__


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(BaseGraphQLView):
    """GraphQL over HTTP: GraphiQL for browsers, JSON for clients.

    CSRF is checked only where it matters: on requests that carry the session
    cookie and no bearer token. Anonymous and token clients need no CSRF token.
    """

    graphiql_template = "graphiql.html"  # its assets served from the app (backend/static/graphiql), no CDN

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
        # graphene-django's dispatch sets a CSRF cookie on every response (for GraphiQL). An API client
        # needs none, and minting one cost a fifth of a small request: only pages for browsers get it.
        if request.method == "GET" and self.graphiql and self.can_display_graphiql(request, {}):
            get_token(request)
        return _undecorated_dispatch(self, request, *args, **kwargs)

    @property
    def execution_context_class(self):
        """The setting's executor (backend/core/fast_execution.py), read for each request's view."""
        return self.__dict__.get("_execution_context_class") or execution_context_class()

    @execution_context_class.setter
    def execution_context_class(self, value):  # graphene-django's __init__ sets it
        self.__dict__["_execution_context_class"] = value

    def parse_body(self, request):
        """The body as the GraphQL-over-HTTP convention reads it; anything malformed is a JSON 400 in French."""
        if self.get_content_type(request) == "application/graphql":
            try:
                return {"query": request.body.decode("utf-8")}
            except UnicodeDecodeError:
                raise HttpError(
                    HttpResponseBadRequest(), "Le corps de la requête n'est pas en UTF-8."
                ) from None
        if self.get_content_type(request) == "multipart/form-data":
            return self.parse_multipart(request)
        try:
            return super().parse_body(request)
        except HttpError as error:
            raise HttpError(
                error.response,
                "Le corps de la requête n'est pas un objet JSON valide "
                '(attendu : {"query": "…", "variables": {…}}).',
            ) from None

    def parse_multipart(self, request):
        """The GraphQL multipart request spec (Apollo/urql upload clients): `operations` (the JSON request with
        null where files go), `map` (which form field fills which variable), the files."""
        try:
            operations = json.loads(request.POST["operations"])
            files_map = json.loads(request.POST.get("map") or "{}")
            if not isinstance(files_map, dict) or not all(isinstance(v, list) for v in files_map.values()):
                raise ValueError
            return place_files_in_operations(operations, files_map, request.FILES)
        except (KeyError, ValueError, TypeError, AttributeError):
            raise HttpError(
                HttpResponseBadRequest(),
                "Requête multipart invalide : attendus `operations` (JSON), `map` (JSON) et les fichiers qu'il "
                "nomme (GraphQL multipart request spec).",
            ) from None
        except Exception as error:  # the form itself (too many files, a broken body)
            raise HttpError(HttpResponseBadRequest(), f"Requête multipart invalide : {error}") from None

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        """The document checked against the limits (backend.core.limits), then run within its budget."""
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest(), "Indiquez la requête GraphQL (`query`).")
        if not isinstance(query, str):
            raise HttpError(HttpResponseBadRequest(), "`query` doit être une chaîne de caractères.")
        if variables is not None and not isinstance(variables, dict):
            raise HttpError(HttpResponseBadRequest(), "`variables` doit être un objet JSON.")
        if operation_name is not None and not isinstance(operation_name, str):
            raise HttpError(HttpResponseBadRequest(), "`operationName` doit être une chaîne de caractères.")
        document, errors = prepare_operation(self.schema.graphql_schema, query, variables)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        operation = get_operation_ast(document, operation_name)
        if operation is not None:  # the label of its metrics (backend/core/observability.py)
            request.metrics_operation = graphql_label(operation)
        if operation is not None and operation.operation == OperationType.SUBSCRIPTION:
            raise HttpError(
                HttpResponseBadRequest(),
                "Les abonnements (subscription) passent par WebSocket sur /graphql, "
                "avec le protocole graphql-transport-ws.",
            )
        if (
            request.method.lower() == "get"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(["POST"]),
                "Seules les requêtes (query) passent par GET ; utilisez POST.",
            )
        if compiled_reads_enabled() and not (self.pretty or request.GET.get("pretty")):
            data = compiled_reads(self.schema.graphql_schema).answer(
                request, query, document, operation_name, variables
            )
            if data is not None:  # the answer built by PostgreSQL, written into the response as it came
                return ExecutionResult(data=data)
        try:
            return execute(
                self.schema.graphql_schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                execution_context_class=self.execution_context_class,
            )
        except Exception as exc:
            return ExecutionResult(errors=[exc])

    def json_encode(self, request, d, pretty=False):
        if pretty or self.pretty or request.GET.get("pretty"):
            return super().json_encode(request, d, pretty=True)
        return serialise.dumps(d)

    @staticmethod
    def format_error(error):
        if isinstance(error, HttpError):
            return {"message": error.message, "extensions": {"code": "BAD_REQUEST"}}
        return format_error(error)


def _graphql_sync_view(request, *args, **kwargs):
    # Built per request so that the GRAPHIQL setting is read when it applies (tests change it).
    return GraphQLView.as_view(graphiql=settings.GRAPHIQL)(request, *args, **kwargs)


@csrf_exempt  # the view checks CSRF itself, on session requests only
def graphql_pool_view(request, *args, **kwargs):
    """`/graphql` under the server: already on a pool thread, within its budget (backend.core.http)."""
    return _graphql_sync_view(request, *args, **kwargs)


def _in_request_thread(fn):
    return sync_to_async(fn, thread_sensitive=True)()


@csrf_exempt  # the view checks CSRF itself, on session requests only
async def graphql_view(request, *args, **kwargs):
    """`/graphql` through Django's own handlers: the GraphQL view on the bounded pool, within the time budget.

    The server's handler (backend.core.http) sends `/graphql` to the pool in one hop, middleware
    included, and never reaches this view; Django's ASGI handler would, and cancels this coroutine
    when the client goes away. Under WSGI (the test client) it runs in the request's thread.
    """
    executor = None if isinstance(request, ASGIRequest) else _in_request_thread
    try:
        return await run_in_pool(_graphql_sync_view, request, *args, executor=executor, **kwargs)
    except OperationStopped as stop:
        return JsonResponse({"data": None, "errors": [stop.formatted]}, status=200)
    except DatabaseBusy as busy:
        return busy_response(busy)


def busy_response(busy: DatabaseBusy) -> JsonResponse:
    """503 with Retry-After: the pool had no database connection to lend in time."""
    response = JsonResponse({"data": None, "errors": [busy.formatted]}, status=503)
    response["Retry-After"] = str(busy.RETRY_AFTER)
    return response


def healthz(request):
    """Each dependency, for load balancers and compose: 200 when all answer, 503 naming the one that does not."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        logger.exception("Health check: database unreachable")
        checks["database"] = "unreachable"
    checks["channelLayer"] = "ok" if layer_available_sync() else "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    waiting = oldest_waiting_job_seconds() if checks["database"] == "ok" else None
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks, "oldestWaitingJobSeconds": waiting},
        status=200 if healthy else 503,
    )


OLDEST_WAITING_JOB = """
SELECT EXTRACT(EPOCH FROM now() - min(GREATEST(e.at, COALESCE(j.scheduled_at, e.at))))
FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred'
WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
"""


def oldest_waiting_job_seconds() -> int | None:
    """How long the oldest job due to run has waited for a worker (None: none waits): a queue backing up, or
    no worker at all, shows here before any user notices."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(OLDEST_WAITING_JOB)
            (seconds,) = cursor.fetchone()
    except Exception:
        logger.exception("Health check: the job queue could not be read")
        return None
    return None if seconds is None else int(seconds)
