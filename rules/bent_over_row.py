"""Bent-over row: hinged at the hips about 45 deg, the weight pulled from straight arms to the lower ribs.

The articles: rounding the back to hold the weight; keep a neutral spine. The rounded back is read
from the spine estimator's angles as the deadlift reads them (analyzer/judging/rounding.py), but a
row never stands up, so there is no standing tall to compare with: the estimator's own angle
(against a neutral spine) is judged, held through the rep. Without the estimator (a bare pose-track
CSV, an unclear outline) it says it cannot judge: the landmark trunk line cannot tell rounding from
a deeper hinge. The swing is the trunk rising as the weight comes up (momentum, ERRORS.md across all
exercises). Reps are counted on the wrists' height while the trunk stays hinged: a deadlift stands
up, a row keeps the hinge while the arms move.
"""

from __future__ import annotations

import numpy as np

from analyzer.features import spine
from analyzer.features.kinematics import Features
from analyzer.judging.measures import RepMeasure, change_between, frames_by_level
from analyzer.judging.positions import ramp, spread, typical
from analyzer.judging.reps import RepSpan
from analyzer.judging.rounding import SPINE_SETTINGS, rounded_back, spine_level
from analyzer.judging.rulebook import Check, Context, Exercise, Threshold
from analyzer.report import Finding

REP_SIGNAL = "wrist_height"
THRESHOLDS = {
    "rounding": Threshold(
        warn=15.0, danger=25.0, unit="deg",
        reason="ERRORS.md bent-over row: rounding the back to hold the weight. The spine's flexion (lumbar + "
        "thoracic, the spine estimator, against a neutral spine), median over the rep: a neutral back reads its "
        "own curves, a few degrees either way (the estimator on clean rendered hinges: within 10 of standing "
        "tall, rules/deadlift.py; the row's tests give it a -4 neutral level and its held-out noise, and clean "
        "rows read -5 to -3), so 15 is past any neutral back; 25 the clear rounding (the deadlift's renders: "
        "30 deg of rounding reads 25-36; 25 deg on the row's tests reads 20-22, a warning).",
    ),
    "swing": Threshold(
        warn=-10.0, danger=-18.0, unit="deg", above=False,
        reason="ERRORS.md across all exercises: momentum instead of controlled strength; bent-over row: keep "
        "the hinge. The trunk's angle in the upper half of the pull against the same rep's start with the "
        "arms hanging, below 0 rising: a strict row keeps it within 3 deg (skeleton, noise included), a swing "
        "of 10 deg and more is the trunk heaving the weight up (15 deg the clear swing).",
    ),
}
NO_SPINE = (
    "the spine's shape was not clear enough in any rep (a pose track without the body outline, turned from "
    "the camera, or arms and weight across the back); film exactly from the side, camera at hip height, in "
    "fitted clothes."
)


def in_row(features: Features) -> np.ndarray:
    """Frames standing on the feet (the legs near vertical, knees soft, not a squat's deep bend) with the
    trunk hinged forward, shoulders level (not lying on the side, where one stands above the other)."""
    return (
        (features["hip_above_ankle"] > 0.25)
        & (features["leg_incline_deg"] < 30.0)
        & (features["knee_deg"] > 120.0)
        & (features["trunk_incline_deg"] > 20.0)
        & (features["trunk_incline_deg"] < 85.0)
        & ~(features["shoulders_stacked"] > 0.35)
    )


def looks_like(features: Features) -> float:
    """Hinged forward and holding it (the trunk and the hips barely move: not a deadlift's stand-up),
    while the hands travel up and down by the elbows bending."""
    return (
        ramp(typical(features, "trunk_incline_deg"), 20.0, 35.0)
        * (1.0 - ramp(spread(features, "trunk_incline_deg"), 15.0, 30.0))
        * (1.0 - ramp(spread(features, "hip_height"), 0.08, 0.15))
        * ramp(spread(features, REP_SIGNAL), 0.08, 0.15)
        * ramp(spread(features, "elbow_deg"), 30.0, 50.0)
    )


def _whole_rep(ctx: Context, rep: RepSpan) -> np.ndarray:
    return np.arange(rep.start, rep.end + 1)


def _spine_reading(series: str) -> RepMeasure:
    """A spine series held through the rep, as the estimator gives it."""
    return spine_level(series, _whole_rep)


def rounded(ctx: Context, check: Check) -> list[Finding]:
    """The spine's flexion each rep; the finding names the region; not judged without the estimator."""
    if not spine.has_spine(ctx.features.series, SPINE_SETTINGS["spine_quality"].value):
        return [check.not_assessable(NO_SPINE)]
    return rounded_back(ctx, check, THRESHOLDS["rounding"], _spine_reading, unmeasured=NO_SPINE)


def pull_and_hang(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    """The pull's upper half (the hands above half their travel) and the rep's start, arms hanging (the
    lowest 15 %)."""
    hang, pull = frames_by_level(ctx, rep, REP_SIGNAL, low=0.15, high=0.5)
    return pull, hang


EXERCISE = Exercise(
    name="bent_over_row",
    title="Bent-over row",
    kind="reps",
    aliases=("bent over row", "barbell row", "dumbbell row", "row", "bent-over row"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=0.08,
    rep_min_range=("elbow_deg", 30.0),  # the arms pull: a shrug or a sway of the trunk does not
    looks_like=looks_like,
    in_position=in_row,
    thresholds=THRESHOLDS,
    settings=dict(SPINE_SETTINGS),
    extra={"rep_metrics": ["elbow_deg", "trunk_incline_deg"], "tempo_angle": "elbow_deg"},
    checks=(
        Check(
            code="bent_over_row.rounded_back",
            title="Rounded back",
            cue="Brace, chest proud and hips back: hold a flat back through every pull, and lighten the weight "
            "if you cannot.",
            why="A rounded back hangs the weight on the spinal discs and ligaments instead of the hips and the "
            "back's muscles.",
            threshold="rounding",
            series_label="Spine flexion through the rep, against a neutral spine (deg)",
            run=rounded,
            needs=(spine.FLEXION,),
            body_parts=("shoulder", "hip"),
            key_series=spine.FLEXION,
        ),
        Check(
            code="bent_over_row.torso_swing",
            title="Swinging the trunk up",
            cue="Keep your trunk still at the same hinge and pull with the arms and shoulder blades; lighten "
            "the weight if the body has to heave it up.",
            why="Heaving the trunk up throws the load onto the lower back in a jerk instead of the muscles "
            "the row trains.",
            threshold="swing",
            series_label="Trunk's angle in the pull against arms hanging, below 0 rising (deg)",
            measure=change_between("trunk_incline_deg", pull_and_hang, percentile=10.0),
            body_parts=("shoulder", "hip"),
            key_series="trunk_incline_deg",
        ),
    ),
)
