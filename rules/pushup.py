"""Push-up: a plank that moves. The body line must hold through every rep.

The body line is the plank's: the angle at the hip between shoulder and
ankle, + when the hip hangs below the line, - when piked. Reps are counted on
the shoulders' height and must bend the elbows.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.measures import at_percentile, frames_by_level
from analyzer.judging.positions import hips_share, knees_down, prone, ramp, spread
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold

LINE = "hip_below_ankle_line_deg"
THRESHOLDS = {
    "sag": Threshold(
        warn=18.0, danger=25.0, unit="deg", note=15.0,
        reason="ERRORS.md push-up: hips sagging while lowering. Above the plank's 10 deg: the hips lag a "
        "little behind the shoulders in every rep, and good-form real clips reach 12-14 deg (mrpose__pushup's "
        "last reps 13.5-14.2); a note from 15, a warning from 18 (a rendered 20 deg sag reads 19, the real "
        "sagging reps of pushupcnt__pushup 22-32).",
    ),
    "pike": Threshold(
        warn=-18.0, danger=-30.0, unit="deg", above=False,
        reason="ERRORS.md push-up: piking. Hip well above the shoulder-ankle line through the rep.",
    ),
    "hands_forward": Threshold(
        warn=20.0, danger=30.0, unit="deg",
        reason="ERRORS.md push-up: hands far in front of the shoulders raise the lower back's load. The straight "
        "arm's lean from vertical at the top: hands under the shoulders read -2 on the skeleton, and the real "
        "good-form side-view push-ups -8 to 3 (mrpose__pushup, pushupcnt__pushup, pushupcnt__pushup4); 20 deg "
        "is the hands about 20 cm ahead for 60 cm arms, 30 deg a hand-length more.",
    ),
    "hands_behind": Threshold(
        warn=-15.0, danger=-25.0, unit="deg", above=False,
        reason="ERRORS.md push-up: hands far behind the shoulders (toward the hips) raise the lower back's load "
        "and strain the wrists; the arms lean back past 15 deg (hands 8 cm further back than the real "
        "good-form push-ups' -8) only when the hands sit well down toward the ribs.",
    ),
    "range": Threshold(
        warn=110.0, danger=130.0, unit="deg",
        reason="ERRORS.md push-up: partial range. Elbows should bend to about 90 deg (chest near the floor).",
    ),
}


def looks_like(features: Features) -> float:
    """Face down, the shoulders going up and down by the elbows bending (a plank's shoulders
    move by up to ~0.18 leg lengths, a push-up's by 0.4 and more: see rules/plank.py), the hips going
    with them (a cobra's stay on the floor), the legs staying back (their angle moves 20-38 deg over the
    real push-up sets; a burpee's jump in and out of the plank sweeps them through 80)."""
    return (
        ramp(spread(features, "shoulder_height"), 0.22, 0.35)
        * ramp(spread(features, "elbow_deg"), 25.0, 50.0)
        * ramp(hips_share(features), 0.15, 0.35)
        * (1.0 - ramp(spread(features, "leg_incline_deg"), 50.0, 65.0))
    )


def _whole_rep(ctx: Context, rep: RepSpan) -> np.ndarray:
    return np.arange(rep.start, rep.end + 1)


# Elbows straighter than this are the upper part of a push-up, where the knees are well off the floor:
# only at the bottom do a sagging push-up's knees come near it (skeleton, 25 deg sag: 0.09 leg lengths).
STRAIGHT_ARMS_DEG = 120.0


def in_pushup(features: Features) -> np.ndarray:
    """Frames in the push-up position: face down on the hands, not resting on the knees with the arms
    straight (a knee push-up, kneeling before or after the set); at the bottom, with the elbows bent,
    knees near the floor are a sagging push-up's and stay in."""
    on_knees = knees_down(features) & (features["elbow_deg"] > STRAIGHT_ARMS_DEG)
    return prone(features) & ~on_knees


# Turned from side-on, the arm's lean is foreshortened and hands set wider than the shoulders project onto
# it; skeleton push-ups turned up to 25 deg read up to a quarter less than side-on, never more
# (tests/test_rules.py); past that the view estimate itself is too uncertain to tell.
HANDS_MAX_YAW_DEG = 25.0


def _top(ctx: Context, rep: RepSpan) -> np.ndarray:
    """The rep's frames near the top (the highest fifth of the shoulders' travel), in the push-up
    position: where the arms are straight and their lean shows where the hands are."""
    frames = frames_by_level(ctx, rep, "shoulder_height", low=0.0, high=0.8)[1]
    return frames[in_pushup(ctx.features)[frames]]


def _in_position(ctx: Context, rep: RepSpan) -> np.ndarray:
    """The rep's frames in the push-up position: the body line means nothing while kneeling or
    getting up, nor in a frame where the model folded the legs onto the body."""
    frames = _whole_rep(ctx, rep)
    return frames[in_pushup(ctx.features)[frames]]


SETTINGS = {
    "pike_held_percentile": Setting(
        25.0, "percentile", "Piking is judged as held through the rep (its 25th percentile): hips lifting for a "
        "moment while getting up after the last rep are not a piked push-up.",
    ),
}


def _hand_placement(way: str, title: str, *, cue: str, why: str) -> Check:
    """The check of hands placed too far ``way`` ("forward" or "behind") of the shoulders: both read the
    straight arms' lean at the top of each rep, against their own limit."""
    return Check(
        code=f"pushup.hands_{way}",
        title=title,
        cue=cue,
        why=why,
        threshold=f"hands_{way}",
        series_label="Straight arms' lean at the top, above 0 hands ahead of the shoulders (deg)",
        measure=at_percentile("hands_ahead_deg", _top, 50.0),
        body_parts=("shoulder", "elbow", "wrist"),
        key_series="hands_ahead_deg",
        # turned from side-on, hands set wider than the shoulders show as ahead of or behind them
        max_yaw_deg=HANDS_MAX_YAW_DEG,
    )


EXERCISE = Exercise(
    name="pushup",
    title="Push-up",
    kind="reps",
    aliases=("push-up", "push up", "press-up", "incline pushup", "incline push-up"),
    rep_signal="shoulder_height",  # not the elbow angle: it flickers in the dark, the shoulders do not
    rep_rest="high",
    rep_min_amplitude=0.1,
    # the elbows bend at least this much in any push-up, even a half one (their top is ~165-175);
    # walking the hands out into the plank moves the shoulders as much with the elbows straight
    rep_min_range=("elbow_deg", 30.0),
    looks_like=looks_like,
    in_position=in_pushup,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    extra={"rep_metrics": ["elbow_deg", LINE], "tempo_angle": "elbow_deg"},
    checks=(
        Check(
            code="pushup.hip_sag",
            title="Hips sagging",
            cue="Brace your belly and squeeze your glutes so your body moves as one plank.",
            why="Sagging hips arch the lower back and put pressure on the spine.",
            headline=True,
            threshold="sag",
            series_label="Hips below the shoulder to ankle line, below 0 piked (deg)",
            measure=at_percentile(LINE, _in_position, 90.0),
            body_parts=("shoulder", "hip", "ankle"),
            key_series="hip_below_ankle_line_deg",
        ),
        Check(
            code="pushup.piking",
            title="Hips piking up",
            cue="Lower your hips into one line from shoulders to heels.",
            why="Piking shortens the lever and takes the work away from chest and core.",
            threshold="pike",
            series_label="Hips below the shoulder to ankle line, below 0 piked (deg)",
            measure=at_percentile(LINE, _in_position, SETTINGS["pike_held_percentile"].value),
            body_parts=("shoulder", "hip", "ankle"),
            key_series="hip_below_ankle_line_deg",
        ),
        _hand_placement(
            "forward", "Hands too far forward",
            cue="Place your hands under your shoulders, a little wider than them.",
            why="Hands far ahead of the shoulders make the lower back and the shoulders hold a longer lever.",
        ),
        _hand_placement(
            "behind", "Hands too far back",
            cue="Place your hands under your shoulders, not down by your ribs.",
            why="Hands far behind the shoulders load the lower back and bend the wrists past what they like.",
        ),
        Check(
            code="pushup.partial_range",
            title="Partial range of motion",
            cue="Lower until your elbows are bent to about 90 degrees, chest close to the floor.",
            why="Half reps build strength only in the easy half of the movement.",
            threshold="range",
            series_label="Elbow angle (deg)",
            # the deepest elbow bend of the rep (5th percentile: robust to one odd frame)
            measure=at_percentile("elbow_deg", _whole_rep, 5.0),
            body_parts=("shoulder", "elbow", "wrist"),
            key_series="elbow_deg",
        ),
    ),
)
