"""What the spine path adds to a frame's cost, as a share of the bare pose model's (issue 16: at most 15 %).

The spine path is everything a frame costs only because a spine check may read it: MediaPipe's
segmentation mask, its copy out of MediaPipe, the back's outline (analyzer.pose.back_outline) and the
spine estimator (analyzer.pose.spine). Measured in one process on the same frames, decoded beforehand,
in alternating rounds so that a machine that slows down or speeds up moves every run alike:
1. the bare model: a one-pose VIDEO-mode PoseLandmarker without mask;
2. the pose estimator without the mask (the tracker, the periodic look at everyone in view, the picture's
   measures);
3. the same with the mask, so with the outline and the estimator.
CPU time of the process (all threads: MediaPipe works in its own), so other people's work on the
machine barely moves it. Spine share = (3 - 2) / 1. The estimator measures the back's shape about 15 times a
second (analyzer.pose.estimator.SHAPE_MAX_GAP_MS): a 30 fps clip pays the outline and the net on every other
frame, a 24 fps one on every frame; MediaPipe's mask is paid on every frame either way.

Usage: python bench/spine_cost.py CLIP [--frames 300] [--rounds 2] [--json]
With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
from collections.abc import Callable
from pathlib import Path

import numpy as np

from analyzer.io.video import iter_frames
from analyzer.pose.estimator import PoseEstimator, track_frames
from analyzer.pose.extract import ExtractOptions
from analyzer.pose.landmarker import Landmarker
from analyzer.pose.model import model_path

Frames = list[tuple[float, np.ndarray]]


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_ms_per_frame(run: Callable[[], None], frames: int) -> float:
    start = cpu_s()
    run()
    return 1000.0 * (cpu_s() - start) / frames


def bare_model(frames: Frames) -> None:
    with Landmarker(model_path("full"), video=True, num_poses=1) as landmarker:
        for i, (t_ms, rgb) in enumerate(frames):
            landmarker.detect(rgb, int(t_ms) + i)


def estimator(frames: Frames, segmentation: bool) -> None:
    with PoseEstimator(model_path("full"), segmentation=segmentation) as pose:
        track_frames(frames, pose, None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", type=Path)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    max_side = ExtractOptions().max_side
    frames: Frames = []
    for frame in iter_frames(args.clip, max_side=max_side):
        frames.append((frame.t_ms, frame.rgb))
        if len(frames) >= args.frames:
            break
    runs: dict[str, Callable[[], None]] = {
        "model": lambda: bare_model(frames),
        "without_mask": lambda: estimator(frames, segmentation=False),
        "with_mask": lambda: estimator(frames, segmentation=True),
    }
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            timings[name].append(cpu_ms_per_frame(run, len(frames)))
    mean = {name: float(np.mean(values)) for name, values in timings.items()}
    result = {
        "clip": args.clip.name,
        "frames": len(frames),
        "cpu_ms_per_frame": {name: [round(v, 2) for v in values] for name, values in timings.items()},
        "spine_share_of_model": round((mean["with_mask"] - mean["without_mask"]) / mean["model"], 3),
        "estimator_overhead_without_mask": round(mean["without_mask"] / mean["model"] - 1.0, 3),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
