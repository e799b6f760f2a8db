"""Throughput of the pose pipeline on one clip, as ratios that survive a noisy machine.

Measured in one process, one after the other:
1. model only: PoseLandmarker.detect_for_video on frames decoded beforehand
   (same options as the pipeline), the single-core inference rate;
2. the pipeline in one process (decode thread, conversion, athlete choice,
   mask measures): its overhead over (1);
3. the pipeline over all workers: frames per second, real-time factor and
   parallel efficiency = throughput / (workers x rate of (1)).
Peak RSS is the largest resident set of this process or any worker.

Usage: python bench/throughput.py CLIP [--workers N] [--sample 120] [--json]
With --json the last line is one JSON object: fps, realtime_factor,
parallel_efficiency, overhead, peak_rss_mb (and the raw timings).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

from analyzer.io.video import iter_frames, probe
from analyzer.pose.estimator import PoseEstimator, native_logs_silenced, track_frames
from analyzer.pose.extract import ExtractOptions, default_workers, expected_frames, extract_track


def model_only_ms(clip: Path, sample: int, options: ExtractOptions) -> float:
    """Mean ms per frame of bare inference over ``sample`` frames decoded beforehand."""
    frames = []
    for frame in iter_frames(clip, stride=options.stride, max_side=options.max_side):
        frames.append((frame.t_ms, frame.rgb))
        if len(frames) >= sample:
            break
    import mediapipe as mp

    with PoseEstimator(max_people=options.max_people, segmentation=options.segmentation) as estimator:
        landmarker = estimator._landmarker  # noqa: SLF001 (timing the bare call is the point here)
        images = [mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)) for _, rgb in frames]
        with native_logs_silenced():
            landmarker.detect_for_video(images[0], 0)  # warm-up (first call allocates)
            start = time.perf_counter()
            for i, image in enumerate(images[1:], start=1):
                landmarker.detect_for_video(image, int(frames[i][0]) + 1)
            elapsed = time.perf_counter() - start
    return 1000.0 * elapsed / (len(images) - 1)


def serial_ms(clip: Path, sample_s: float, options: ExtractOptions, size: tuple[int, int]) -> float:
    """ms per frame of the whole per-frame pipeline in one process (model already loaded)."""
    frames = (
        (f.t_ms, f.rgb)
        for f in iter_frames(clip, stride=options.stride, end_ms=sample_s * 1000.0, max_side=options.max_side)
    )
    with PoseEstimator(max_people=options.max_people, segmentation=options.segmentation) as estimator:
        start = time.perf_counter()
        track = track_frames(frames, estimator, size)
        elapsed = time.perf_counter() - start
    return 1000.0 * elapsed / max(1, len(track))


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

    model_ms = model_only_ms(args.clip, args.sample, options)
    sample_s = min(info.duration_s, args.sample * args.stride / max(info.fps, 1e-6))
    per_frame_ms = serial_ms(args.clip, sample_s, options, (info.width, info.height))
    wall, n_frames = pipeline_seconds(args.clip, args.workers, options)
    fps = n_frames / wall
    result = {
        "clip": args.clip.name,
        "frames": n_frames,
        "expected_frames": expected_frames(info, options),
        "workers": args.workers,
        "model_ms_per_frame": round(model_ms, 2),
        "serial_pipeline_ms_per_frame": round(per_frame_ms, 2),
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
