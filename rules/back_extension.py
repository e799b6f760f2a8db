"""Back extension on a hyperextension bench: hips on the pad, legs anchored, the trunk rising from
hanging down to in line with the legs, and lowered again.

The articles: over-arching past neutral compresses the spine. The top of a good rep is the body in
one line; the fault is rising past it. The pad is not in the landmarks, but the legs' line is the
reference: the body line's bend at the top, + past the line (rules/_extension.py). Told from the
exercises on the floor by the trunk hanging below the hips at the bottom of each rep.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.positions import percentile_of, ramp, spread
from analyzer.judging.rulebook import Exercise, Threshold
from rules._extension import ARCH_AT_TOP, EXTRA, LINE, REP_SIGNAL, WHY, face_down, over_arch

THRESHOLDS = {
    "over_arch": Threshold(
        warn=10.0, danger=15.0, unit="deg",
        reason="ERRORS.md back extension, superman, cobra: over-arching past neutral compresses the spine. The "
        "body line's bend at the top of the rise, past the legs' line: a rep finished in one line reads -1 to 2 "
        "on the skeleton with landmark noise (45-degree and horizontal benches), up to 3.5 at 25 deg off "
        "side-on; 10 deg is the shoulders about 9 cm above the line for a 0.5 m trunk, 15 the clear "
        "over-arch (which reads 13-15).",
    ),
}


def in_back_extension(features: Features) -> np.ndarray:
    """Frames face down with straight legs inclined from the pad to the anchor (from 30 deg off vertical
    on a 45-degree bench to level on a horizontal one), the hips not below the feet."""
    return face_down(features) & (features["leg_incline_deg"] < 110.0) & (features["hip_above_ankle"] > -0.15)


def looks_like(features: Features) -> float:
    """The trunk hangs well below the hips (shoulders under the hip level: no floor exercise does it) and
    rises to the legs' line, the body line bending through tens of degrees."""
    hanging = percentile_of(features["trunk_incline_deg"], 95)
    return ramp(hanging, 100.0, 115.0) * ramp(spread(features, LINE), 30.0, 50.0)


EXERCISE = Exercise(
    name="back_extension",
    title="Back extension",
    kind="reps",
    aliases=("back extensions", "hyperextension", "hyperextensions", "back hyperextension", "roman chair"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=0.2,
    rep_min_range=(LINE, 30.0),
    looks_like=looks_like,
    in_position=in_back_extension,
    thresholds=THRESHOLDS,
    extra=EXTRA,
    checks=(
        over_arch(
            "back_extension",
            cue="Rise until your body is one straight line from head to heels and stop there; squeeze your "
            "glutes and move slowly, without swinging up.",
            why=WHY + ": past the line the lower back bends backward under the trunk's weight.",
            series_label="Body line's bend at the top, above 0 past the legs' line (deg)",
            measure=ARCH_AT_TOP,
            key_series=LINE,
        ),
    ),
)
