"""Worker processes shared by the parallel stages (pose extraction, video rendering).

* :func:`worker_pool` starts a spawn-context process pool whose workers all run :func:`init_worker`:
  they die with their parent (Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere a thread
  polling ``os.getppid()``), ignore SIGINT (Ctrl-C is the parent's to handle: it terminates them),
  and get the progress queue, which :func:`report` puts frame counts on and :func:`drain` reads.
* On any exception leaving the pool (an error, ``KeyboardInterrupt``, a cancel) the workers are
  terminated at once instead of being waited for.

PR_SET_PDEATHSIG fires when the *thread* that started the worker ends: the pool must be used (its
tasks submitted) from one thread that outlives it, as :func:`worker_pool`'s ``with`` block does.
Standard library only: every stage may import this module.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1
PARENT_POLL_S = 0.5

_progress_queue: object | None = None


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


def init_worker(parent_pid: int, progress_queue: object | None = None) -> None:
    """Initializer of every formcheck worker process (see the module docstring)."""
    global _progress_queue
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _progress_queue = progress_queue


def report(frames: int) -> None:
    """In a worker: ``frames`` more frames done (nothing if the pool reports no progress)."""
    if frames and _progress_queue is not None:
        _progress_queue.put(frames)  # type: ignore[attr-defined]


class ToParent:
    """A picklable stand-in for a queue, for tasks that take one: ``put(n)`` is :func:`report`."""

    def put(self, frames: int) -> None:
        report(frames)


def drain(q: object | None, timeout: float) -> int:
    """In the parent: frames reported by the workers since the last call (waits up to ``timeout``)."""
    if q is None:
        time.sleep(timeout)
        return 0
    total = 0
    try:
        total += q.get(timeout=timeout)  # type: ignore[attr-defined]
        while True:
            total += q.get_nowait()  # type: ignore[attr-defined]
    except queue.Empty:
        return total


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


@contextmanager
def worker_pool(n: int, *, progress: bool = True) -> Iterator[tuple[ProcessPoolExecutor, object | None]]:
    """``(pool, progress queue or None)``: ``n`` spawned workers, terminated if the block raises."""
    context = multiprocessing.get_context("spawn")  # no MediaPipe, decoder or thread state inherited
    q = context.Queue() if progress else None
    pool = ProcessPoolExecutor(n, mp_context=context, initializer=init_worker, initargs=(os.getpid(), q))
    try:
        yield pool, q
    except BaseException:
        terminate(pool)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        if q is not None:
            q.close()  # type: ignore[attr-defined]
            q.cancel_join_thread()  # type: ignore[attr-defined]
