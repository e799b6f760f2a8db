"""Side plank: lying on one side, propped on the forearm, the body one straight line, held.

Filmed from the front (or the back), where the body's line lies across the
picture and one shoulder stands above the other. The line is the midline's:
the points halfway between the two shoulders, hips and ankles, so that which
side the model takes as nearer does not matter. Positive when the mid-hip
hangs below the line from mid-shoulder to mid-ankle, toward the floor. The
camera's yaw cannot be estimated in this pose (the shoulder line runs up and
down, not across or into the picture), so the view is told by the stacked
shoulders themselves. Judged as a hold (analyzer.judging.holds).
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.holds import HOLD_SETTINGS, held_fault
from analyzer.judging.positions import ramp, spread, typical
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold
from analyzer.report import Finding

LINE = "mid_hip_below_line_deg"
THRESHOLDS = {
    "drop": Threshold(
        warn=10.0, danger=20.0, unit="deg", note=6.0,
        reason="ERRORS.md side plank: hips dropping toward the floor; the body should form a straight line. "
        "The plank's geometry (rules/plank.py): with a 0.5 m trunk and 0.9 m legs, 10 deg is the hips about "
        "6 cm below the line, 20 deg about 12 cm; a note from 6 deg (~3 cm). Skeleton side planks read the "
        "bend exactly.",
    ),
}
SETTINGS = {
    **HOLD_SETTINGS,
    "hip_off_floor": Setting(
        0.17, "leg lengths", "The lower hip at least this high above the floor line (lower hand to lower foot): "
        "lying on the side reads 0.10-0.16 (malik__plankside2, hips on the mat), a real side plank 0.29; the "
        "skeleton 0.34 clean, 0.20 with the hips dropped 20 deg, 0.17 at 25. A hip lower than this rests on "
        "the floor (so a drop past about 25 deg reads as lying down, not as a side plank).",
    ),
    "stacked": Setting(
        0.35, "torso lengths", "One shoulder this far above the other: the body lies on its side and is seen "
        "from the front or the back (a side plank's read 0.55-0.65; a plank's or push-up's, from any view, "
        "under 0.15: the two shoulders are level).",
    ),
}


def in_side_plank(features: Features) -> np.ndarray:
    """Frames on one side seen from the front or back: shoulders stacked, both legs straight along the
    floor (not a knee side plank), the trunk well off vertical (it steepens as the hips drop: 63 deg clean,
    49 at a 22 deg drop on the skeleton), the hips carried off the floor (not lying on the side)."""
    return (
        (features["shoulders_stacked"] > SETTINGS["stacked"].value)
        & (features["trunk_incline_deg"] > 30.0)
        & (features["leg_incline_deg"] > 50.0)
        & (features["knee_min_deg"] > 140.0)
        & (features["lower_hip_above_floor"] > SETTINGS["hip_off_floor"].value)
    )


def looks_like(features: Features) -> float:
    """Shoulders stacked, held still (a plank's shoulders move by up to ~0.18 leg lengths)."""
    return ramp(typical(features, "shoulders_stacked"), 0.3, 0.5) * (
        1.0 - ramp(spread(features, "shoulder_height"), 0.22, 0.35)
    )


def hips_dropping(ctx: Context, check: Check) -> list[Finding]:
    return held_fault(ctx, check, LINE, THRESHOLDS["drop"])


EXERCISE = Exercise(
    name="side_plank",
    title="Side plank",
    kind="hold",
    aliases=("side-plank", "side plank"),
    in_position=in_side_plank,
    looks_like=looks_like,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    views=("front", "side", "oblique"),
    checks=(
        Check(
            code="side_plank.hips_dropping",
            title="Hips dropping",
            cue="Push the floor away with your forearm and lift your hips into one line from shoulders to feet.",
            why="Hips that sink bend the spine sideways under load and leave the side of the core that should "
            "hold you doing nothing.",
            threshold="drop",
            series_label="Hips below the shoulder to ankle line, 1 s median, below 0 raised (deg)",
            run=hips_dropping,
            views=("front", "side", "oblique"),
            body_parts=("shoulder", "hip", "ankle"),
            key_series=LINE,
        ),
    ),
)
