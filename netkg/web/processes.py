"""Several server processes on one port, each with its own listening socket (SO_REUSEPORT).

uvicorn's own `--workers` shares one listening socket: the process that wakes first accepts every
pending connection, so a client that opens its keep-alive connections at once (wrk, a proxy's pool)
can land 90% on one process (measured: CPU split 92/8). With a socket per process and SO_REUSEPORT
the kernel spreads connections evenly over the processes. The parent starts the processes, restarts
one that dies, and stops them all on SIGTERM/SIGINT.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Any

__all__ = ["serve_processes"]

START_GRACE = 5.0
"""A process that exits this soon after starting is broken, not unlucky: stop, don't loop."""


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _child(options_json: str) -> None:
    """One server process: its own socket on the shared port, the app from NETKG_* settings."""
    import uvicorn

    options: dict[str, Any] = json.loads(options_json)
    sock = _listening_socket(options.pop("host"), options.pop("port"))
    config = uvicorn.Config("netkg.web.app:app_from_env", factory=True, **options)
    uvicorn.Server(config).run(sockets=[sock])


def serve_processes(processes: int, options: dict[str, Any]) -> None:
    """Run `processes` uvicorn servers on options' host:port until SIGTERM/SIGINT."""
    _listening_socket(options["host"], options["port"]).close()  # a taken port fails here, once
    command = [
        sys.executable,
        "-c",
        "import sys; from netkg.web.processes import _child; _child(sys.argv[1])",
        json.dumps(options),
    ]
    children = [subprocess.Popen(command) for _ in range(processes)]
    started = [time.monotonic()] * processes
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            for index, child in enumerate(children):
                if child.poll() is None or stopping:
                    continue
                if time.monotonic() - started[index] < START_GRACE:
                    sys.exit(f"netkg serve: a server process exited at start ({child.returncode})")
                print(
                    f"netkg serve: server process {child.pid} exited; restarting it",
                    file=sys.stderr,
                )
                children[index] = subprocess.Popen(command)
                started[index] = time.monotonic()
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
