"""Killable query workers for the queries that may run away, with fair admission.

pyoxigraph cannot interrupt a query, so a query that is not bounded (netkg.store.guard) runs in a
worker process that opens the release's store read-only (cheap to start: nothing is loaded) and
is killed and replaced when the query passes its deadline. Workers run at a lower CPU priority
(`os.nice`), so the serving processes keep the cores for light requests.

Admission is bounded: at most `size` queries run and `queue` wait (for at most `wait` seconds);
past that a request gets 503 at once (with Retry-After), and one client (address) may have at
most `per_client` heavy queries admitted (429), so one client's runaways can't take every worker.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from netkg.errors import (
    BadRequest,
    Forbidden,
    NetkgError,
    ResultTooLarge,
    ServiceBusy,
    StoreUnavailable,
    TooManyRequests,
)
from netkg.store.engine import Request, evaluate
from netkg.store.protocol import QueryAnswer
from netkg.store.results import serialise, timeout_error

__all__ = ["Admission", "Job", "WorkerPool"]

log = logging.getLogger(__name__)

MAX_FAILED_STARTS = 5
"""Workers that fail to start in a row before the pool stops replacing them (a broken store)."""

_ERRORS: dict[str, type[NetkgError]] = {
    cls.__name__: cls for cls in (BadRequest, Forbidden, ResultTooLarge, StoreUnavailable)
}


class Job(NamedTuple):
    """What a worker does: run `request`, serialise it as asked, count against `max_rows`."""

    request: Request
    solutions_format: str
    graph_format: str
    max_rows: int
    bounded: bool


def _worker_main(conn: Connection, location: str, nice: int) -> None:
    """A worker: open the store read-only, then answer jobs until the pipe closes."""
    if nice:
        os.nice(nice)
    try:
        store = ox.Store.read_only(location)
    except OSError as error:  # report, don't hang the parent
        conn.send(("error", "StoreUnavailable", f"can't open the store {location}: {error}"))
        return
    conn.send(("ready",))
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = serialise(
                evaluate(store, job.request),
                solutions_format=job.solutions_format,
                graph_format=job.graph_format,
                max_rows=job.max_rows,
                bounded=job.bounded,
            )
            conn.send(("ok", answer.kind, answer.media_type, answer.body))
        except NetkgError as error:
            conn.send(("error", type(error).__name__, error.message))
        except Exception as error:  # an engine bug: report it as such, keep serving
            conn.send(("error", "internal", f"{type(error).__name__}: {error}"))


def _worker_entry(fd: int, location: str, nice: int) -> None:
    """Entry point of a worker subprocess: `fd` is its end of a socket pair."""
    _worker_main(Connection(fd), location, nice)


class _Worker:
    """A worker subprocess and our end of its socket pair.

    A plain subprocess (not multiprocessing.Process) so the parent's `__main__` is never
    re-imported: `netkg serve`, uvicorn, pytest and a user's script all start workers the same way.
    """

    def __init__(self, location: Path, nice: int) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from netkg.store.workers import _worker_entry; "
                    "_worker_entry(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))",
                    str(theirs.fileno()),
                    str(location),
                    str(nice),
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        finally:
            self.conn.close()


@dataclass(frozen=True)
class Admission:
    """How many long queries run (one per worker) and wait, for how long, and per client; the
    names are the settings' (NETKG_WORKERS, …)."""

    workers: int = 2
    queue_size: int = 8
    client_limit: int = 2  # long queries one client (address) may have admitted
    worker_wait: float = 10.0  # seconds a query may wait for a worker
    worker_nice: int = 10  # the workers' CPU priority (os.nice)


class WorkerPool:
    """Workers over the store at `location`, admitting queries as `admission` says; see the
    module docstring. `max_timeout` is only named in the message of a query stopped at its
    limit."""

    def __init__(
        self,
        location: Path,
        admission: Admission,
        *,
        max_timeout: float = 60.0,
        start_timeout: float = 60.0,
    ) -> None:
        self.location = location
        self.admission = admission
        self.max_timeout = max_timeout
        self.start_timeout = start_timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._admitted = 0
        self._clients: Counter[str] = Counter()
        self._closed = False
        self._failed_starts = 0
        self._started = False  # workers start with the first long query: start-up stays short

    def start(self) -> None:
        """Start the workers (once; the first long query does it)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.admission.workers):
            self._start_worker()

    # --- the workers ---

    def _start_worker(self) -> None:
        """Start a worker; it joins the idle queue once it has opened the store."""
        worker = _Worker(self.location, self.admission.worker_nice)
        with self._lock:
            closed = self._closed  # closed while it started: it must not outlive the pool
            if not closed:
                self._all.add(worker)
        if closed:
            worker.kill()
            return

        def await_ready() -> None:
            try:
                ready = worker.conn.poll(self.start_timeout)
                message = worker.conn.recv() if ready else ("error", "", "did not start in time")
            except (EOFError, OSError):
                message = ("error", "", "exited while starting")
            if message[0] != "ready" or self._closed:
                self._discard(worker)
                if not self._closed:
                    log.error("a query worker could not start: %s", message[2])
                    self._failed_starts += 1
                    if self._failed_starts <= MAX_FAILED_STARTS:
                        self._start_worker()
                return
            self._failed_starts = 0
            self._idle.put(worker)

        threading.Thread(target=await_ready, name="netkg-worker-start", daemon=True).start()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (its CPU is freed now) and start another in the background."""
        self._discard(worker)
        if not self._closed:
            self._start_worker()

    @property
    def worker_count(self) -> int:
        with self._lock:
            return len(self._all)

    @property
    def idle_count(self) -> int:
        return self._idle.qsize()

    def status(self) -> dict[str, int]:
        """For operators (/-/health): workers, and long queries admitted (running or waiting)."""
        with self._lock:
            return {"workers": len(self._all), "long_queries": self._admitted}

    # --- admission and running ---

    def answer(self, job: Job, *, limit: float, client: str = "") -> QueryAnswer:
        """Run `job` on a worker within `limit` seconds (QueryTimeout after: worker killed)."""
        rules = self.admission
        with self._lock:
            if self._closed:
                raise StoreUnavailable("the store is closed")
            if self._admitted >= rules.workers + rules.queue_size:
                raise ServiceBusy(
                    f"{rules.workers} long queries are running and {rules.queue_size} are waiting "
                    "(this server's limits); try again shortly, or ask a bounded query (with "
                    "LIMIT) that the server answers at once"
                )
            if rules.client_limit and self._clients[client] >= rules.client_limit:
                raise TooManyRequests(
                    f"you already have {rules.client_limit} long queries running (this server's "
                    "limit per client); wait for them to finish"
                )
            self._admitted += 1
            self._clients[client] += 1
        self.start()
        try:
            return self._run(job, limit)
        finally:
            with self._lock:
                self._admitted -= 1
                self._clients[client] -= 1
                if self._clients[client] <= 0:
                    del self._clients[client]

    def _run(self, job: Job, limit: float) -> QueryAnswer:
        wait = self.admission.worker_wait
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise ServiceBusy(
                f"all query workers stayed busy for {wait:g}s; try again shortly"
            ) from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(limit):
                self._replace(worker)
                raise timeout_error(f"the query was stopped after {limit:g}s", self.max_timeout)
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise StoreUnavailable("a query worker died while answering; try again") from None
        self._idle.put(worker)
        if reply[0] == "ok":
            return QueryAnswer(reply[1], reply[2], reply[3])
        error_class = _ERRORS.get(reply[1])
        if error_class is None:
            raise NetkgError(f"query engine error: {reply[2]}")
        raise error_class(reply[2])

    def close(self) -> None:
        """Kill every worker (a query in flight gets StoreUnavailable)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()
