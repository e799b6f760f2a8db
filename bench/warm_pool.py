"""What a warm worker pool saves an upload: time to the first progress report, to the first frames done and
to the result, for a fresh pool (cold) and the same pool's next upload (warm), in one process.

For each clip, one after the other:
1. cold: a new :class:`analyzer.workers.WorkerPool` (as the app holds), started by the analysis itself,
   so the analysis waits for the workers to import MediaPipe and load the model;
2. warm: the next analysis on the same pool, as every upload after the server's first;
3. own pool: the analysis with no pool in use, as ``formcheck analyze`` runs it (a pool of its own for a
   clip of several chunks, this process for a clip of one).
Also printed: the warm workers' resident memory (what keeping them costs while idle).
The machine may be busy with other work: compare the ratios, not the seconds.

Usage: python bench/warm_pool.py CLIP [CLIP ...] [--workers N] [--exercise auto]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from analyzer.pipeline import run_analysis
from analyzer.pose.extract import prepare_worker
from analyzer.workers import WorkerPool, default_workers, pool_in_use


@dataclass
class Timing:
    """Seconds from the call: to the first progress report, to the first frames done, to the result."""

    first_report: float
    first_frames: float
    result: float

    def line(self, label: str) -> str:
        return (f"  {label:<9} first report {self.first_report:6.2f} s   first frames {self.first_frames:6.2f} s"
                f"   result {self.result:6.2f} s")


def timed_analysis(clip: Path, exercise: str, workers: int, pool: WorkerPool | None) -> Timing:
    """One analysis of ``clip`` (on ``pool`` if given), timed from the call."""
    start = time.perf_counter()
    seen: dict[str, float] = {}

    def progress(done: int, _total: int) -> None:
        now = time.perf_counter() - start
        seen.setdefault("report", now)
        if done:
            seen.setdefault("frames", now)

    with pool_in_use(pool):
        run_analysis(clip, exercise, workers=workers, progress=progress)
    end = time.perf_counter() - start
    return Timing(seen.get("report", end), seen.get("frames", end), end)


def resident_mb(pid: int) -> float:
    """A process's resident memory (Linux /proc), in MiB; 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:5.1f}x" if fast > 0 else "  n/a"


def bench_clip(clip: Path, exercise: str, workers: int) -> None:
    print(f"{clip.name} ({workers} workers)")
    with WorkerPool(workers, warm_up=prepare_worker) as pool:
        cold = timed_analysis(clip, exercise, workers, pool)
        warm = timed_analysis(clip, exercise, workers, pool)
        memory = [resident_mb(pid) for pid in pool.pids()]
    own = timed_analysis(clip, exercise, workers, None)
    print(cold.line("cold"))
    print(warm.line("warm"))
    print(own.line("own pool"))
    print(f"  cold/warm: first frames {ratio(cold.first_frames, warm.first_frames)}, "
          f"result {ratio(cold.result, warm.result)};  own/warm: result {ratio(own.result, warm.result)}")
    print(f"  warm workers' resident memory: {', '.join(f'{mb:.0f}' for mb in memory)} MiB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", type=Path, nargs="+")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--exercise", default="auto")
    args = parser.parse_args(argv)
    for clip in args.clips:
        bench_clip(clip, args.exercise, args.workers)


if __name__ == "__main__":
    main()
