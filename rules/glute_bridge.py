"""Glute bridge: lying on the back, lift the hips until shoulders, hips and knees form one line.

Hyperextension is the hip pushed above that line at the top, with the lower
back arching to get it there. The line is the angle at the hip between
shoulder and knee, signed: negative when the hip is above the line. The mask
outline is not used here: lying on the back, the arms on the mat sit where
the back's outline would be (measured on real clips).
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.measures import at_percentile, frames_by_level, lowering_time
from analyzer.judging.positions import ramp, shoulders_lead, spread, typical
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold

REP_SIGNAL = "hip_height"
LINE = "hip_below_knee_line_deg"
# Off side-on by more than this (estimated), the bridge's line is not judged (see the checks).
MAX_YAW_DEG = 20.0
SETTINGS = {
    "arch_held_percentile": Setting(
        25.0, "percentile", "The arch is judged as held at the top (its 25th percentile toward the arch): a clean "
        "bridge filmed 30 deg off side-on dips past the threshold for a few frames of a rep (rendered bodies), "
        "an arched one stays past it.",
    ),
}
THRESHOLDS = {
    "hyperextension": Threshold(
        warn=-20.0, danger=-30.0, unit="deg", above=False, note=-16.0,
        reason="ERRORS.md glute bridge: hyperextension. Target is shoulders, hips and knees in one line. "
        "MediaPipe's shoulder point sits off the joint, so a bridge with the joints in line reads -4 to -12 "
        "side-on and down to -19 filmed 30 deg off it (renders of varied bodies); 10 deg of lumbar arching "
        "reads ~-14, 20 deg -26 to -36 (tools/synth). 20 is a hip ~7 cm above where the landmarks put a "
        "straight bridge; a note from -16, past every clean bridge within the 20 deg view gate (10 deg of "
        "arching starts there).",
    ),
    "low_lift": Threshold(
        warn=20.0, danger=35.0, unit="deg",
        reason="ERRORS.md glute bridge: too little lift. Hip still 20 deg below the shoulder-knee line at the top.",
    ),
    "knees_over_heels": Threshold(
        warn=25.0, danger=40.0, unit="deg",
        reason="ERRORS.md glute bridge: feet placement, knees should end over the heels: shin more than 25 deg "
        "off vertical at the top.",
    ),
    "lowering": Threshold(
        warn=0.6, danger=0.35, unit="s", above=False,
        reason="ERRORS.md glute bridge: lowering too fast ('hold a moment, lower slowly'): top to floor in "
        "under 0.6 s is a drop, not a controlled lowering.",
    ),
}


def supine(features: Features) -> np.ndarray:
    """Frames lying face up with the knees bent (face up unknown without ears: not excluded), the
    hips anywhere a body can put them: from on the floor (the line ~80 deg above them) to 60 deg over
    the line. Beyond, the landmarks are a misread (close-ups, a leg taken for the trunk)."""
    line = features[LINE]
    return (
        (features["trunk_incline_deg"] > 45.0)
        & ~(features["face_up"] <= 0.0)
        & (features["knee_deg"] < 140.0)
        & (line > -60.0)
        & (line < 100.0)
    )


def looks_like(features: Features) -> float:
    """Lying face up, the hips going up and down, the shoulders staying on the floor (a crunch moves the
    shoulders, not the hips: rules/crunch.py)."""
    return (
        ramp(spread(features, "hip_below_knee_line_deg"), 10.0, 25.0)
        * ramp(typical(features, "face_up"), 0.0, 0.15)
        * (1.0 - ramp(shoulders_lead(features), 0.0, 0.15))
    )


def _top(ctx: Context, rep: RepSpan) -> np.ndarray:
    """The rep's top frames where the body reads as a bridge (a misread frame is not a fault)."""
    top = frames_by_level(ctx, rep, REP_SIGNAL, high=0.85)[1]
    return top[supine(ctx.features)[top]]




EXERCISE = Exercise(
    name="glute_bridge",
    title="Glute bridge",
    kind="reps",
    aliases=("bridge", "hip bridge", "glute-bridge"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=0.08,
    looks_like=looks_like,
    in_position=supine,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    extra={"rep_metrics": [LINE, "knee_deg"], "tempo_angle": "hip_deg"},
    checks=(
        Check(
            code="glute_bridge.hyperextension",
            title="Hips too high, lower back arching",
            cue="Stop when shoulders, hips and knees form one line; squeeze the glutes instead of arching.",
            why="Lifting past the line makes the lower back do the work and compresses the spinal discs.",
            headline=True,
            threshold="hyperextension",
            series_label="Hips below the shoulder to knee line at the top, below 0 arched (deg)",
            measure=at_percentile(LINE, _top, SETTINGS["arch_held_percentile"].value),
            body_parts=("shoulder", "hip", "knee"),
            key_series="hip_below_knee_line_deg",
            views=("side",),
            # the shoulder-knee line leans with the yaw, the more so the higher the camera: renders of clean
            # bridges read -12 deg side-on and -34 at 32 deg off it (estimated 24)
            max_yaw_deg=MAX_YAW_DEG,
        ),
        Check(
            code="glute_bridge.low_lift",
            title="Too little lift",
            cue="Drive through your heels and lift until your hips are in line with shoulders and knees.",
            why="Stopping short leaves the glutes, the muscles the exercise is for, barely working.",
            threshold="low_lift",
            series_label="Hips below the shoulder to knee line at the top, below 0 arched (deg)",
            measure=at_percentile(LINE, _top, 50.0),
            body_parts=("shoulder", "hip", "knee"),
            key_series="hip_below_knee_line_deg",
            max_yaw_deg=MAX_YAW_DEG,
        ),
        Check(
            code="glute_bridge.knees_over_heels",
            title="Knees not over the heels",
            cue="Move your feet so that at the top your knees sit right above your heels.",
            why="Feet too far away or too close shift the work to the hamstrings or the knees and lower back.",
            threshold="knees_over_heels",
            series_label="Shin tilt from vertical at the top (deg)",
            measure=at_percentile("shin_incline_deg", _top, 50.0),
            body_parts=("knee", "ankle"),
            key_series="shin_incline_deg",
        ),
        Check(
            code="glute_bridge.lowering_fast",
            title="Lowering too fast",
            cue="Hold the top for a moment, then lower slowly over two seconds.",
            why="Dropping the hips gives up control, and control is what protects the back.",
            threshold="lowering",
            series_label="Time to lower from the top (s)",
            measure=lowering_time(REP_SIGNAL, _top, low=0.15),
            body_parts=("shoulder", "hip", "knee"),
            key_series="hip_height",
        ),
    ),
)
