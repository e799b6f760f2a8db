"""Superman: lying face down, arms overhead; arms, chest and legs lift off the floor together and lower.

The articles: little benefit for the load it puts on the lower back, and a risk of spasm; the
clinic among them advises against it. formcheck judges the form (the back arched past a modest
lift, and the tempo) and its cues say what the clinic advises instead, never a diagnosis. The arch
is the chest's rise at the top against lying flat (rules/_extension.py).
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.positions import ramp, typical
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
        warn=18.0, danger=24.0, unit="deg",
        reason="ERRORS.md back extension, superman, cobra: over-arching past neutral compresses the spine. The "
        "chest's rise off the floor at the top against lying flat (the trunk line's angle): a modest superman "
        "(legs 10 deg up at the hips, 20 deg of spinal extension, chest and arms a hand's width off the floor) "
        "reads 12 deg on the skeleton side-on (15 at 25 deg off it), and each further degree of spinal extension "
        "adds 0.6; 18 is about 10 deg more arch than that, 24 the clear over-arch (20 deg more reads 24-25). "
        "The legs are left out: the hips lift them, and the swimmer's one leg raised high with a bent knee "
        "(malik__swimmer) bends the body line by 40 deg with the chest barely up.",
    ),
}


def in_superman(features: Features) -> np.ndarray:
    """Frames lying face down with the arms reaching overhead (the hands well ahead of the shoulders)."""
    return on_the_floor(features) & (features["hands_ahead_deg"] > 45.0)


def looks_like(features: Features) -> float:
    """Lying face down with both legs straight (on the back, a bicycle crunch's hands behind the head
    reach overhead too, but one knee is always bent), arms overhead, the body line bending up and
    straightening again (the lift)."""
    return (
        face_to_the_floor(features)
        * ramp(typical(features, "knee_min_deg"), 130.0, 150.0)
        * ramp(typical(features, "hands_ahead_deg"), 50.0, 75.0)
        * ramp(typical(features, "trunk_incline_deg"), 55.0, 70.0)
        * bending(features)
    )


EXERCISE = Exercise(
    name="superman",
    title="Superman",
    kind="reps",
    aliases=("supermans", "supermen", "superman hold", "prone extension"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=0.06,
    rep_min_range=("hip_below_ankle_line_deg", 8.0),  # the body line bends: not a head or arm lift alone
    looks_like=looks_like,
    in_position=in_superman,
    thresholds=THRESHOLDS,
    extra=EXTRA,
    checks=(
        over_arch(
            "superman",
            cue="Lift arms, chest and legs only a hand's width, gaze on the floor, and lower slowly. The spine "
            "clinic among our sources advises against the superman altogether: a bird dog trains the same back "
            "muscles with far less load on the spine.",
            why=WHY + "; the superman loads the lower back heavily for little benefit and can set off a spasm.",
            series_label="Chest's rise off the floor at the top against lying flat (deg)",
            measure=chest_rise,
            key_series="trunk_incline_deg",
        ),
    ),
)
