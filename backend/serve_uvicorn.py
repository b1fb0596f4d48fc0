"""One server process under uvicorn instead of Daphne (`WEB_SERVER=uvicorn`, issue 30): the same application, on
the launcher's socket (`--fd`, through `backend.serve`) or on its own (`--host`, `--port`).

What Daphne's process does here too:
- it accepts one pending connection per wake-up, so that several processes on one socket share a burst
  (`backend/serve_child.py` does it for Twisted; here asyncio's accept loop, which takes up to the backlog);
- SIGTERM stops the running operations at once (their SQL cancelled), then the server closes: uvicorn would
  otherwise wait for them (`backend/asgi.py` does it for Daphne through Twisted's shutdown);
- it dies with the launcher.
Client addresses come from the socket: `X-Forwarded-For` is the application's to read (`TRUSTED_PROXIES`), so
uvicorn's own proxy headers are off, as Daphne's are.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from asyncio import selector_events

import uvicorn

from backend.serve_child import die_with_the_launcher

APP = "backend.asgi:application"


def accept_one_at_a_time() -> None:
    """Every listening socket of this process's asyncio loop accepts one connection per readiness event."""
    accept = selector_events.BaseSelectorEventLoop._accept_connection

    def one(self, protocol_factory, sock, sslcontext=None, server=None, backlog=100, *args, **kwargs):
        return accept(self, protocol_factory, sock, sslcontext, server, 1, *args, **kwargs)

    selector_events.BaseSelectorEventLoop._accept_connection = one


class Server(uvicorn.Server):
    def handle_exit(self, sig, frame) -> None:
        # Stop the application's running operations first. Not imported here: the signal may come while the
        # application is still loading (uvicorn listens for it before Config.load), and an import started from
        # a signal handler in the middle of another import fails (a process restarted by the launcher and
        # stopped at once exited 1). Not loaded yet, it runs nothing to stop.
        stop_all = getattr(sys.modules.get("backend.core.execution"), "stop_all", None)
        if stop_all is not None:
            stop_all()
        super().handle_exit(sig, frame)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, help="the launcher's listening socket")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("app", nargs="?", default=APP)
    args = parser.parse_args(argv)
    die_with_the_launcher()
    accept_one_at_a_time()
    config = uvicorn.Config(
        args.app,
        host=args.host,
        port=args.port,
        loop="asyncio",  # the accept patch above is asyncio's
        http="httptools",
        ws="websockets",
        lifespan="off",  # Django's ASGI handler answers no lifespan events
        proxy_headers=False,
        server_header=False,
        access_log=False,
    )
    server = Server(config)
    sockets = [socket.socket(fileno=args.fd)] if args.fd is not None else None
    asyncio.run(server.serve(sockets=sockets))
    sys.exit(0)


if __name__ == "__main__":
    main()
