"""Worker processes shared by the parallel stages (pose extraction, video rendering).

* :class:`WorkerPool` holds spawn-context worker processes that all run :func:`init_worker`: they die
  with their parent (Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere a thread polling
  ``os.getppid()``), ignore SIGINT (Ctrl-C is the parent's to handle: it terminates them), and may warm
  up once (import MediaPipe, load the model) so that a pool kept for a server's lifetime makes no upload
  pay start-up. :meth:`WorkerPool.run` runs one caller's tasks; several callers may share a pool at once.
* Each run has its own id: workers tag their frame counts with it (:func:`report`) on the pool's one
  progress channel, so two uploads' progress never mix, and a run that stops (cancelled, failed) marks
  its id so that its tasks still running end at their next frame (:func:`stop_requested`) while other
  runs' tasks go on.
* A worker that dies (killed, out of memory) breaks the pool: it is replaced and the run tried once more.
* :func:`run_tasks` uses the pool the caller put in use (:func:`pool_in_use`, the app's warm pool), else
  one for this run only, terminated on an error or Ctrl-C (the CLI's).

PR_SET_PDEATHSIG fires when the *thread* that started the worker ends: every process of a pool is
started from the pool's own owner thread, which lives as long as the pool.
Standard library only: every stage may import this module.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any

PR_SET_PDEATHSIG = 1
PARENT_POLL_S = 0.5
# How often a run looks at its tasks, its progress and its caller's cancel.
RUN_POLL_S = 0.2
# Workers report progress in batches to keep the channel quiet.
PROGRESS_BATCH = 10
# Stop marks kept per pool: run ``r`` is stopped when slot ``r % STOP_SLOTS`` holds ``r``.
STOP_SLOTS = 1024
# A run whose pool broke (a worker died) is tried this many more times on a new pool.
RETRIES_AFTER_DEATH = 1

# In a worker: the pool's progress channel, its stop marks, and the run the current task belongs to.
_channel: Any = None
_stops: Any = None
_run_id = 0

WarmUp = Callable[[], None]


class Cancelled(Exception):
    """The caller asked to stop; nothing was written."""


class WorkerDied(RuntimeError):
    """A worker process ended in the middle of a task (killed, out of memory), again after a retry."""


def default_workers() -> int:
    """The cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except OSError:
            pass

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="formcheck-parent-watch", daemon=True).start()


def init_worker(parent_pid: int, channel: Any, stops: Any, warm_up: WarmUp | None) -> None:
    """Initializer of every formcheck worker process (see the module docstring)."""
    global _channel, _stops
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _channel, _stops = channel, stops
    if warm_up is not None:
        try:
            warm_up()
        except Exception:  # noqa: BLE001 - only a head start: the task meets the same error and reports it
            pass


def _run_task(run_id: int, fn: Callable[..., Any], args: Sequence[Any]) -> Any:
    """In a worker: one task of run ``run_id`` (which its reports and stop checks refer to)."""
    global _run_id
    _run_id = run_id
    return fn(*args)


def report(frames: int) -> None:
    """In a worker: ``frames`` more frames done for the current task's run."""
    if frames and _channel is not None:
        _channel.put((_run_id, frames))


def stop_requested() -> bool:
    """In a worker: the current task's run was stopped (cancelled or failed): end the task now."""
    return _stops is not None and _stops[_run_id % STOP_SLOTS] == _run_id


class FrameCounter:
    """In a worker: :func:`report` frames in batches of ``PROGRESS_BATCH`` (:meth:`flush` the rest), and end
    the task with :class:`Cancelled` once its run has stopped, so that it frees its worker for other runs."""

    def __init__(self) -> None:
        self.pending = 0

    def tick(self) -> None:
        if stop_requested():
            raise Cancelled()
        self.pending += 1
        if self.pending == PROGRESS_BATCH:
            self.flush()

    def flush(self) -> None:
        report(self.pending)
        self.pending = 0


def _pid_of_worker() -> int:
    return os.getpid()


def terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the worker processes now (cancelling futures only stops tasks that have not started)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=1.0)
        if process.is_alive():
            process.kill()
            process.join(timeout=1.0)


@dataclass
class _Generation:
    """One set of worker processes with their progress channel and stop marks (replaced when broken)."""

    executor: ProcessPoolExecutor
    channel: Any  # a SimpleQueue: a put is in the pipe before the task's result is sent
    stops: Any  # a shared array of run ids (see STOP_SLOTS)


class WorkerPool:
    """``size`` worker processes, started on first use (or :meth:`start`) and kept until :meth:`close`.

    Thread-safe: several threads may :meth:`run` at once; their tasks share the workers first come,
    first served. As a context manager it is one caller's pool: closed at the end of the block, its
    workers terminated at once if the block raises.
    """

    def __init__(self, size: int, warm_up: WarmUp | None = None) -> None:
        self.size = max(1, size)
        self._warm_up = warm_up
        self._owner = ThreadPoolExecutor(1, thread_name_prefix="formcheck-worker-owner")
        self._lock = threading.Lock()
        self._run_ids = itertools.count(1)
        self._frames: dict[int, int] = {}
        self._generation: _Generation | None = None
        self._closed = False

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close(wait=kind is None)

    def start(self) -> None:
        """Start the workers now (they warm up in the background) rather than at the first run."""
        self._current()

    def pids(self) -> list[int]:
        """The worker processes' ids (none before the first start)."""
        with self._lock:
            generation = self._generation
        return sorted(getattr(generation.executor, "_processes", None) or {}) if generation else []

    def close(self, wait: bool = False) -> None:
        """End the workers: after their tasks (``wait``) or terminated now. The pool cannot be used again."""
        with self._lock:
            self._closed, generation, self._generation = True, self._generation, None
        if generation is not None and wait:
            generation.executor.shutdown(wait=True)
        elif generation is not None:
            terminate(generation.executor)
        self._owner.shutdown(wait=False)

    def run(
        self,
        fn: Callable[..., Any],
        arg_lists: Sequence[Sequence[Any]],
        *,
        on_frames: Callable[[int], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[Any]:
        """``[fn(*args) for args in arg_lists]`` over the workers, in order; ``on_frames(done)`` with the
        frames this run's tasks reported so far. Raises :class:`Cancelled` when ``should_cancel()`` turns
        true, a task's error as soon as it happens, :class:`WorkerDied` when a worker died twice."""
        for _attempt in range(1 + RETRIES_AFTER_DEATH):
            generation = self._current()
            try:
                return self._run_once(generation, fn, arg_lists, on_frames, should_cancel)
            except BrokenProcessPool:
                self._replace(generation)
        raise WorkerDied("A worker process ended in the middle of its work (killed, or out of memory?), twice.")

    def _current(self) -> _Generation:
        with self._lock:
            if self._closed:
                raise RuntimeError("this worker pool is closed")
            if self._generation is None:
                spawning = self._owner.submit(self._spawn)
                try:
                    self._generation = spawning.result()
                except BaseException:  # Ctrl-C while waiting: the workers being started must not outlive it
                    spawning.add_done_callback(_end_spawned)
                    raise
            return self._generation

    def _spawn(self) -> _Generation:
        """On the owner thread: a new set of workers, every one started now (each submit while none is idle
        starts one more), so that none is ever started by another thread (see the module docstring)."""
        context = multiprocessing.get_context("spawn")  # no MediaPipe, decoder or thread state inherited
        channel, stops = context.SimpleQueue(), context.RawArray("q", STOP_SLOTS)
        executor = ProcessPoolExecutor(
            self.size, mp_context=context, initializer=init_worker,
            initargs=(os.getpid(), channel, stops, self._warm_up),
        )
        for _ in range(self.size):
            executor.submit(_pid_of_worker)
        return _Generation(executor, channel, stops)

    def _replace(self, broken: _Generation) -> None:
        """Drop a broken set of workers (once, whichever of its runs notices first)."""
        with self._lock:
            if self._generation is not broken:
                return
            self._generation = None
        terminate(broken.executor)

    def _run_once(
        self,
        generation: _Generation,
        fn: Callable[..., Any],
        arg_lists: Sequence[Sequence[Any]],
        on_frames: Callable[[int], None] | None,
        should_cancel: Callable[[], bool] | None,
    ) -> list[Any]:
        with self._lock:
            run_id = next(self._run_ids)
            self._frames[run_id] = 0
        futures: list[Future[Any]] = []
        try:
            futures = [generation.executor.submit(_run_task, run_id, fn, args) for args in arg_lists]
            pending: set[Future[Any]] = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=RUN_POLL_S, return_when=FIRST_COMPLETED)
                self._tell(generation, run_id, on_frames)
                if should_cancel is not None and should_cancel():
                    raise Cancelled()
                for future in finished:
                    future.result()  # a task's error ends the run at once
            self._tell(generation, run_id, on_frames)  # every put is in: each task's result came after it
            return [future.result() for future in futures]
        except BaseException:
            generation.stops[run_id % STOP_SLOTS] = run_id
            for future in futures:
                future.cancel()
            raise
        finally:
            with self._lock:
                self._frames.pop(run_id, None)

    def _tell(self, generation: _Generation, run_id: int, on_frames: Callable[[int], None] | None) -> None:
        """Share out what the workers reported among the runs, then tell this run its own count."""
        with self._lock:
            while not generation.channel.empty():
                tagged, frames = generation.channel.get()
                if tagged in self._frames:
                    self._frames[tagged] += frames
            done = self._frames[run_id]
        if on_frames is not None:
            on_frames(done)


def _end_spawned(spawning: Future[_Generation]) -> None:
    """Terminate the workers of a start nobody waits for any more."""
    if not spawning.cancelled() and spawning.exception() is None:
        terminate(spawning.result().executor)


_pool_in_use: ContextVar[WorkerPool | None] = ContextVar("formcheck_worker_pool", default=None)


@contextmanager
def pool_in_use(pool: WorkerPool | None) -> Iterator[None]:
    """Within the block (this thread, this context), :func:`run_tasks` runs on ``pool``."""
    token = _pool_in_use.set(pool)
    try:
        yield
    finally:
        _pool_in_use.reset(token)


def current_pool() -> WorkerPool | None:
    """The pool put in use around this call, if any."""
    return _pool_in_use.get()


def run_tasks(
    fn: Callable[..., Any],
    arg_lists: Sequence[Sequence[Any]],
    *,
    on_frames: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> list[Any]:
    """:meth:`WorkerPool.run` on the pool in use, else on a pool of one worker per task for this run only."""
    shared = current_pool()
    if shared is not None:
        return shared.run(fn, arg_lists, on_frames=on_frames, should_cancel=should_cancel)
    with WorkerPool(len(arg_lists)) as own:
        return own.run(fn, arg_lists, on_frames=on_frames, should_cancel=should_cancel)
