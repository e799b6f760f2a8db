"""Throughput of the pose pipeline on one clip, as ratios that survive a noisy machine.

Measured in one process, one after the other:
1. model only: the least any pipeline must spend, a one-pose VIDEO-mode
   PoseLandmarker without segmentation mask on frames decoded beforehand, the
   single-core inference rate; measured first and again last, and the mean taken,
   so that a machine that speeds up or slows down during the run (other people's
   work) moves the limit with the runs compared with it (both are reported);
2. the pipeline in one process (decode thread, conversion, the athlete checks
   and re-detections, segmentation mask and its measures): its overhead over (1),
   and its CPU time a frame (all threads), and that of decoding and converting
   alone (CPU time hardly moves when other people's work slows the wall clock);
3. the pipeline over all workers: frames per second, real-time factor and
   parallel efficiency = throughput / (workers x rate of (1)).
Peak RSS is the largest resident set of this process or any worker.

Usage: python bench/throughput.py CLIP [--workers N] [--sample 120] [--json]
With --json the last line is one JSON object: fps, realtime_factor,
parallel_efficiency, overhead, peak_rss_mb (and the raw timings, model_ms_first_last among them).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from analyzer.io.video import iter_frames, probe
from analyzer.pose.estimator import PoseEstimator, track_frames
from analyzer.pose.extract import ExtractOptions, default_workers, expected_frames, extract_track
from analyzer.pose.landmarker import Landmarker
from analyzer.pose.model import model_path


def model_only_ms(clip: Path, sample: int, options: ExtractOptions) -> float:
    """Mean ms per frame of bare one-pose inference over ``sample`` frames decoded beforehand."""
    frames = []
    for frame in iter_frames(clip, stride=options.stride, max_side=options.max_side):
        frames.append((int(frame.t_ms), frame.rgb))
        if len(frames) >= sample:
            break
    with Landmarker(model_path(options.model), video=True, num_poses=1) as landmarker:
        landmarker.detect(frames[0][1], 0)  # warm-up (first call allocates)
        start = time.perf_counter()
        for t_ms, rgb in frames[1:]:
            landmarker.detect(rgb, t_ms + 1)
        elapsed = time.perf_counter() - start
    return 1000.0 * elapsed / (len(frames) - 1)


def serial_ms(clip: Path, sample_s: float, options: ExtractOptions, size: tuple[int, int]) -> tuple[float, float]:
    """ms per frame of the whole per-frame pipeline in one process (model already loaded): wall, CPU."""
    frames = (
        (f.t_ms, f.rgb)
        for f in iter_frames(clip, stride=options.stride, end_ms=sample_s * 1000.0, max_side=options.max_side)
    )
    weights = model_path(options.model)
    with PoseEstimator(weights, max_people=options.max_people, segmentation=options.segmentation) as estimator:
        start, start_cpu = time.perf_counter(), cpu_s()
        track = track_frames(frames, estimator, size)
        elapsed, cpu = time.perf_counter() - start, cpu_s() - start_cpu
    n = max(1, len(track))
    return 1000.0 * elapsed / n, 1000.0 * cpu / n


def cpu_s() -> float:
    """CPU seconds of this process, all threads: unlike wall time, barely moved by other people's work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def decode_cpu_ms(clip: Path, sample: int, options: ExtractOptions) -> float:
    """CPU ms per frame of decoding and converting alone (``iter_frames``, its thread included)."""
    start, n = cpu_s(), 0
    for _ in iter_frames(clip, stride=options.stride, max_side=options.max_side):
        n += 1
        if n >= sample:
            break
    return 1000.0 * (cpu_s() - start) / max(1, n)


def pipeline_seconds(clip: Path, workers: int, options: ExtractOptions) -> tuple[float, int]:
    start = time.perf_counter()
    track = extract_track(clip, workers=workers, options=options)
    return time.perf_counter() - start, len(track)


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0  # Linux reports KiB


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", type=Path)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--sample", type=int, default=120, help="frames for the model-only and serial runs")
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--no-segmentation", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    options = ExtractOptions(stride=args.stride, segmentation=not args.no_segmentation)
    info = probe(args.clip)

    model_before = model_only_ms(args.clip, args.sample, options)
    sample_s = min(info.duration_s, args.sample * args.stride / max(info.fps, 1e-6))
    per_frame_ms, per_frame_cpu_ms = serial_ms(args.clip, sample_s, options, (info.width, info.height))
    decode_ms = decode_cpu_ms(args.clip, args.sample, options)
    wall, n_frames = pipeline_seconds(args.clip, args.workers, options)
    model_after = model_only_ms(args.clip, args.sample, options)
    model_ms = (model_before + model_after) / 2.0  # the limit on both sides of the runs it is compared with
    fps = n_frames / wall
    result = {
        "clip": args.clip.name,
        "frames": n_frames,
        "expected_frames": expected_frames(info, options),
        "workers": args.workers,
        "model_ms_per_frame": round(model_ms, 2),
        "model_ms_first_last": [round(model_before, 2), round(model_after, 2)],
        "serial_pipeline_ms_per_frame": round(per_frame_ms, 2),
        "serial_pipeline_cpu_ms_per_frame": round(per_frame_cpu_ms, 2),
        "decode_convert_cpu_ms_per_frame": round(decode_ms, 2),
        "wall_s": round(wall, 2),
        "fps": round(fps, 2),
        "realtime_factor": round(info.duration_s / wall, 3),
        "parallel_efficiency": round(fps / (args.workers * 1000.0 / model_ms), 3),
        "overhead": round(per_frame_ms / model_ms - 1.0, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:30} {value}")


if __name__ == "__main__":
    sys.exit(main())
