"""Crunch (and the sit-up it should not become): lying on the back, knees bent, the trunk curling up.

The articles name three faults: pulling on the neck (chin forced to the chest,
hands behind the head), lifting the whole back off the floor (a full sit-up,
which loads the lower back's discs), and jerky reps. The neck is read as the
head's bend toward the chest at the top against the same rep's start lying
down; the lift as the trunk's angle off the floor at the top. The cues name the
safer alternatives the articles give.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.measures import at_percentile, change_between, frames_by_level, percentile_at
from analyzer.judging.positions import ramp, shoulders_lead, typical
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold

REP_SIGNAL = "shoulder_height"
THRESHOLDS = {
    "neck_pull": Threshold(
        warn=-35.0, danger=-50.0, unit="deg", above=False,
        reason="ERRORS.md sit-up / crunch: pulling on the neck, chin forced to the chest. The head's bend "
        "toward the chest at the top against lying down: the skeleton reads 1.3 deg per degree of neck "
        "flexion, so -35 is about 27 deg beyond the trunk's line and -50 about 38; the real instructional "
        "crunches (malik__abdominal, 'avoid bringing your chin to your collarbone') read +5 to -27.",
    ),
    "sit_up": Threshold(
        warn=50.0, danger=65.0, unit="deg",
        reason="ERRORS.md sit-up / crunch: the whole back lifting off the floor. The hip-shoulder line's angle "
        "off the floor at the top: a crunch lifts the shoulder blades, and the real instructional crunches "
        "(malik__abdominal, lower back on the mat in every frame) read 33-43; past 50 the lower back has "
        "left the floor too, a sit-up.",
    ),
}


SETTINGS = {
    "max_turn": Setting(
        20.0, "deg", "The head's bend is read only at the top frames where the shoulders turned less than this "
        "from lying down: a straight crunch turns them under 10 (malik__abdominal: 1-5), a bicycle crunch 35-50 "
        "toward the knee (malik__bicycle), which from the side reads as the head dropping 40-55 deg.",
    ),
}
TWISTED = (
    "the shoulders turned toward a knee at the top of every rep (a twisting crunch): from the side the turn "
    "reads as the head bending, so the neck cannot be judged; film a straight crunch side-on for that."
)


def in_crunch(features: Features) -> np.ndarray:
    """Frames lying on the back with the knees bent: the hips down at the feet's level (not bridging),
    the trunk anywhere from flat to curled up."""
    return (
        (features["hip_above_ankle"] < 0.15)
        & (features["knee_deg"] < 130.0)
        & (features["trunk_incline_deg"] > 10.0)
    )


def looks_like(features: Features) -> float:
    """Lying with the knees bent, the shoulders rising and falling while the hips stay down."""
    return ramp(shoulders_lead(features), 0.05, 0.15) * ramp(typical(features, "knee_deg"), 140.0, 110.0)


def top_and_start(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    """The curl's top (highest 15 % of the shoulders' travel) and its start lying down (lowest 15 %)."""
    start, top = frames_by_level(ctx, rep, REP_SIGNAL, low=0.15, high=0.85)
    return top, start


def _top(ctx: Context, rep: RepSpan) -> np.ndarray:
    return top_and_start(ctx, rep)[0]


def square_top_and_start(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    """The top frames where the shoulders face the same way as lying down (not turned toward a knee, as in
    a bicycle crunch: seen from the side, the turn moves the near shoulder and reads as the head bending),
    and the start. Without world landmarks the turn is unknown and every top frame is kept."""
    top, start = top_and_start(ctx, rep)
    yaw = ctx.features["shoulder_yaw_deg"]
    lying = percentile_at(yaw, start, 50.0)
    if not np.isfinite(lying):
        return top, start
    turned = np.abs(yaw[top] - lying) > SETTINGS["max_turn"].value
    return top[~turned], start


def trunk_off_floor(features: Features) -> np.ndarray:
    """The trunk's angle off the floor (0 lying flat, 90 sitting up)."""
    return 90.0 - features["trunk_incline_deg"]


ALTERNATIVES = "a McGill curl-up, a dead bug or a plank train the same muscles with less load on the back."

EXERCISE = Exercise(
    name="crunch",
    title="Crunch",
    kind="reps",
    aliases=("crunches", "sit-up", "situp", "sit up", "curl-up"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=0.12,
    rep_min_range=("hip_deg", 15.0),
    looks_like=looks_like,
    in_position=in_crunch,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    extra={"rep_metrics": ["hip_deg", "neck_bend_deg"], "tempo_angle": "hip_deg"},
    checks=(
        Check(
            code="crunch.neck_pull",
            title="Pulling on the neck",
            cue="Rest your fingertips by your ears or cross your arms, keep a fist's space between chin and "
            "chest, and lift with your belly; " + ALTERNATIVES,
            why="Hands pulling the head forward strain the neck and do none of the work the crunch is for.",
            threshold="neck_pull",
            series_label="Head's bend toward the chest at the top against lying down, below 0 toward the chest (deg)",
            measure=change_between("neck_bend_deg", square_top_and_start, percentile=10.0),
            unmeasured=TWISTED,
            body_parts=("ear", "shoulder"),
            key_series="neck_bend_deg",
        ),
        Check(
            code="crunch.sit_up",
            title="Whole back lifting off the floor",
            cue="Lift only your shoulder blades, lower back staying on the floor; " + ALTERNATIVES,
            why="A full sit-up bends the lower back under load over and over, squeezing its discs.",
            threshold="sit_up",
            series_label="Trunk's angle off the floor at the top (deg)",
            measure=at_percentile(trunk_off_floor, _top, 50.0),
            body_parts=("shoulder", "hip"),
            key_series="trunk_incline_deg",
        ),
    ),
)
