"""Is the person filmed so that the set can be judged? The whole body in the frame, the camera where the
exercise's headline checks need it, the body large enough in the picture, enough light.

One judgement for both ways in: the upload page reads it off the frames before the first rep
(``webapp.framing``), the live coach off the last seconds before the set begins, so that a bad setup is fixed
before the set instead of being guessed from "not judged" afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyzer.judging.rulebook import Exercise
from analyzer.landmarks import INDEX
from analyzer.pipeline import DARK_BRIGHTNESS
from analyzer.track import PoseTrack

# Each part must be inside the picture on one side of the body at least. Where the model places a joint is
# used, not how sure it is: a joint hidden behind a barbell plate is in the frame, one below its edge is not.
PARTS = {"head": ("nose",), "shoulders": ("left_shoulder", "right_shoulder"), "hips": ("left_hip", "right_hip"),
         "knees": ("left_knee", "right_knee"), "feet": ("left_ankle", "right_ankle")}
VISIBLE = 0.5  # how sure the model must be of a joint for it to count in the body's size
# Share of the set-up frames the whole body must be in: a hand passing the edge once is not a framing fault.
IN_FRAME_SHARE = 0.8
# The body's longest extent as a share of the frame: below it the joints are a few pixels apart.
MIN_BODY_EXTENT = 0.35


@dataclass(frozen=True)
class FramingCheck:
    ok: bool
    text: str  # what is good, or what is wrong and what to do
    # Nothing can be judged until it is fixed (nobody seen, body out of the picture); otherwise the set can
    # be judged, only not all of it, or less surely.
    blocking: bool = False


def _inside(track: PoseTrack, frames: np.ndarray, names: tuple[str, ...]) -> float:
    """Share of the frames with a pose where one of the ``names`` landmarks lies inside the picture."""
    idx = [INDEX[n] for n in names]
    xy = track.image[np.ix_(frames, idx)][..., :2]
    posed = np.isfinite(xy).all(axis=-1).any(axis=1)
    inside = (np.all((xy >= 0.0) & (xy <= 1.0), axis=-1)).any(axis=1)
    return float(inside[posed].mean()) if posed.any() else 1.0


def _whole_body(track: PoseTrack, frames: np.ndarray) -> FramingCheck:
    shares = {part: _inside(track, frames, names) for part, names in PARTS.items()}
    missing = [part for part, share in shares.items() if share < IN_FRAME_SHARE]
    if not missing:
        return FramingCheck(True, "whole body in the frame")
    where = "step back or tilt the camera" if missing != ["head"] else "tilt the camera up"
    return FramingCheck(False, f"{' and '.join(missing)} out of the frame: {where}", blocking=True)


def _close_enough(track: PoseTrack, frames: np.ndarray) -> FramingCheck:
    xy = track.image[frames][..., :2]
    seen = track.visibility[frames] >= VISIBLE
    extents = [float(np.ptp(f[s], axis=0).max()) for f, s in zip(xy, seen) if s.sum() >= 2]
    if not extents:
        return FramingCheck(False, "nobody found before the set: start filming with the whole body in view",
                            blocking=True)
    extent = float(np.median(extents))
    if extent < MIN_BODY_EXTENT:
        return FramingCheck(False, f"the body fills {extent:.0%} of the picture: come closer or zoom in")
    return FramingCheck(True, "close enough")


def _camera_angle(exercise: Exercise | None, view_kind: str, yaw_deg: float | None) -> FramingCheck | None:
    """The view the headline checks need (the exercise's own when it has none); None without an exercise."""
    if exercise is None:
        return None
    headline = [c for c in exercise.checks if c.headline] or list(exercise.checks)
    views = {v for c in headline for v in c.views} or set(exercise.views)
    max_yaw = min((c.max_yaw_deg for c in headline if c.max_yaw_deg is not None), default=None)
    wanted = "side-on" if "side" in views else f"{' or '.join(sorted(views))} view"
    if view_kind not in views:
        return FramingCheck(False, f"filmed from the {view_kind}: film {wanted}")
    if max_yaw is not None and yaw_deg is not None and yaw_deg > max_yaw:
        return FramingCheck(False, f"{yaw_deg:.0f}° off the side: turn the camera to film side-on")
    return FramingCheck(True, wanted)


def _light(track: PoseTrack, frames: np.ndarray) -> FramingCheck | None:
    brightness = track.channels.get("brightness")
    known = brightness[frames][np.isfinite(brightness[frames])] if brightness is not None else np.array([])
    if not known.size:
        return None  # a pose track without the picture: nothing to say
    if float(known.mean()) < DARK_BRIGHTNESS:
        return FramingCheck(False, "too dark: add light on the body")
    return FramingCheck(True, "enough light")


def judge_framing(
    track: PoseTrack, frames: np.ndarray, exercise: Exercise | None, view_kind: str, yaw_deg: float | None
) -> list[FramingCheck]:
    """The set-up's checks on ``frames`` of ``track``, in the order a person fixes them (the camera view as
    the features found it); empty without frames."""
    if not len(frames):
        return []
    body = _close_enough(track, frames)
    if not body.ok and body.blocking:
        return [body]  # nobody there: where the camera points or how bright it is says nothing yet
    checks = [_whole_body(track, frames), _camera_angle(exercise, view_kind, yaw_deg), body, _light(track, frames)]
    return [c for c in checks if c is not None]


def framing_line(checks: list[FramingCheck]) -> str:
    """'Framing: ✓ whole body in the frame · ✗ filmed from the front: film side-on · ...'."""
    return "Framing: " + " · ".join(("✓ " if c.ok else "✗ ") + c.text for c in checks)


def first_problem(checks: list[FramingCheck]) -> FramingCheck | None:
    """What to fix first (checks come in the order a person fixes them); None when all is right."""
    return next((c for c in checks if not c.ok), None)
