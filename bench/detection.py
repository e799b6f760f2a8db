"""Does formcheck find the athlete wherever bare MediaPipe finds a person? (issue 15, deliverable 7)

On every Nth frame of each clip, compares:
* bare: the same model with nothing of formcheck's around it, at the clip's full
  resolution, one pose: a fresh IMAGE-mode landmarker (detector on every frame)
  and a VIDEO-mode one fed only these frames; a frame counts as found when
  either finds a pose;
* pipeline: the track ``extract_track`` makes with its default options (all frames,
  scaled, athlete follower, workers), read at the same frames.
Prints per clip and overall the share of frames with a pose for each, and the
frames the pipeline misses while bare finds a pose.

Usage: python bench/detection.py CLIP_OR_FOLDER [--every 5] [--workers N] [--json]
With --json the last line is one JSON object: {"clips": [...], "overall": {...}}.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from analyzer.io.video import iter_frames
from analyzer.pose.extract import ExtractOptions, default_workers, extract_track
from analyzer.pose.landmarker import Landmarker
from analyzer.pose.model import model_path

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"}
# A pipeline frame matches a sampled frame when their timestamps are this close.
SAME_FRAME_MS = 0.5


@dataclass
class ClipDetection:
    clip: str
    frames: int  # sampled frames
    bare: float  # share of sampled frames where bare MediaPipe finds a pose
    pipeline: float  # share where formcheck's track has one
    missed_ms: list[float]  # t_ms of frames bare finds and the pipeline misses


def clips_in(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    return [path]


def bare_found(clip: Path, every: int) -> tuple[np.ndarray, np.ndarray]:
    """(t_ms, found) on every ``every``-th frame at full resolution, by a fresh one-pose model."""
    times, found = [], []
    weights = model_path("full")
    with Landmarker(weights, video=False, num_poses=1) as image_mode, Landmarker(
        weights, video=True, num_poses=1
    ) as video_mode:
        for frame in iter_frames(clip, stride=every):
            times.append(frame.t_ms)
            seen = bool(video_mode.detect(frame.rgb, int(round(frame.t_ms))))
            found.append(seen or bool(image_mode.detect(frame.rgb)))
    return np.array(times), np.array(found, dtype=bool)


def pipeline_found(clip: Path, times: np.ndarray, workers: int) -> np.ndarray:
    """Whether the pipeline's track has a pose at each of ``times``."""
    track = extract_track(clip, workers=workers, options=ExtractOptions())
    index = np.clip(np.searchsorted(track.t_ms, times - SAME_FRAME_MS), 0, len(track) - 1)
    same = np.abs(track.t_ms[index] - times) <= SAME_FRAME_MS
    return same & track.has_pose[index]


def measure(clip: Path, every: int, workers: int) -> ClipDetection:
    times, bare = bare_found(clip, every)
    pipeline = pipeline_found(clip, times, workers)
    n = max(1, len(times))
    return ClipDetection(
        clip=clip.name,
        frames=len(times),
        bare=round(float(bare.sum()) / n, 4),
        pipeline=round(float(pipeline.sum()) / n, 4),
        missed_ms=[round(float(t), 1) for t in times[bare & ~pipeline]],
    )


def overall(results: list[ClipDetection]) -> dict[str, float | int]:
    frames = sum(r.frames for r in results)
    return {
        "frames": frames,
        "bare": round(sum(r.bare * r.frames for r in results) / max(1, frames), 4),
        "pipeline": round(sum(r.pipeline * r.frames for r in results) / max(1, frames), 4),
        "clips_pipeline_below_bare": sum(int(r.pipeline < r.bare) for r in results),
        "missed_frames": sum(len(r.missed_ms) for r in results),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help="a clip or a folder of clips")
    parser.add_argument("--every", type=int, default=5, help="compare on every Nth frame")
    parser.add_argument("--workers", type=int, default=default_workers(), help="pipeline worker processes")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = []
    for clip in clips_in(args.path):
        result = measure(clip, args.every, args.workers)
        results.append(result)
        if not args.json:
            flag = "  <-- below bare" if result.pipeline < result.bare else ""
            print(f"{result.clip:32} frames {result.frames:4}  bare {result.bare:.3f}  "
                  f"pipeline {result.pipeline:.3f}{flag}", flush=True)
            if result.missed_ms:
                print(f"{'':32} missed at t_ms {result.missed_ms}", flush=True)
    summary = overall(results)
    if args.json:
        print(json.dumps({"clips": [asdict(r) for r in results], "overall": summary}))
    else:
        print("overall", " ".join(f"{k} {v}" for k, v in summary.items()))


if __name__ == "__main__":
    sys.exit(main())
