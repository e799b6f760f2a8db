"""Ray: a runtime to run on, one actor a core, and tasks handed to whichever actor is free.

Ray is imported here only, when a batch starts (``formcheck[scale]``); nothing else in formcheck
needs it. Each actor has one task at a time, so a worker that dies (killed, out of memory, its node
gone) takes one task with it: that task is handed to a new actor, up to MAX_ATTEMPTS times.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from analyzer.batch.tasks import PoseWorker

# A task whose worker died this many times is recorded as failed (a clip that kills its worker,
# say by running it out of memory, must not stop the batch).
MAX_ATTEMPTS = 3
INSTALL_HINT = "Ray is not installed: pip install 'formcheck[scale]' (or run 'make test' once)."


class ClusterError(RuntimeError):
    """No Ray runtime to run on; ``str()`` says what to do."""


@dataclass(frozen=True)
class Work:
    """A call on a worker: ``method`` with ``args``; ``key`` is the caller's to match results."""

    key: object
    method: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class WorkerLost:
    """What a task gives back when its worker died MAX_ATTEMPTS times, or when it raised."""

    message: str


def _ray() -> Any:
    try:
        import ray  # the optional extra: imported only when a batch runs
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None
    return ray


@contextlib.contextmanager
def connected(address: str | None) -> Iterator[int]:
    """Ray for the block, and how many cores it has: an existing cluster at ``address``, else a
    runtime of this machine's own (left as found: one already running in this process is kept)."""
    ray = _ray()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(
                address=address or "local", include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                configure_logging=False,
            )
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise ClusterError(f"Cannot reach the Ray cluster at {address} ({exc}): check the address.") from None
    try:
        yield max(1, int(ray.cluster_resources().get("CPU", 1)))
    finally:
        if started:
            ray.shutdown()


class Pool:
    """``size`` PoseWorker actors (one CPU each) taking queued work; results come back as they finish.

    ``on_assigned(actor, work)`` is called as an actor is handed a task (a display, a fault test).
    """

    def __init__(self, size: int, on_assigned: Callable[[Any, Work], None] | None = None) -> None:
        self._ray = _ray()
        self._actor_class = self._ray.remote(num_cpus=1)(PoseWorker)
        self._idle = [self._actor_class.remote() for _ in range(size)]
        self._queue: deque[Work] = deque()
        self._running: dict[Any, tuple[Any, Work]] = {}
        self._attempts: dict[object, int] = {}
        self._on_assigned = on_assigned

    @property
    def size(self) -> int:
        return len(self._idle) + len(self._running)

    @property
    def pending(self) -> bool:
        return bool(self._queue or self._running)

    def submit(self, work: Work) -> None:
        self._queue.append(work)

    def submit_first(self, work: Work) -> None:
        """Ahead of the queue: a clip already begun finishes before new ones start."""
        self._queue.appendleft(work)

    def next_result(self) -> tuple[Work, Any]:
        """The next finished task and its result (a WorkerLost when it could not be run)."""
        while True:
            self._hand_out()
            ready, _ = self._ray.wait(list(self._running), num_returns=1)
            actor, work = self._running.pop(ready[0])
            try:
                result = self._ray.get(ready[0])
            except self._ray.exceptions.RayActorError as exc:
                self._idle.append(self._actor_class.remote())  # its replacement
                self._attempts[work.key] = attempts = self._attempts.get(work.key, 0) + 1
                if attempts < MAX_ATTEMPTS:
                    self._queue.appendleft(work)
                    continue
                why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                return work, WorkerLost(f"its worker died {attempts} times, last: {why}")
            except self._ray.exceptions.RayTaskError as exc:
                self._idle.append(actor)
                cause = exc.cause if isinstance(exc.cause, BaseException) else exc
                return work, WorkerLost(f"internal error ({type(cause).__name__}: {cause}); report it.")
            self._idle.append(actor)
            return work, result

    def _hand_out(self) -> None:
        while self._queue and self._idle:
            actor, work = self._idle.pop(), self._queue.popleft()
            self._running[getattr(actor, work.method).remote(*work.args)] = (actor, work)
            if self._on_assigned is not None:
                self._on_assigned(actor, work)

    def close(self) -> None:
        for actor in [*self._idle, *(a for a, _ in self._running.values())]:
            self._ray.kill(actor)
        self._idle, self._running = [], {}
