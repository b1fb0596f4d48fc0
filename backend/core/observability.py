"""What tells an operator what is happening: a request id on every log line (JSON in production), Prometheus
metrics at `/metrics` (reachable from the internal network or with `METRICS_TOKEN`), errors to Sentry when
`SENTRY_DSN` is set.

- **Request id**: `X-Request-ID` from the proxy when it is a plain token of at most 64 characters, else a
  new one; answered in the same header, carried by a context variable into the GraphQL pool's threads
  (`run_in_pool` copies the context) and onto every log record (`RequestIdFilter`).
- **Metrics** (prometheus-client; in `python -m backend.serve`'s processes, its multiprocess mode, summed
  at the scrape): HTTP requests by operation (a page's route, or the GraphQL operation's type and name —
  at most `MAX_OPERATIONS` distinct names, the rest counted as « other »: a client chooses names, not
  our memory) and status, their duration; the GraphQL pool's busy threads; the database pool (size,
  available, waiting); WebSocket connections and open operations; jobs by task and status and e-mails by
  status, counted in PostgreSQL at the scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import threading
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.db import connection, connections
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .addresses import client_ip
from .logs import REQUEST_ID

GIVEN_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
MAX_OPERATIONS = 200

# --- Metrics ------------------------------------------------------------------------------------

REQUESTS = Counter("tdp_http_requests_total", "HTTP requests answered.", ["operation", "status"])
DURATION = Histogram(
    "tdp_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["operation"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
COMPILED_READS = Counter(
    "tdp_graphql_compiled_reads_total",
    "Queries answered by compiled reads (one SQL statement building the JSON, backend/core/compiled.py).",
)
LOOP_READS = Counter(
    "tdp_graphql_loop_reads_total",
    "Anonymous compiled reads answered on the event loop (stopped by their budget included), without the ordinary "
    "path (backend/core/loop_reads.py).",
)
RESPONSE_CACHE = Counter(
    "tdp_graphql_response_cache_total",
    "Anonymous compiled reads by the response cache's outcome (backend/cache/store.py): hit, miss, or shared (the "
    "answer of another request's computation, whose statement was sent after it was asked: backend/cache/held.py).",
    ["outcome"],
)
POOL_BUSY = Gauge(
    "tdp_graphql_pool_busy", "GraphQL pool threads running an operation.", multiprocess_mode="livesum"
)
DB_POOL = Gauge(
    "tdp_db_pool_connections", "Database pool connections.", ["state"], multiprocess_mode="livesum"
)
SOCKETS = Gauge("tdp_websocket_connections", "Open WebSocket connections.", multiprocess_mode="livesum")
LIVE_OPERATIONS = Gauge(
    "tdp_websocket_operations",
    "Operations (subscriptions) running on WebSockets.",
    multiprocess_mode="livesum",
)

_operations: set[str] = set()
_operations_lock = threading.Lock()


def operation_label(label: str) -> str:
    """`label` while fewer than MAX_OPERATIONS distinct ones were seen in this process, else « other »."""
    with _operations_lock:
        if label in _operations or len(_operations) < MAX_OPERATIONS:
            _operations.add(label)
            return label
    return "other"


def graphql_label(definition) -> str:
    """A GraphQL operation's name in the metrics: its type and name (« anonymous » without one)."""
    name = definition.name.value if definition.name else "anonymous"
    return f"graphql {definition.operation.value} {name}"


def _label_of(request) -> str:
    named = getattr(request, "metrics_operation", None)
    if named:
        return operation_label(named)
    match = getattr(request, "resolver_match", None)
    return match.route or match.view_name if match else "unrouted"


def _sample_db_pool() -> None:
    pool = getattr(connections["default"], "pool", None)
    if pool is None:
        return
    stats = pool.get_stats()
    DB_POOL.labels("size").set(stats.get("pool_size", 0))
    DB_POOL.labels("available").set(stats.get("pool_available", 0))
    DB_POOL.labels("waiting").set(stats.get("requests_waiting", 0))


class ObservabilityMiddleware:
    """First in the chain: the request id, and the request counted and timed once answered."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        token, started = self._start(request)
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        return self._finish(request, response, started)

    async def __acall__(self, request):
        # Under ASGI each request has its own context: the id stays set after the chain, for the lines
        # Django writes once it has answered ("Not Found: …").
        _, started = self._start(request)
        response = await self.get_response(request)
        return self._finish(request, response, started)

    def _start(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if GIVEN_ID.match(given) else uuid.uuid4().hex
        return REQUEST_ID.set(request.request_id), time.perf_counter()

    def _finish(self, request, response, started):
        label = _label_of(request)
        REQUESTS.labels(label, str(response.status_code)).inc()
        DURATION.labels(label).observe(time.perf_counter() - started)
        response["X-Request-ID"] = request.request_id
        try:
            _sample_db_pool()
        except Exception:  # a metric never breaks an answer
            logging.getLogger(__name__).debug("database pool not sampled", exc_info=True)
        return response


class DatabaseCounts:
    """Jobs by task and status, e-mails by status: counted in PostgreSQL at each scrape (any process's)."""

    def collect(self):
        jobs = GaugeMetricFamily(
            "tdp_jobs", "Jobs in the queue by task and status.", labels=["task", "status"]
        )
        emails = GaugeMetricFamily("tdp_emails", "E-mails of the outbox by status.", labels=["status"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT task_name, status::text, count(*) FROM procrastinate_jobs "
                "WHERE status IN ('todo', 'doing', 'failed') GROUP BY 1, 2 ORDER BY 1, 2"
            )
            for task, status, count in cursor.fetchall():
                jobs.add_metric([task, status], count)
            cursor.execute("SELECT status, count(*) FROM mail_outgoingemail GROUP BY 1 ORDER BY 1")
            for status, count in cursor.fetchall():
                emails.add_metric([status], count)
        yield jobs
        yield emails


def _allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    address = client_ip(request.META)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private


def metrics_view(request):
    """Prometheus' text format, for the internal network (a private or loopback client address, as the
    trusted proxies forward it) or whoever shows `METRICS_TOKEN`."""
    if not _allowed(request):
        return HttpResponseForbidden("Métriques : réservées au réseau interne ou au jeton METRICS_TOKEN.")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    counts = CollectorRegistry()
    counts.register(DatabaseCounts())
    body = generate_latest(registry) + generate_latest(counts)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
