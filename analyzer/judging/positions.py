"""Body positions an exercise is done in, and the descriptors recognition weighs.

``in_position`` of an exercise says which frames are the set (on the feet,
face down on the arms...); ``looks_like`` scores how much a part of the clip
resembles the exercise, built from the small descriptors here.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.filtering import rate_over
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


# A knee resting on the floor has its centre ~5 cm above it (half the knee's depth): 0.04-0.07 leg lengths
# above the hands-toes line; 0.00-0.09 measured on the real clips' frames lying on the floor. Straight legs
# carry a plank's knees at about half its hips' height: 0.16 with the hips sagging onto the floor (skeleton,
# 30 deg), 0.10 even at an impossible 45 deg (the hip joint 2.5 cm off the floor), 0.22-0.48 on real planks.
KNEE_ON_FLOOR = 0.10  # leg lengths above the line through the hands and the toes, ~8.5 cm


def knees_down(features: Features) -> np.ndarray:
    """Frames with the knees on the floor: lying face down (on the forearms too), kneeling, a knee plank.

    The knees tell lying from a plank where the hips cannot: MediaPipe puts the hip of a body lying
    prone 0.1-0.3 leg lengths above the floor (real clips), as high as a plank sagging 20 deg carries
    it (0.18). Unknown (hands or toes unseen, a track without them) counts as not down.
    """
    if "knee_above_floor" not in features:
        return np.zeros(len(features.t_ms), dtype=bool)
    return features["knee_above_floor"] < KNEE_ON_FLOOR


# Holding still, the hips move by breathing and landmark jitter: at most 0.046 leg lengths a second
# (over a second) in the real planks; getting into or out of one moves them at 0.1-0.3.
STILL_MAX_SPEED = 0.06  # leg lengths per second, ~5 cm/s
STILL_WINDOW_MS = 1000.0


def moving(features: Features) -> np.ndarray:
    """Frames where the hips rise or sink faster than a body holding still (over a second around
    each frame): getting into or out of a hold. Unknown counts as still."""
    with np.errstate(invalid="ignore"):
        return rate_over(features.t_ms, features["hip_height"], STILL_WINDOW_MS) > STILL_MAX_SPEED


def ramp(value: float, zero_at: float, one_at: float) -> float:
    """0..1, rising linearly from ``zero_at`` to ``one_at`` (either order); NaN counts as 0."""
    if not np.isfinite(value):
        return 0.0
    return float(np.clip((value - zero_at) / (one_at - zero_at), 0.0, 1.0))


Cue = tuple[float, float, float, float]  # weight, value, where it scores 0, where it scores 1


def seen_cues(cues: list[Cue]) -> float:
    """Weighted mean of the ramped cues the camera could measure: an unseen cue (NaN value, the hands
    hidden behind a bar on the back, say) votes neither way, where a ramp would count it against."""
    seen = [(weight, ramp(value, zero_at, one_at)) for weight, value, zero_at, one_at in cues if np.isfinite(value)]
    total = sum(weight for weight, _ in seen)
    return sum(weight * score for weight, score in seen) / total if total else 0.0


def percentile_of(values: np.ndarray, q: float) -> float:
    """The ``q`` percentile of the known values; NaN, without NumPy's warning, when none is known."""
    known = values[np.isfinite(values)]
    return float(np.percentile(known, q)) if len(known) else float("nan")


def highest(features: Features, name: str) -> float:
    """The series' 99th percentile over the frames where it is known: its peak, past a stray frame."""
    return percentile_of(features[name], 99)


def typical(features: Features, name: str) -> float:
    """Median of a series over the frames where it is known."""
    return percentile_of(features[name], 50)


def hands_below_hips(features: Features) -> float:
    """How far the hands get below the hips (leg lengths): to the bar at mid-shin in a deadlift,
    level with the hips or higher in a squat (bar on the back, arms forward, dumbbells at the sides)."""
    gap = features["hip_height"] - features["wrist_height"]
    return percentile_of(gap, 90)


def spread(features: Features, name: str) -> float:
    """Robust range (5th to 95th percentile) of a series: how much it moves."""
    values = features[name][np.isfinite(features[name])]
    return float(np.ptp(np.percentile(values, [5, 95]))) if len(values) else float("nan")


def shoulders_lead(features: Features) -> float:
    """How much further the shoulders travel than the hips (leg lengths), lying on the back: a crunch
    moves the shoulders (0.17-0.25 on real clips, 0.33 on the skeleton), a bridge the hips (-0.10 real,
    -0.1 to -0.4 skeleton)."""
    return spread(features, "shoulder_height") - spread(features, "hip_height")


def hips_share(features: Features) -> float:
    """How far the hips travel up and down against the shoulders (a share): a push-up lifts the whole body
    line (0.6-1.8 on real push-ups: the hips halfway to the toes and the hips' own sway), a cobra only
    the chest, the hips staying on the floor (0.05 on malik__cobra, under 0.05 on the skeleton). NaN
    when the shoulders do not move."""
    rise = spread(features, "shoulder_height")
    return spread(features, "hip_height") / rise if rise > 0 else float("nan")


def shoulder_drop(features: Features) -> float:
    """How far the shoulders get below the hips (leg lengths; their peak, ``highest``: a quick toe touch is
    at the bottom for a tenth of a second a rep). A toe touch folds them 0.25-0.3 below (skeleton, side
    and front); a deadlift cannot, the bar hanging from straight arms reaching the floor first: real
    deadlifts -0.2, a Romanian one hinged 90 deg 0.0, rounded 45 deg with the head dropped 0.13."""
    return percentile_of(features["hip_height"] - features["shoulder_height"], 99)


# An arm hangs when it is straight and within this of vertical.
HANGING_ARM_DEG = 25.0


def arms_hanging(features: Features) -> float:
    """Share of the frames with the arms hanging straight down from the shoulders: a deadlift's hold the
    bar so from start to finish (1.0 on the real and rendered deadlifts), a squat's hold it on the back,
    at the chest or reach forward at the bottom (0-0.57 on real and skeleton squats)."""
    arm, elbow = features["hands_ahead_deg"], features["elbow_deg"]
    known = np.isfinite(arm) & np.isfinite(elbow)
    hanging = (np.abs(arm) < HANGING_ARM_DEG) & (elbow > 150.0)
    return float(hanging[known].mean()) if known.any() else float("nan")
