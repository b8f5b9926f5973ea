"""Where tasks run: in this process, in local worker processes, or on a Dask cluster.

Every backend runs the same top-level function on the same task and yields results as they
finish, in whatever order; the study puts them back in task order. Since a task carries its
own seed, the numbers do not depend on the backend, the number of workers or the scheduling.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import socket
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from paysim.errors import PaysimError, ScenarioError
from paysim.experiment.design import Task, simulation_code_hash
from paysim.experiment.single import resolve_scenario, run_checked
from paysim.experiment.worker import watch_parent


def run_task(task: Task) -> dict[str, Any]:
    """Run one task: its KPIs and hourly series (top level, for spawned processes and Dask).

    The experiment was checked when it was loaded (inputs, windows, memory for all workers),
    so the task runs without checking its size again against what its siblings now use.
    """
    started = time.perf_counter()
    result = run_checked(resolve_scenario(task.scenario), seed=task.seed_sequence, days=task.days)
    return {
        "kpis": result.kpis,
        "series": {column: result.series[column].tolist() for column in result.series.columns},
        "days": result.days,
        "elapsed_s": time.perf_counter() - started,
        "code": simulation_code_hash(),
    }


class Backend(Protocol):
    """Runs tasks and yields ``(task, outcome)`` pairs as they finish."""

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """Run the tasks; results come in completion order."""

    def close(self) -> None:
        """Release workers once every task has finished."""

    def abort(self) -> None:
        """Stop now: cancel pending tasks and stop running ones (their results are lost)."""


class SerialBackend:
    """Tasks one after the other in this process."""

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:  # noqa: D102
        for task in tasks:
            yield task, run_task(task)

    def close(self) -> None:  # noqa: D102
        pass

    def abort(self) -> None:  # noqa: D102
        pass


class ProcessBackend:
    """A pool of ``workers`` spawned processes, kept for the whole study.

    Processes are spawned rather than forked: nothing of the parent's state (threads, open
    files, a Dask client) leaks into workers, and it behaves the same on every platform. At
    most ``2 × workers`` tasks are in flight, so an interrupted study has few half-done tasks.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=watch_parent,
            )
        return self._pool

    def start(self) -> ProcessBackend:
        """Start the worker processes now (they take a second to import paysim).

        The command line starts them before loading its own modules and the experiment, so
        that start-up overlaps with work the parent has to do anyway.
        """
        pool = self._executor()
        for _ in range(self.workers):
            pool.submit(_ready)
        return self

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:  # noqa: D102
        pool = self._executor()
        queue = list(reversed(tasks))
        running: dict[Future[dict[str, Any]], Task] = {}
        while queue or running:
            while queue and len(running) < 2 * self.workers:
                task = queue.pop()
                running[pool.submit(run_task, task)] = task
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: running[f].fingerprint):
                yield running.pop(future), future.result()

    def close(self) -> None:  # noqa: D102
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def abort(self) -> None:  # noqa: D102
        if self._pool is None:
            return
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:  # the pool has no public way to stop a running task
            process.terminate()
        for process in processes:
            process.join(timeout=5)
        self._pool = None


def _ready() -> None:
    """A no-op task: submitting one per worker makes the pool start its processes."""


#: Seconds to wait for a Dask scheduler before giving up.
DASK_CONNECT_TIMEOUT_S = 20.0


class DaskBackend:
    """Tasks submitted to a Dask ``distributed`` scheduler.

    Workers need paysim installed in the same version: each result carries a digest of the
    simulation code, and a mismatch stops the study instead of mixing two models.
    """

    def __init__(self, address: Any) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise PaysimError("--dask needs the 'distributed' package") from exc
        if isinstance(address, Client):
            self._client, self._owned = address, False
        else:
            address = reachable_dask_address(address)
            try:
                self._client = Client(address, set_as_default=False, timeout=DASK_CONNECT_TIMEOUT_S)
            except (OSError, ValueError) as exc:
                raise ScenarioError.at(
                    "--dask", f"cannot use this Dask scheduler ({exc})", address
                ) from None
            self._owned = True

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:  # noqa: D102
        from distributed import as_completed

        by_key = {f"paysim-task-{task.fingerprint}": task for task in tasks}
        futures = [
            self._client.submit(run_task, task, key=key, pure=False, retries=2)
            for key, task in by_key.items()
        ]
        try:
            for future in as_completed(futures, loop=self._client.loop):
                outcome = future.result()
                yield by_key[future.key], outcome
                future.release()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:  # noqa: D102
        if self._owned:
            self._client.close()

    def abort(self) -> None:  # noqa: D102
        self.close()


_DASK_ADDRESS = re.compile(
    r"^(?:(?P<scheme>tcp|tls|ws|wss|inproc|ucx)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+)"
    r":(?P<port>\d{1,5})/?$"
)


def reachable_dask_address(address: Any) -> str:
    """A well-formed scheduler address (``tcp://host:8786``) that accepts connections.

    A TCP address is probed with a plain socket first: a wrong one is a one-line error at
    once, instead of a Dask client timing out and complaining while it is torn down.
    """
    text = str(address).strip()
    match = _DASK_ADDRESS.match(text)
    if not match or not 0 < int(match["port"]) < 65536:
        raise ScenarioError.at("--dask", "must be a scheduler address like tcp://host:8786", text)
    if match["scheme"] in (None, "tcp"):
        host = match["host"].strip("[]")
        try:
            socket.create_connection((host, int(match["port"])), timeout=5).close()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ScenarioError.at(
                "--dask", f"no Dask scheduler answers there ({reason})", text
            ) from None
    return text


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def make_backend(workers: int | None, dask: Any = None) -> Backend:
    """The backend for ``workers`` local processes (1: this process) or a Dask address."""
    if dask is not None:
        return DaskBackend(dask)
    n = default_workers() if workers is None else workers
    if n < 1:
        raise ValueError(f"workers ({n}) must be >= 1")
    return SerialBackend() if n == 1 else ProcessBackend(n)


def started_backend(workers: int | None, dask: Any = None) -> Backend:
    """``make_backend``, with local worker processes already starting."""
    backend = make_backend(workers, dask)
    return backend.start() if isinstance(backend, ProcessBackend) else backend


def parallel_runs(backend: Backend) -> int:
    """How many runs a backend has side by side on this machine (0: on other machines)."""
    if isinstance(backend, ProcessBackend):
        return backend.workers
    return 0 if isinstance(backend, DaskBackend) else 1


def check_code(outcome: dict[str, Any]) -> None:
    """Stop if a worker ran other simulation code than this process has."""
    if outcome.get("code") != simulation_code_hash():
        raise PaysimError(
            "a worker runs different paysim simulation code "
            f"({outcome.get('code')} here {simulation_code_hash()}): install the same version"
        )
