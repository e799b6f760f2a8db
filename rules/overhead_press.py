"""Overhead press (standing): the bar or dumbbells from the shoulders to straight arms overhead.

The fault the articles name is arching the lower back to get the arms up: the
trunk leans back under the weight. Seen from the side as the shoulder-hip
line's lean at the top of each press against the same rep's start in the
rack, so that posture and camera tilt cancel out. Reps are counted on the
wrists' height.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.measures import change_between, frames_by_level
from analyzer.judging.positions import percentile_of, ramp, spread, upright
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Threshold

REP_SIGNAL = "wrist_height"
THRESHOLDS = {
    "arch": Threshold(
        warn=-8.0, danger=-15.0, unit="deg", above=False,
        reason="ERRORS.md overhead press: arching the lower back to get the arms overhead. The trunk's lean "
        "back at the top against the rack: a press finished under the bar stays within 2.5 deg (skeleton, "
        "noise included); the skeleton's trunk leans back 0.66 deg per degree of lumbar and thoracic "
        "extension, so 8 deg is about 12 deg of arch, 15 deg about 22.",
    ),
}


def in_press(features: Features) -> np.ndarray:
    """Frames standing with the hands at the shoulders or above: the rack and the press, not the walk
    to the bar or the weights hanging at the sides."""
    return upright(features) & (features["wrist_height"] > features["shoulder_height"] - 0.15)


def looks_like(features: Features) -> float:
    """Standing still on the legs (the hips barely move: not a squat or a hinge) while the hands travel
    from the shoulders to well above the head."""
    hands_over_head = percentile_of(features["wrist_height"] - features["shoulder_height"], 95)
    return (
        ramp(spread(features, "wrist_height"), 0.25, 0.45)
        * ramp(hands_over_head, 0.3, 0.5)
        * (1.0 - ramp(spread(features, "hip_height"), 0.1, 0.25))
    )


def top_and_rack(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    """The press's top (the highest 15 % of the hands' travel) and its start in the rack (the lowest 15 %)."""
    rack, top = frames_by_level(ctx, rep, REP_SIGNAL, low=0.15, high=0.85)
    return top, rack


EXERCISE = Exercise(
    name="overhead_press",
    title="Overhead press",
    kind="reps",
    aliases=("overhead press", "shoulder press", "military press", "ohp"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=0.3,
    # the upper arm swings from forward-down in the rack to straight up: a shrug or a reach does not
    rep_min_range=("shoulder_deg", 60.0),
    looks_like=looks_like,
    in_position=in_press,
    thresholds=THRESHOLDS,
    extra={"rep_metrics": ["shoulder_deg", "trunk_lean_deg"], "tempo_angle": "shoulder_deg"},
    checks=(
        Check(
            code="overhead_press.back_arch",
            title="Arching the lower back",
            cue="Squeeze your glutes and brace your belly, ribs down: press straight up and finish with the "
            "weight over your mid-foot; lighten it if you have to lean back.",
            why="Leaning back to get the arms up hinges the lower back under the weight and compresses its "
            "discs and joints.",
            threshold="arch",
            series_label="Trunk's lean at the top against the rack, below 0 leaning back (deg)",
            measure=change_between("trunk_lean_deg", top_and_rack, percentile=10.0),
            body_parts=("shoulder", "hip"),
            key_series="trunk_lean_deg",
        ),
    ),
)
