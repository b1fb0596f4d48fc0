"""Logs and errors, set up from the settings (so nothing here imports the database layer): the request id on
every log record, one JSON object a line in production, Sentry when a DSN is given. The middleware that sets
the request id and the metrics are in observability.py."""

from __future__ import annotations

import contextvars
import logging

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (« - » outside a request)."""

    def filter(self, record):
        record.request_id = REQUEST_ID.get()
        return True


def logging_config(json_lines: bool, procrastinate_level: str) -> dict:
    """Django's LOGGING: one JSON object a line in production (python-json-logger), readable lines in
    development; the request id in both."""
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,  # "timestamp": ISO 8601 in UTC
        }
        if json_lines
        else {"format": "[%(request_id)s] %(levelname)s %(name)s: %(message)s"}  # the server stamps the time
    )
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "backend.core.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}
        },
        "loggers": {
            "backend": {"level": "INFO"},
            # Its INFO lines (each task registered, each job run) drown the rest; failures still show.
            "procrastinate": {"level": procrastinate_level},
        },
    }
    if json_lines:  # every library's lines through the one JSON handler (Daphne's among them), ours included
        config["root"] = {"handlers": ["console"], "level": "INFO"}
    else:  # development: ours stamped with the request id (the server's own handlers print the rest)
        config["loggers"]["backend"]["handlers"] = ["console"]
    return config


def setup_sentry(dsn: str, environment: str, traces_sample_rate: float = 0.0) -> None:
    """Errors (unhandled exceptions and ERROR log lines) to Sentry; no personal data sent."""
    # Only with a DSN: the SDK and its Django integration are loaded when errors are to be sent.
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
