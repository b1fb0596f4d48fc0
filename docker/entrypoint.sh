#!/bin/sh
# The image's entry point. One process per container, started with `exec` so that it is PID 1 and
# `docker stop` (SIGTERM) reaches it:
#   web       uvicorn (Daphne with WEB_SERVER=daphne) on $BIND:$PORT (0.0.0.0:8000), one process per core
#             ($WEB_PROCESSES) behind the port
#   worker    a job worker (e-mails, reminders, service levels, housekeeping); run as many as needed
#   migrate   migrations, once per deploy (a one-off service); the demo data only with DEMO_DATA=1 —
#             it has a public-password administrator: never in production
#   anything else is run as given (e.g. `python manage.py createsuperuser`)
set -eu

command="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$command" in
  web)
    # Client addresses behind a reverse proxy come from X-Forwarded-For through TRUSTED_PROXIES (the
    # right-most hop that is not a trusted proxy), for HTTP and WebSocket alike: the servers' own
    # proxy headers (off) would believe the left-most one, which any client can write.
    exec python -m backend.serve --host "${BIND:-0.0.0.0}" --port "${PORT:-8000}" -- "$@"
    ;;
  worker)
    # The stated connection budget first (APP_REPLICAS, WEB_PROCESSES, WORKER_REPLICAS): a French refusal
    # now rather than "too many clients" under load. The app's launcher checks it too.
    python manage.py check_connection_budget
    exec python manage.py procrastinate worker "$@"
    ;;
  migrate)
    python manage.py migrate --no-input "$@"
    if [ "${DEMO_DATA:-0}" = "1" ]; then
      python manage.py load_demo
    fi
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
