"""Cobra: lying face down, hands on the floor under the shoulders, the chest pushed up while the hips
and legs stay down, and lowered again.

The articles: over-arching past neutral compresses the spine. The safe range is about the sphinx's
(the chest as high as resting on the forearms carries it); the fault is the back extending well past
that. The arch is the chest's rise at the top against lying flat (rules/_extension.py). A cobra
tells itself from a push-up by its hips, which stay on the floor while the shoulders rise.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.positions import hips_share, ramp, shoulders_lead, typical
from analyzer.judging.rulebook import Exercise, Threshold
from rules._extension import (
    EXTRA,
    REP_SIGNAL,
    WHY,
    bending,
    chest_rise,
    face_to_the_floor,
    on_the_floor,
    over_arch,
)

THRESHOLDS = {
    "over_arch": Threshold(
        warn=31.0, danger=37.0, unit="deg",
        reason="ERRORS.md back extension, superman, cobra: over-arching past neutral compresses the spine. The "
        "chest's rise off the floor at the top against lying flat (the trunk line's angle, the hips staying "
        "down): the sphinx's height (the shoulders where the forearms would carry them) takes 42 deg of "
        "spinal extension on the skeleton and reads 25 side-on (29 at 25 deg off it); each further degree of "
        "extension adds 0.6, so 31 is about 10 deg past the sphinx and 37 the clear over-arch (20 deg past it "
        "reads 36-38). A full cobra on straight arms rises far more.",
    ),
}
# The hips travel this share of the shoulders' travel at most: a cobra's stay on the floor (skeleton:
# under 0.05), a push-up's rise with the body line (about half: the hips are halfway to the toes).
HIPS_STAY_SHARE = 0.2


def in_cobra(features: Features) -> np.ndarray:
    """Frames lying face down on the floor, legs along it. Not the knees' height above the floor line:
    a real cobra on straight arms reads 0.12-0.13 leg lengths (malik__cobra), a push-up's knees as low
    as 0.16; recognition tells the two apart by the hips (``looks_like``)."""
    return on_the_floor(features)


def looks_like(features: Features) -> float:
    """Face to the floor, the hands near under the shoulders, the shoulders rising while the hips stay down
    (a push-up lifts both), the body line bending and straightening."""
    share = hips_share(features)
    return (
        face_to_the_floor(features)
        * ramp(abs(typical(features, "hands_ahead_deg")), 45.0, 30.0)
        * ramp(shoulders_lead(features), 0.08, 0.16)
        * (1.0 - ramp(share, HIPS_STAY_SHARE, 2 * HIPS_STAY_SHARE) if np.isfinite(share) else 0.0)
        * bending(features)
    )


EXERCISE = Exercise(
    name="cobra",
    title="Cobra",
    kind="reps",
    aliases=("cobra stretch", "cobra pose", "prone press-up", "press-up extension"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=0.1,
    rep_min_range=("hip_below_ankle_line_deg", 10.0),
    looks_like=looks_like,
    in_position=in_cobra,
    thresholds=THRESHOLDS,
    extra=EXTRA,
    checks=(
        over_arch(
            "cobra",
            cue="Press up only as far as your hips stay heavy on the floor and your lower back feels no pinch: "
            "resting on the forearms (the sphinx) is enough. Keep the elbows soft and the shoulders down.",
            why=WHY + ", more so when the arms push the chest up further than the back can bend.",
            series_label="Chest's rise off the floor at the top against lying flat (deg)",
            measure=chest_rise,
            key_series="trunk_incline_deg",
        ),
    ),
)
