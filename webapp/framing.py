"""Was the clip filmed so that it can be judged? Read off the frames before the first rep (or the start of the
hold): the whole body in the frame, the camera where the exercise's headline checks need it, the body large
enough in the picture, enough light. Said in one line above the result, so a bad setup is fixed at the next
recording instead of being guessed from "not judged" further down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyzer.landmarks import INDEX
from analyzer.pipeline import DARK_BRIGHTNESS, Analysis

# Each part must be inside the picture on one side of the body at least. Where the model places a joint is
# used, not how sure it is: a joint hidden behind a barbell plate is in the frame, one below its edge is not.
PARTS = {"head": ("nose",), "shoulders": ("left_shoulder", "right_shoulder"), "hips": ("left_hip", "right_hip"),
         "knees": ("left_knee", "right_knee"), "feet": ("left_ankle", "right_ankle")}
VISIBLE = 0.5  # how sure the model must be of a joint for it to count in the body's size
# Share of the set-up frames the whole body must be in: a hand passing the edge once is not a framing fault.
IN_FRAME_SHARE = 0.8
# The body's longest extent as a share of the frame: below it the joints are a few pixels apart.
MIN_BODY_EXTENT = 0.35
# When the set starts at once, its first seconds stand for the set-up.
SETUP_FALLBACK_MS = 2000.0
MIN_SETUP_FRAMES = 5


@dataclass(frozen=True)
class FramingCheck:
    ok: bool
    text: str  # what is good, or what is wrong and what to do


def _setup_frames(analysis: Analysis) -> np.ndarray:
    report, t = analysis.report, analysis.track.t_ms
    start = report.reps[0].start_ms if report.reps else report.hold.start_ms if report.hold else t[0]
    before = np.flatnonzero(t < start)
    if len(before) >= MIN_SETUP_FRAMES:
        return before
    return np.flatnonzero((t >= start) & (t < start + SETUP_FALLBACK_MS))


def _inside(analysis: Analysis, frames: np.ndarray, names: tuple[str, ...]) -> float:
    """Share of the frames with a pose where one of the ``names`` landmarks lies inside the picture."""
    idx = [INDEX[n] for n in names]
    xy = analysis.track.image[np.ix_(frames, idx)][..., :2]
    posed = np.isfinite(xy).all(axis=-1).any(axis=1)
    inside = (np.all((xy >= 0.0) & (xy <= 1.0), axis=-1)).any(axis=1)
    return float(inside[posed].mean()) if posed.any() else 1.0


def _whole_body(analysis: Analysis, frames: np.ndarray) -> FramingCheck:
    shares = {part: _inside(analysis, frames, names) for part, names in PARTS.items()}
    missing = [part for part, share in shares.items() if share < IN_FRAME_SHARE]
    if not missing:
        return FramingCheck(True, "whole body in the frame")
    where = "step back or tilt the camera" if missing != ["head"] else "tilt the camera up"
    return FramingCheck(False, f"{' and '.join(missing)} out of the frame: {where}")


def _close_enough(analysis: Analysis, frames: np.ndarray) -> FramingCheck:
    xy = analysis.track.image[frames][..., :2]
    seen = analysis.track.visibility[frames] >= VISIBLE
    extents = [float(np.ptp(f[s], axis=0).max()) for f, s in zip(xy, seen) if s.sum() >= 2]
    if not extents:
        return FramingCheck(False, "nobody found before the set: start filming with the whole body in view")
    extent = float(np.median(extents))
    if extent < MIN_BODY_EXTENT:
        return FramingCheck(False, f"the body fills {extent:.0%} of the picture: come closer or zoom in")
    return FramingCheck(True, "close enough")


def _camera_angle(analysis: Analysis) -> FramingCheck | None:
    """The view the headline checks need (the exercise's own when it has none); None without an exercise."""
    exercise, view = analysis.exercise, analysis.report.view
    if exercise is None:
        return None
    headline = [c for c in exercise.checks if c.headline] or list(exercise.checks)
    views = {v for c in headline for v in c.views} or set(exercise.views)
    max_yaw = min((c.max_yaw_deg for c in headline if c.max_yaw_deg is not None), default=None)
    wanted = "side-on" if "side" in views else f"{' or '.join(sorted(views))} view"
    if view.kind not in views:
        return FramingCheck(False, f"filmed from the {view.kind}: film {wanted}")
    if max_yaw is not None and view.yaw_deg is not None and view.yaw_deg > max_yaw:
        return FramingCheck(False, f"{view.yaw_deg:.0f}° off the side: turn the camera to film side-on")
    return FramingCheck(True, wanted)


def _light(analysis: Analysis, frames: np.ndarray) -> FramingCheck | None:
    brightness = analysis.track.channels.get("brightness")
    known = brightness[frames][np.isfinite(brightness[frames])] if brightness is not None else np.array([])
    if not known.size:
        return None  # a pose track without the picture: nothing to say
    if float(known.mean()) < DARK_BRIGHTNESS:
        return FramingCheck(False, "too dark: add light on the body")
    return FramingCheck(True, "enough light")


def framing_checks(analysis: Analysis) -> list[FramingCheck]:
    """The set-up's checks, in the order a person fixes them; empty when the clip has no frame to look at."""
    frames = _setup_frames(analysis)
    if not len(frames):
        return []
    checks = [_whole_body(analysis, frames), _camera_angle(analysis), _close_enough(analysis, frames),
              _light(analysis, frames)]
    return [c for c in checks if c is not None]


def framing_line(checks: list[FramingCheck]) -> str:
    """'Framing: ✓ whole body in the frame · ✗ filmed from the front: film side-on · ...'."""
    return "Framing: " + " · ".join(("✓ " if c.ok else "✗ ") + c.text for c in checks)
