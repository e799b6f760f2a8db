"""Batch throughput on Ray against the single-process rate, both measured in the same run.

1. single process: the clips one after another in this process, each as ``formcheck analyze
   --workers 1`` runs it (one core, one PoseLandmarker at a time), its report folder written;
2. the batch: the same clips through ``formcheck batch``'s runner on a local Ray runtime of
   ``--cores`` CPUs (one actor each), report folders written the same way.
Two efficiencies, each batch against single process:
* wall clock: batch clips/s / (cores x single-process clips/s), the target's measure on a machine
  of one's own. Ray's start-up is timed apart (once a batch); the actors' start-up is inside.
* CPU: single-process CPU seconds a frame / the batch's CPU seconds a frame, the batch's counting
  everything it runs (driver, actors, Ray's own processes: the bench's descendants, sampled every
  SAMPLE_S). On a machine others share, where wall clocks measure the neighbours, this is the
  one that measures the design: at 1.0 the batch wastes nothing, and cores / (its CPU seconds a
  clip) is what it does on free cores.
``--rounds`` alternates the two halves and prints the median round. Last, the steady state, start-up
left out: one clip analysed once in this process and at once on each of ``cores`` warm actors,
CPU seconds a clip and wall seconds (``--steady CLIP``, default the first clip).

Usage: python bench/batch.py [CLIP ...] [--cores 2] [--stride 1] [--rounds 1] [--json]
(default clips: sample_videos/*.mp4). With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ray

from analyzer.batch.runner import Batch
from analyzer.batch.sinks import FolderSink
from analyzer.batch.sources import Clip
from analyzer.batch.tasks import PoseWorker
from analyzer.cli import _write_outputs
from analyzer.pipeline import run_analysis
from analyzer.pose.extract import ExtractOptions

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
SAMPLE_S = 0.2
TICKS = os.sysconf("SC_CLK_TCK")


class DescendantsCpu:
    """CPU seconds this process's descendants spend inside the block (a process that ends between two
    samples loses at most SAMPLE_S of it)."""

    def __enter__(self) -> DescendantsCpu:
        self._start = self._sample()
        self._last: dict[int, float] = dict(self._start)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self._last.update(self._sample())
        self.seconds = sum(cpu - self._start.get(pid, 0.0) for pid, cpu in self._last.items())

    def _watch(self) -> None:
        while not self._done.wait(SAMPLE_S):
            self._last.update(self._sample())

    @staticmethod
    def _sample() -> dict[int, float]:
        """user + system seconds of every descendant, from /proc (Linux)."""
        parent, cpu = {}, {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue  # ended meanwhile
            pid = int(stat.parent.name)
            parent[pid] = int(fields[1])
            cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS
        mine, found = {os.getpid()}, True
        while found:
            new = {pid for pid, ppid in parent.items() if ppid in mine and pid not in mine}
            mine |= new
            found = bool(new)
        return {pid: cpu[pid] for pid in mine - {os.getpid()}}


WRITE = functools.partial(_write_outputs, annotate=False, html=False, workers=1)


def single_process(clips: list[Clip], options: ExtractOptions, out: Path) -> tuple[float, float, int]:
    """(seconds, CPU seconds, frames) for the clips one after another in this process."""
    start, cpu, frames = time.perf_counter(), time.process_time(), 0
    for clip in clips:
        analysis = run_analysis(clip.path, workers=1, options=options)
        WRITE(analysis, clip.path, out / clip.report_folder)
        frames += analysis.report.frames_total
    return time.perf_counter() - start, time.process_time() - cpu, frames


def batch(clips: list[Clip], options: ExtractOptions, out: Path) -> tuple[float, float, int]:
    """(seconds, CPU seconds, frames) for the clips as one batch on the running Ray runtime."""
    cpu = time.process_time()
    with DescendantsCpu() as others:
        summary = Batch(clips, FolderSink(out, WRITE), options=options).run()
    assert summary.failed == 0, [f.message for f in summary.failures]
    return summary.seconds, time.process_time() - cpu + others.seconds, summary.frames


def steady_state(clip: Path, cores: int, options: ExtractOptions) -> dict[str, float]:
    """One warm clip in this process against the same clip at once on each of ``cores`` warm actors."""
    run_analysis(clip, workers=1, options=options)  # warm: imports, first landmarker
    wall, cpu = time.perf_counter(), time.process_time()
    run_analysis(clip, workers=1, options=options)
    single_wall, single_cpu = time.perf_counter() - wall, time.process_time() - cpu
    actors = [ray.remote(num_cpus=1)(PoseWorker).remote() for _ in range(cores)]
    ray.get([a.analyse.remote(clip, "auto", options) for a in actors])  # warm
    wall = time.perf_counter()
    with DescendantsCpu() as used:
        ray.get([a.analyse.remote(clip, "auto", options) for a in actors])
    batch_wall = time.perf_counter() - wall
    for actor in actors:
        ray.kill(actor)
    return {
        "single_cpu_s": round(single_cpu, 2), "single_s": round(single_wall, 2),
        "actor_cpu_s": round(used.seconds / cores, 2), "actors_s": round(batch_wall, 2),
        "cpu_efficiency": round(single_cpu / (used.seconds / cores), 3),
        "efficiency": round(single_wall / batch_wall, 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--steady", type=Path, help="the clip of the steady-state comparison")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    paths = args.clips or sorted(SAMPLES.glob("*.mp4"))
    clips = [Clip(p, p.name) for p in paths]
    options = ExtractOptions(stride=args.stride)

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    start = time.perf_counter()
    ray.init(num_cpus=args.cores, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray_start_s = time.perf_counter() - start
    rounds = []
    try:
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as single_out, tempfile.TemporaryDirectory() as batch_out:
                single_s, single_cpu, frames = single_process(clips, options, Path(single_out))
                load_single = os.getloadavg()[0]
                batch_s, batch_cpu, batch_frames = batch(clips, options, Path(batch_out))
                assert batch_frames == frames, (batch_frames, frames)
            rounds.append({
                "single_s": round(single_s, 2), "batch_s": round(batch_s, 2),
                "single_cpu_s": round(single_cpu, 2), "batch_cpu_s": round(batch_cpu, 2),
                "efficiency": round(single_s / (args.cores * batch_s), 3),
                "cpu_efficiency": round(single_cpu / batch_cpu, 3),
                "load_average": [round(load_single, 1), round(os.getloadavg()[0], 1)],
            })
        steady = steady_state(args.steady or clips[0].path, args.cores, options)
    finally:
        ray.shutdown()

    middle = sorted(rounds, key=lambda r: r["cpu_efficiency"])[len(rounds) // 2]
    single_s, batch_s, batch_cpu = middle["single_s"], middle["batch_s"], middle["batch_cpu_s"]
    result = {
        "clips": len(clips), "frames": frames, "cores": args.cores, "stride": args.stride,
        "ray_start_s": round(ray_start_s, 2), "rounds": rounds,
        "single_clips_per_s": round(len(clips) / single_s, 4), "single_frames_per_s": round(frames / single_s, 2),
        "batch_clips_per_s": round(len(clips) / batch_s, 4), "batch_frames_per_s": round(frames / batch_s, 2),
        "per_core_clips_per_s": round(len(clips) / batch_s / args.cores, 4),
        "per_core_frames_per_s": round(frames / batch_s / args.cores, 2),
        "efficiency": middle["efficiency"], "cpu_efficiency": middle["cpu_efficiency"],
        "batch_cpu_s_per_frame": round(batch_cpu / frames, 4),
        "free_core_frames_per_s": round(frames / batch_cpu, 2),
        "free_core_clips_per_s": round(len(clips) / batch_cpu, 4),
        "steady": steady,
    }
    print(f"{len(clips)} clips, {frames} frames (stride {args.stride}); Ray start-up {ray_start_s:.1f} s, apart")
    for i, r in enumerate(rounds, 1):
        print(
            f"round {i}: single process {r['single_s']:7.1f} s ({frames / r['single_s']:5.1f} frames/s), "
            f"batch on {args.cores} cores {r['batch_s']:7.1f} s ({frames / r['batch_s']:5.1f} frames/s): "
            f"efficiency {r['efficiency']:.2f}; CPU {r['single_cpu_s']:.1f} s vs {r['batch_cpu_s']:.1f} s: "
            f"CPU efficiency {r['cpu_efficiency']:.2f} (load average {r['load_average'][0]} / {r['load_average'][1]})"
        )
    print(
        f"median round: {result['batch_clips_per_s']:.3f} clips/s, {result['batch_frames_per_s']:.1f} frames/s; "
        f"per core {result['per_core_clips_per_s']:.4f} clips/s, {result['per_core_frames_per_s']:.2f} frames/s; "
        f"efficiency {result['efficiency']:.2f}; CPU efficiency {result['cpu_efficiency']:.2f}; "
        f"on a free core {result['free_core_frames_per_s']:.1f} frames/s, {result['free_core_clips_per_s']:.3f} clips/s"
    )
    print(
        f"steady state, one clip: {steady['single_cpu_s']:.1f} CPU s ({steady['single_s']:.1f} s) in this process, "
        f"{steady['actor_cpu_s']:.1f} CPU s a clip on {args.cores} actors at once ({steady['actors_s']:.1f} s): "
        f"CPU efficiency {steady['cpu_efficiency']:.2f}, wall-clock efficiency {steady['efficiency']:.2f}"
    )
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
