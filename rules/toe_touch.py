"""Toe touch: standing, bend forward until the hands reach the toes (knees straight or soft), stand back up.

What the articles ask of it is a slow, controlled movement (quick movements strain the muscles and discs),
which the shared tempo check judges on each rep. Reps are counted on the shoulders' height, which falls
from standing tall to below the hips and rises again.

Its look-alike is the Romanian deadlift: a hinge with a flat back, the hands down the thighs to the
shins. What tells them apart is where the shoulders end: a toe touch folds the trunk past horizontal, the
spine flexing and the head hanging, so the shoulders drop well below the hips; a deadlift cannot, because
the bar hanging from straight arms would reach the floor first (hands ~0.75 m below the shoulders, hips
~0.9 m up, the plates 0.22 m in radius: the shoulders stay at the hips' height or above).
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.positions import percentile_of, ramp, shoulder_drop, spread, typical
from analyzer.judging.rulebook import Exercise, Setting

REP_SIGNAL = "shoulder_height"
SETTINGS = {
    "shoulders_below_hips": Setting(
        0.25, "leg lengths", "How far the shoulders drop below the hips for a clip to count fully as toe touches "
        "(none below 0.15): the skeleton's toe touches read 0.28-0.31 from the side and the front, with 20 or "
        "50 deg of spinal flexion; its deadlifts -0.3, Romanian ones hinged 90 deg 0.0, even rounded by 45 deg "
        "with the head dropped 0.13-0.14; the real deadlifts (formfit, gymtracker) -0.21.",
    ),
}


def on_the_feet(features: Features) -> np.ndarray:
    """Frames standing on straight or soft legs, the hips high over the ankles (not a squat's bottom,
    not on the hands and feet). A leg unseen for a moment (the hands pass in front of the shins at the
    bottom) does not end the set: unknown counts as standing."""
    return ~(features["hip_above_ankle"] <= 0.7) & ~(features["knee_deg"] <= 130.0)


def looks_like(features: Features) -> float:
    """The shoulders fold well below the hips and come back to standing tall, the hips staying high over
    the ankles and the knees nearly straight (a squat bends them, a deadlift from the floor too; a downward
    dog never stands up, a push-up's hips are low), the legs upright in 3D: a back extension on a 45-degree
    bench, filmed from the front, folds the same way in the picture with its legs tipped toward the camera
    (the skeleton's read 45 deg; real standing lifters 9-25 deg, camera tilt included)."""
    full = SETTINGS["shoulders_below_hips"].value
    standing = percentile_of(features["trunk_incline_deg"], 5)
    return (
        ramp(shoulder_drop(features), full - 0.1, full)
        * ramp(standing, 30.0, 15.0)
        * ramp(typical(features, "hip_above_ankle"), 0.6, 0.8)
        * (1.0 - ramp(typical(features, "leg_incline_3d_deg"), 30.0, 40.0))
        * (1.0 - ramp(spread(features, "knee_deg"), 40.0, 70.0))
        * (1.0 - ramp(spread(features, "hip_height"), 0.15, 0.3))
    )


EXERCISE = Exercise(
    name="toe_touch",
    title="Toe touch",
    kind="reps",
    aliases=("toe touch", "toe touches", "toe-touch", "standing toe touch", "forward fold", "forward bend"),
    rep_signal=REP_SIGNAL,
    rep_rest="high",
    rep_min_amplitude=0.4,  # leg lengths: the shoulders fall from above the hips to below them (~0.9 in full)
    looks_like=looks_like,
    in_position=on_the_feet,
    thresholds={},
    settings=SETTINGS,
    views=("side", "front", "oblique"),
    extra={"rep_metrics": ["hip_deg", "trunk_incline_deg"], "tempo_angle": "hip_deg"},
    checks=(),
)
