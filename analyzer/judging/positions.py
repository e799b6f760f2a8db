"""Body positions an exercise is done in, and the descriptors recognition weighs.

``in_position`` of an exercise says which frames are the set (on the feet,
face down on the arms...); ``looks_like`` scores how much a part of the clip
resembles the exercise, built from the small descriptors here.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features


def upright(features: Features) -> np.ndarray:
    """Frames on the feet: hips well above the ankles, not lying."""
    return (features["hip_above_ankle"] > 0.25) & (features["trunk_incline_deg"] < 80.0)


def prone(features: Features) -> np.ndarray:
    """Frames face-down with the body near level, legs straight and the shoulders held up on the
    arms (plank, push-up), not lying on the floor (a superman, a cobra's start)."""
    return (
        (features["trunk_incline_deg"] > 50.0)
        & (features["arm_support_incline_deg"] < 60.0)  # an arm segment within 60 deg of vertical carries the body
        & (features["knee_deg"] > 130.0)
        & (features["leg_incline_deg"] > 35.0)  # legs reach back along the floor (even piked), not down
        & ~(features["face_up"] >= 0.3)  # unknown without ears (tracks of a landmark subset): not excluded
        & (features["hip_above_ankle"] < 0.7)  # a strong pike lifts the hips ~0.5 leg lengths
    )


def ramp(value: float, zero_at: float, one_at: float) -> float:
    """0..1, rising linearly from ``zero_at`` to ``one_at`` (either order); NaN counts as 0."""
    if not np.isfinite(value):
        return 0.0
    return float(np.clip((value - zero_at) / (one_at - zero_at), 0.0, 1.0))


def typical(features: Features, name: str) -> float:
    """Median of a series over the frames where it is known."""
    values = features[name][np.isfinite(features[name])]
    return float(np.median(values)) if len(values) else float("nan")


def hands_below_hips(features: Features) -> float:
    """How far the hands get below the hips (leg lengths): to the bar at mid-shin in a deadlift,
    level with the hips or higher in a squat (bar on the back, arms forward, dumbbells at the sides)."""
    gap = features["hip_height"] - features["wrist_height"]
    return float(np.nanpercentile(gap, 90)) if np.any(np.isfinite(gap)) else float("nan")


def spread(features: Features, name: str) -> float:
    """Robust range (5th to 95th percentile) of a series: how much it moves."""
    values = features[name][np.isfinite(features[name])]
    return float(np.ptp(np.percentile(values, [5, 95]))) if len(values) else float("nan")
