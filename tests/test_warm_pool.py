"""The warm worker pool the app keeps (analyzer.workers.WorkerPool): its workers serve every analysis, each
run gets its own progress and its own cancel, and a worker that dies is replaced without spoiling later runs.

Stand-in tasks (a counted loop) test the pool itself; the real pose model checks that analyses run in warm
workers, one after the other or at once, give exactly the serial result.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from analyzer.pose.extract import ExtractOptions, extract_track
from analyzer.track import PoseTrack
from analyzer.workers import Cancelled, FrameCounter, WorkerDied, WorkerPool, current_pool, pool_in_use
from tests.helpers.paths import shared_clip
from webapp.state import AnalysisPool, Job

CLIP = "formfit__deadlift.mp4"
FRAME_S = 0.01  # a stand-in frame


def count_frames(n: int, pause_s: float = FRAME_S) -> tuple[int, int]:
    """A stand-in chunk: ``n`` frames, reported and stoppable as a real one; (n, the worker's pid)."""
    counter = FrameCounter()
    for _ in range(n):
        time.sleep(pause_s)
        counter.tick()
    counter.flush()
    return n, os.getpid()


def die() -> None:
    """A task whose worker is killed (out of memory, a crash in native code)."""
    os.kill(os.getpid(), signal.SIGKILL)


def _until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    made = WorkerPool(2)
    yield made
    made.close()


class Run:
    """One caller's run on a thread of its own: its progress as reported, its result or error, its cancel."""

    def __init__(self, pool: WorkerPool, frames: list[int], threads: ThreadPoolExecutor) -> None:
        self.seen: list[int] = []
        self.stop = threading.Event()
        self.future = threads.submit(
            pool.run, count_frames, [(n,) for n in frames], on_frames=self.seen.append, should_cancel=self.stop.is_set
        )


def test_the_same_workers_serve_one_run_after_another(pool: WorkerPool) -> None:
    pool.start()
    started = pool.pids()
    first = pool.run(count_frames, [(5,), (5,)])
    second = pool.run(count_frames, [(5,), (5,)])
    assert len(started) == 2
    assert {pid for _, pid in first + second} <= set(started)
    assert pool.pids() == started


def test_two_runs_at_once_each_get_their_own_progress(pool: WorkerPool) -> None:
    with ThreadPoolExecutor(2) as threads:
        short, long = Run(pool, [30], threads), Run(pool, [40, 45], threads)
        assert [n for n, _ in short.future.result(timeout=120)] == [30]
        assert [n for n, _ in long.future.result(timeout=120)] == [40, 45]
    assert short.seen[-1] == 30 and long.seen[-1] == 85
    assert short.seen == sorted(short.seen) and long.seen == sorted(long.seen)


def test_cancelling_one_run_leaves_the_other_to_finish(pool: WorkerPool) -> None:
    with ThreadPoolExecutor(2) as threads:
        cancelled, other = Run(pool, [5000], threads), Run(pool, [300], threads)
        _until(lambda: bool(cancelled.seen and cancelled.seen[-1]), "the first run's progress")
        cancelled.stop.set()
        with pytest.raises(Cancelled):
            cancelled.future.result(timeout=60)
        assert [n for n, _ in other.future.result(timeout=120)] == [300]
    assert other.seen[-1] == 300
    # the cancelled task stopped at its next frame: both workers are free for the next run
    assert [n for n, _ in pool.run(count_frames, [(5,), (5,)])] == [5, 5]


def test_a_worker_killed_mid_run_is_replaced_and_the_run_tried_again(pool: WorkerPool) -> None:
    with ThreadPoolExecutor(1) as threads:
        run = Run(pool, [200, 200], threads)
        _until(lambda: bool(run.seen and run.seen[-1]), "the run's progress")
        before = pool.pids()
        os.kill(before[0], signal.SIGKILL)
        assert [n for n, _ in run.future.result(timeout=120)] == [200, 200]
    assert pool.pids() and before[0] not in pool.pids()
    assert [n for n, _ in pool.run(count_frames, [(5,), (5,)])] == [5, 5]


def test_a_task_that_kills_its_worker_every_time_fails_and_the_next_run_succeeds(pool: WorkerPool) -> None:
    with pytest.raises(WorkerDied):
        pool.run(die, [()])
    assert [n for n, _ in pool.run(count_frames, [(5,), (5,)])] == [5, 5]


def test_the_apps_jobs_run_on_its_warm_pool(pool: WorkerPool) -> None:
    jobs = AnalysisPool(slots=2, cores=2, workers=pool)
    try:
        job: Job = jobs.submit("key", lambda _job: current_pool())
        assert job.future.result(timeout=30) is pool
    finally:
        jobs._executor.shutdown(wait=True)
    assert current_pool() is None  # the pool is in use inside the job only


# -- the real pose model -------------------------------------------------------------------------------
def _extract(clip: object, options: ExtractOptions, pool: WorkerPool | None, seen: list[tuple[int, int]]) -> PoseTrack:
    with pool_in_use(pool):
        return extract_track(clip, workers=1, options=options, progress=lambda done, total: seen.append((done, total)))


def _assert_same(track: PoseTrack, serial: PoseTrack) -> None:
    np.testing.assert_array_equal(track.t_ms, serial.t_ms)
    np.testing.assert_array_equal(track.image, serial.image)
    np.testing.assert_array_equal(track.visibility, serial.visibility)


@pytest.mark.clips
@pytest.mark.slow
def test_analyses_in_warm_workers_equal_serial_runs_one_after_another_or_at_once(pool: WorkerPool) -> None:
    clip = shared_clip(CLIP)
    options = [ExtractOptions(segmentation=False, stride=stride) for stride in (4, 5)]
    serial = [_extract(clip, o, None, []) for o in options]
    pool.start()
    workers = pool.pids()
    seen: list[list[tuple[int, int]]] = [[], []]
    with ThreadPoolExecutor(2) as threads:
        together = list(threads.map(lambda k: _extract(clip, options[k], pool, seen[k]), range(2)))
    again = _extract(clip, options[0], pool, [])
    for track, expected in zip([*together, again], [*serial, serial[0]]):
        _assert_same(track, expected)
    assert pool.pids() == workers  # no worker was started for the later analyses
    for progress, expected in zip(seen, serial):
        assert progress[0][0] == 0  # reported before the first frame was done
        assert progress[-1][0] == len(expected)
