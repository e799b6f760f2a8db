"""Plank (forearm or straight-arm): a straight line from head to heels, held.

The body line is the angle at the hip between shoulder and ankle, signed:
positive when the hip hangs below the shoulder-ankle line (sagging), negative
when above it (piking). Geometry for scale: with a 0.5 m trunk and 0.9 m
legs, a hip 5 cm off the line bends it by about 9 degrees, 10 cm by about 17.
Judged as a hold (analyzer.judging.holds): a fault must last a second, and is
reported from the moment it started.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.holds import HOLD_SETTINGS, held_fault
from analyzer.judging.positions import knees_down, prone, ramp, spread, typical
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold
from analyzer.report import Finding

THRESHOLDS = {
    "sag": Threshold(
        warn=10.0, danger=20.0, unit="deg", note=6.0,
        reason="ERRORS.md plank: sagging hips. ~5 cm below the shoulder-ankle line; 20 deg is a ~12 cm sag, "
        "visible to any coach. Geometry of a 1.75 m body; checked on our skeleton tracks. A note from 6 deg "
        "(~3 cm, starting to sag): good-form real planks read -5 to -25, never on the sagging side.",
    ),
    "pike": Threshold(
        warn=-35.0, danger=-50.0, unit="deg", above=False, note=-28.0,
        reason="ERRORS.md plank: piked hips, the body an upside-down V. Measured on real planks: good-form "
        "ones read -5 to -25 (median; two real clips and 8 planks labelled correct in a public "
        "exercise-correction dataset, none past -28 at its 5th percentile), the 7 labelled 'hips too high' "
        "-64 to -85 (none short of -51); 35 deg is a hip ~20 cm above the shoulder-ankle line. A note from "
        "-28 (hips a little high, ~15 cm): past the labelled correct planks' 5th percentile, so a coach's "
        "'lower the hips a bit' is said without calling good form a fault.",
    ),
    "head_drop": Threshold(
        warn=25.0, danger=40.0, unit="deg",
        reason="ERRORS.md plank: gaze to the floor with the neck in line; ear more than 25 deg below the "
        "trunk line is the head hanging.",
    ),
}
SETTINGS = {
    **HOLD_SETTINGS,
    "max_body_line": Setting(
        100.0, "deg", "A bad sag or pike is still a plank, and exactly what must be judged: real planks labelled "
        "'hips too high' read down to -85 deg (-100 with a frame ratio estimated 25 % off). A downward dog reads "
        "about -95 too, but prone() already leaves it out (its legs point down, its hips are high above the ankles).",
    ),
}


def in_plank(features: Features) -> np.ndarray:
    """Frames in a plank: face down, level, legs straight, the knees off the floor (lying on the floor,
    on the forearms too, and a knee plank are not a plank); the body line may be far off."""
    line_ok = np.abs(features["hip_below_ankle_line_deg"]) < SETTINGS["max_body_line"].value
    return prone(features) & ~knees_down(features) & line_ok


def looks_like(features: Features) -> float:
    """Face down and level, the shoulders staying put.

    Real planks move the shoulders by up to ~0.18 leg lengths (5th to 95th
    percentile: breathing, settling, landmark jitter; measured on the real
    clips); a push-up moves them by 0.4 and more. Face down the two shoulders
    are level from any view; one standing above the other is a side plank. The legs hold still too (their
    angle moves 1-15 deg over the real planks' holds; a leg raise sweeps them through 80, lying on the back
    with the arms out, which can pass for face down).
    """
    still = (1.0 - ramp(spread(features, "shoulder_height"), 0.22, 0.35)) * (
        1.0 - ramp(spread(features, "leg_incline_deg"), 30.0, 50.0)
    )
    return still * (1.0 - ramp(typical(features, "shoulders_stacked"), 0.3, 0.5))


def sagging_hips(ctx: Context, check: Check) -> list[Finding]:
    return held_fault(ctx, check, "hip_below_ankle_line_deg", THRESHOLDS["sag"])


def piked_hips(ctx: Context, check: Check) -> list[Finding]:
    return held_fault(ctx, check, "hip_below_ankle_line_deg", THRESHOLDS["pike"])


def head_dropping(ctx: Context, check: Check) -> list[Finding]:
    return held_fault(ctx, check, "neck_bend_deg", THRESHOLDS["head_drop"])


EXERCISE = Exercise(
    name="plank",
    title="Plank",
    kind="hold",
    aliases=("forearm plank", "front plank", "high plank"),
    in_position=in_plank,
    looks_like=looks_like,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    checks=(
        Check(
            code="plank.sagging_hips",
            title="Sagging hips",
            cue="Squeeze your glutes and brace your belly to lift the hips into one line from shoulders to heels.",
            why="Hips that drop let the lower back arch and take the load, the 'pinching' people feel in planks.",
            headline=True,
            threshold="sag",
            series_label="Hips below the shoulder to ankle line, 1 s median, below 0 piked (deg)",
            run=sagging_hips,
            body_parts=("shoulder", "hip", "ankle"),
            key_series="hip_below_ankle_line_deg",
        ),
        Check(
            code="plank.piked_hips",
            title="Piked hips",
            cue="Lower your hips until shoulders, hips and heels form one straight line.",
            why="With the hips high the core stops working and the exercise loses its point.",
            threshold="pike",
            series_label="Hips below the shoulder to ankle line, 1 s median, below 0 piked (deg)",
            run=piked_hips,
            body_parts=("shoulder", "hip", "ankle"),
            key_series="hip_below_ankle_line_deg",
        ),
        Check(
            code="plank.head_dropping",
            title="Head dropping",
            cue="Keep your neck long: look at the floor just ahead of your hands.",
            why="A hanging head strains the neck and usually comes with the shoulders sagging.",
            threshold="head_drop",
            series_label="Head bend below the trunk line, 1 s median (deg)",
            run=head_dropping,
            body_parts=("ear", "shoulder"),
            key_series="neck_bend_deg",
        ),
    ),
)
