"""How well does the pose model see our renders?  ``python -m tools.synth.validate DIR_OR_MP4...``.

Runs MediaPipe's PoseLandmarker (VIDEO mode, the model formcheck ships) over
rendered clips and compares its 2D landmarks with the ground truth, as a
fraction of the true torso length (mid-shoulder to mid-hip, 3D, in pixels at
the hips' depth) so that the figure does not depend on resolution, distance
or how end-on the trunk is seen.  Reports median
and 90th percentile per joint and per camera yaw, and flags clips the model
tracks badly: those must not be used as ground truth for rules.

Only this module needs mediapipe; the generator does not.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from analyzer.landmarks import INDEX, LANDMARK_NAMES

MODEL = Path(__file__).resolve().parents[2] / "analyzer" / "pose" / "models" / "pose_landmarker_full.task"
# Joints that matter to the rules (the face and hands are reported but not judged).
CORE_JOINTS = tuple(f"{s}_{j}" for j in ("shoulder", "hip", "knee", "ankle", "elbow", "wrist") for s in ("left", "right"))
BAD_MEDIAN = 0.15  # median core-joint error (torso lengths) above which a clip is flagged
BAD_P90 = 0.4  # ... and 90th percentile: the model lost the body in a good part of the clip
BAD_MISSING = 0.10  # fraction of frames with no person detected above which a clip is flagged


@dataclass
class ClipResult:
    clip: str
    exercise: str
    yaw_deg: float
    frames: int
    missing: int
    errors: np.ndarray  # (T, 33) in torso lengths, NaN where undetected
    visible: np.ndarray  # (T, 33) bool, ground-truth visibility
    flags: list[str] = field(default_factory=list)

    def core_median(self, visible_only: bool = True, quantile: float = 50.0) -> float:
        """A percentile (default the median) of the core joints' error."""
        idx = [INDEX[n] for n in CORE_JOINTS]
        e = self.errors[:, idx]
        if visible_only:
            e = np.where(self.visible[:, idx], e, np.nan)
        return float(np.nanpercentile(e, quantile)) if np.isfinite(e).any() else float("nan")


def track(path: Path, model: Path = MODEL) -> tuple[np.ndarray, np.ndarray]:
    """Pose model over every frame: (T, 33, 2) normalised x, y (NaN where no person) and (T,) t_ms."""
    import mediapipe as mp
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    options = PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model)),
                                    running_mode=RunningMode.VIDEO, num_poses=1)
    points, times = [], []
    with PoseLandmarker.create_from_options(options) as landmarker, av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_count = 1
        for k, frame in enumerate(container.decode(stream)):
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            t_ms = round(float(frame.time) * 1000) if frame.time is not None else k * 33
            result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), t_ms)
            if result.pose_landmarks:
                points.append([(lm.x, lm.y) for lm in result.pose_landmarks[0]])
            else:
                points.append([(np.nan, np.nan)] * len(LANDMARK_NAMES))
            times.append(t_ms)
    return np.asarray(points, dtype=float), np.asarray(times, dtype=float)


def compare(path: Path) -> ClipResult:
    """Landmark error of one clip against its ground truth JSON (same stem)."""
    truth = json.loads(path.with_suffix(".json").read_text())
    w, h = truth["video"]["width"], truth["video"]["height"]
    gt = np.asarray([f["image"] for f in truth["frames"]], dtype=float)[:, :, :2]
    visible = np.asarray([f["visible"] for f in truth["frames"]], dtype=bool)
    found, _ = track(path)
    n = min(len(gt), len(found))
    gt, found, visible = gt[:n], found[:n], visible[:n]
    scale = np.array([w, h])
    gt_px, found_px = gt * scale, found * scale
    errors = np.linalg.norm(found_px - gt_px, axis=2) / _torso_px(truth, n)[:, None]
    missing = int(np.isnan(found[:, 0, 0]).sum())
    result = ClipResult(path.name, truth["exercise"], float(truth["view"]["yaw_deg"]), n, missing, errors, visible)
    if missing > BAD_MISSING * n:
        result.flags.append(f"no person in {missing}/{n} frames")
    med, p90 = result.core_median(), result.core_median(quantile=90)
    if not med <= BAD_MEDIAN:
        result.flags.append(f"core joints median error {med:.2f} torso lengths")
    if not p90 <= BAD_P90:
        result.flags.append(f"core joints 90th percentile error {p90:.2f} torso lengths")
    if _mirrored(found_px, gt_px):
        result.flags.append("left/right swapped in most frames")
    return result


def _torso_px(truth: dict, n: int) -> np.ndarray:
    """True torso length (3D, mid-shoulder to mid-hip) in pixels at the hips' depth, per frame.

    Not the 2D torso: seen end-on (a plank filmed from the head) that
    shrinks to nothing and would blow every error up.
    """
    world = np.asarray([f["world"] for f in truth["frames"][:n]], dtype=float)
    depth = np.asarray([f["image"] for f in truth["frames"][:n]], dtype=float)[:, :, 2]

    def mid(a: np.ndarray, name: str) -> np.ndarray:
        return (a[:, INDEX[f"left_{name}"]] + a[:, INDEX[f"right_{name}"]]) / 2

    torso_m = np.linalg.norm(mid(world, "shoulder") - mid(world, "hip"), axis=1)
    focal_px = truth["video"]["height"] / (2.0 * np.tan(np.radians(truth["view"]["fov_y_deg"]) / 2.0))
    return focal_px * torso_m / mid(depth[:, :, None], "hip")[:, 0]


def _mirrored(found: np.ndarray, gt: np.ndarray) -> bool:
    """True when the model's left and right legs/arms sit closer to the opposite true side."""
    pairs = [(INDEX[f"left_{j}"], INDEX[f"right_{j}"]) for j in ("knee", "ankle", "elbow", "wrist")]
    straight = sum(np.linalg.norm(found[:, a] - gt[:, a], axis=1) + np.linalg.norm(found[:, b] - gt[:, b], axis=1)
                   for a, b in pairs)
    swapped = sum(np.linalg.norm(found[:, a] - gt[:, b], axis=1) + np.linalg.norm(found[:, b] - gt[:, a], axis=1)
                  for a, b in pairs)
    ok = np.isfinite(straight)
    return bool(ok.any() and np.mean(swapped[ok] < 0.8 * straight[ok]) > 0.5)


def summarise(results: list[ClipResult]) -> dict:
    """Median and 90th percentile error per joint, per yaw bucket and per clip (visible landmarks only)."""
    def stats(e: np.ndarray) -> dict[str, float | None]:
        e = e[np.isfinite(e)]
        if e.size == 0:
            return {"median": None, "p90": None, "n": 0}
        return {"median": round(float(np.median(e)), 4), "p90": round(float(np.percentile(e, 90)), 4), "n": int(e.size)}

    def masked(r: ClipResult, j: int) -> np.ndarray:
        return np.where(r.visible[:, j], r.errors[:, j], np.nan)

    per_joint = {name: stats(np.concatenate([masked(r, j) for r in results])) for j, name in enumerate(LANDMARK_NAMES)}
    core = [INDEX[n] for n in CORE_JOINTS]
    per_yaw: dict[str, dict] = {}
    for bucket in sorted({_yaw_bucket(r.yaw_deg) for r in results}):
        chosen = [r for r in results if _yaw_bucket(r.yaw_deg) == bucket]
        per_yaw[bucket] = {
            "clips": len(chosen),
            "core": stats(np.concatenate([masked(r, j).ravel() for r in chosen for j in core])),
            "core_all": stats(np.concatenate([r.errors[:, j] for r in chosen for j in core])),
            "per_joint": {n: stats(np.concatenate([masked(r, INDEX[n]) for r in chosen])) for n in CORE_JOINTS},
        }
    clips = [
        {"clip": r.clip, "exercise": r.exercise, "yaw_deg": r.yaw_deg, "frames": r.frames, "missing": r.missing,
         "core": stats(np.concatenate([masked(r, j) for j in core])), "flags": r.flags, "usable": not r.flags}
        for r in results
    ]
    return {"unit": "fraction of the true torso length (3D, in pixels at the hips)", "per_joint": per_joint, "per_yaw": per_yaw, "clips": clips}


def _yaw_bucket(yaw: float) -> str:
    lo = int(abs(yaw) // 15 * 15)
    return f"{lo:02d}-{lo + 15:02d}"


def _print(summary: dict) -> None:
    print(f"landmark error, {summary['unit']}; visible landmarks only")
    print(f"{'clip':44s} {'exercise':13s} {'yaw':>5s} {'miss':>5s} {'median':>7s} {'p90':>6s}  flags")
    for c in summary["clips"]:
        s = c["core"]
        print(f"{c['clip']:44s} {c['exercise']:13s} {c['yaw_deg']:5.0f} {c['missing']:5d} "
              f"{_f(s['median'])} {_f(s['p90'], 6)}  {'; '.join(c['flags']) or 'ok'}")
    print("\nper yaw (core joints):")
    for bucket, v in summary["per_yaw"].items():
        print(f"  {bucket:>6s} deg  clips {v['clips']:3d}  median {_f(v['core']['median'])}  p90 {_f(v['core']['p90'])}"
              f"   (hidden joints too: median {_f(v['core_all']['median'])}  p90 {_f(v['core_all']['p90'])})")
    print("\nper joint:")
    for name, s in summary["per_joint"].items():
        print(f"  {name:18s} median {_f(s['median'])}  p90 {_f(s['p90'])}  n {s['n']}")


def _f(x: float | None, width: int = 7) -> str:
    return f"{x:{width}.3f}" if x is not None else " " * (width - 1) + "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.synth.validate", description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path, help="clips (.mp4 with a .json beside) or directories of them")
    ap.add_argument("--json", type=Path, help="also write the summary here")
    args = ap.parse_args(argv)
    clips = sorted(p for x in args.paths for p in ([x] if x.is_file() else x.glob("*.mp4"))
                   if p.with_suffix(".json").exists())
    results = [compare(p) for p in clips]
    summary = summarise(results)
    _print(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
