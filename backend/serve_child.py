"""One server process of `backend.serve`: Daphne, accepting one new connection at a time.

All the processes accept on the one listening socket. Twisted accepts up to 100 pending connections
each time the socket is ready (and raises that number when it was reached), so the first process to
wake takes a whole burst: `bench/http_load.py` saw 7 of 8 keep-alive connections on one process while
the other core idled, and the throughput of a run halved at random. Accepting one connection per
readiness lets the processes take turns, and a busy process (slower back to its event loop) takes
fewer: the load follows the free cores.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

from twisted.internet import tcp

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def accept_one_at_a_time() -> None:
    """Every Twisted TCP port of this process accepts one connection per readiness event."""
    tcp.Port.numberAccepts = property(lambda port: 1, lambda port, value: None)


def die_with_the_launcher() -> None:
    """When the launcher dies, even by SIGKILL, the kernel sends this process SIGTERM (Linux's
    PR_SET_PDEATHSIG) and it stops as on `docker stop`: no server is left holding the port on its own, and
    a test run leaves no process behind. The launcher gives its PID, in case it died before this was set."""
    if sys.platform != "linux":
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    launcher = os.environ.get("TDP_LAUNCHER_PID")
    if launcher and os.getppid() != int(launcher):
        sys.exit(0)


def main() -> None:
    die_with_the_launcher()
    accept_one_at_a_time()
    # after the patch above: Daphne imports Twisted's ports
    from daphne.cli import CommandLineInterface

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    sys.argv[0] = "daphne"
    main()
