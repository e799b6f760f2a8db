"""Squat (back, front, goblet, bodyweight): sit down between the heels with a neutral spine.

Butt wink, the pelvis tucking under at the bottom, barely moves the landmarks
(DESIGN.md: 25 deg of posterior tilt moves the trunk line by under 3 deg), so
it is read from the back outline in the mask: the lumbar bend at the bottom of
each rep against the same rep on the way down at about parallel, where the
spine is still neutral in a good squat. Everything else is landmark geometry.
"""

from __future__ import annotations

import numpy as np

from analyzer.kinematics import Features
from analyzer.report import Finding
from analyzer.reps import RepSpan
from analyzer.rulebook import (
    Check,
    Context,
    Exercise,
    RepValue,
    Threshold,
    change_between,
    frames_by_level,
    hands_below_hips,
    per_rep_check,
    percentile_at,
    ramp,
    rep_levels,
    spread,
    upright,
)
from analyzer.spine import flexion_change

REP_SIGNAL = "hip_height"
# The outline is trusted only where the mask traced most of the back (a bar's
# plates or the arms crossing it lower the quality). Stricter than the
# deadlift's: the bottom of a squat is short and the real clips' outline there
# is noisy (bar, arms, close crop).
MIN_OUTLINE_QUALITY = 0.7
OUTLINE_UNSEEN = (
    "the lower back's outline was not clear enough at the bottom of any rep (turned from the camera, or the bar, "
    "arms or baggy clothes across it); film exactly from the side, camera at hip height, in fitted clothes."
)
THRESHOLDS = {
    "butt_wink": Threshold(
        warn=18.0, danger=28.0, unit="deg",
        reason="ERRORS.md squat: butt wink. Flexion of the back outline at the very bottom vs. about parallel "
        "(analyzer.spine.flexion_change). Only a gross, visible lumbar rounding is claimed: on renders a "
        "20-30 deg posterior tilt changes the outline by under 5 deg (it mostly shifts the trunk back), "
        "while good-form real squats reach 12 deg; 18 keeps those quiet.",
    ),
    "heels": Threshold(
        warn=0.07, danger=0.12, unit="leg lengths",
        reason="ERRORS.md squat: knees far forward with the heels lifting. Heel rise at the bottom vs. "
        "standing; 0.07 leg lengths is ~6 cm off the floor, above the foot landmarks' jitter (~3 cm).",
    ),
    "depth": Threshold(
        warn=125.0, danger=140.0, unit="deg",
        reason="ERRORS.md squat: range of motion. Smallest knee angle of the rep; MediaPipe places the hip "
        "high in deep flexion, so a parallel squat reads ~100-110 deg and a deep one ~90 (measured on real "
        "clips): 125 is a half squat, 140 a quarter squat.",
    ),
    "lean": Threshold(
        warn=35.0, danger=50.0, unit="deg",
        reason="ERRORS.md squat: excessive forward lean. Trunk inclined this much more than the shins at the "
        "bottom; in a balanced squat they are near parallel, and good bodyweight squats (arms forward as a "
        "counterweight) reach ~30 in our real clips.",
    ),
    "knee_cave": Threshold(
        warn=0.85, danger=0.7, unit="ratio", above=False,
        reason="ERRORS.md squat: knees caving in. Knee gap / ankle gap at the bottom relative to standing, "
        "from the front.",
    ),
}


def looks_like(features: Features) -> float:
    """Hips and knees bend: the hands stay up by the hips or higher (the strongest cue, counted
    twice), the trunk fairly upright, the knees bending a lot (the deadlift's mirror image)."""
    bends = ramp(spread(features, "hip_deg"), 25.0, 50.0)
    cues = (
        2 * ramp(hands_below_hips(features), 0.35, 0.1)
        + ramp(float(np.nanpercentile(features["trunk_incline_deg"], 90)), 55.0, 35.0)
        + ramp(spread(features, "knee_deg"), 50.0, 90.0)
    )
    return bends * cues / 4


def bottom_and_parallel(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    """The very bottom of the rep, and the frames a little higher (about parallel) of the same rep.

    The lumbar outline changes with hip flexion even in a good squat; the wink
    is the extra tuck in the last part of the descent.
    """
    idx, u = rep_levels(ctx, rep, REP_SIGNAL)
    return idx[u <= 0.1], idx[(u >= 0.25) & (u <= 0.5)]


def bottom_and_standing(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    return frames_by_level(ctx, rep, REP_SIGNAL, low=0.15, high=0.85)


def bottom(ctx: Context, rep: RepSpan) -> np.ndarray:
    return frames_by_level(ctx, rep, REP_SIGNAL, low=0.15)[0]


def butt_wink(ctx: Context, check: Check) -> list[Finding]:
    measure = flexion_change(bottom_and_parallel, MIN_OUTLINE_QUALITY)
    return per_rep_check(ctx, check, THRESHOLDS["butt_wink"], measure, unmeasured=OUTLINE_UNSEEN)


def _heel_lift(ctx: Context, rep: RepSpan) -> RepValue | None:
    """How far the heel rises at the bottom: above the toes AND above where it stood.

    Both must show it: a hidden foot (a rack post, the other leg) makes the
    model guess heel and toe points that wander apart, but a guessed heel does
    not also rise off the floor while the camera stays still.
    """
    over_toes = change_between("heel_rise", bottom_and_standing)(ctx, rep)
    off_floor = change_between("heel_height", bottom_and_standing)(ctx, rep)
    if over_toes is None or off_floor is None:
        return None
    return over_toes if over_toes.value <= off_floor.value else off_floor


FEET_UNSEEN = (
    "the feet were not in full view at the bottom of any rep (cut off by the frame's edge or hidden): "
    "film with the whole body, feet included, inside the frame."
)


def heels_lifting(ctx: Context, check: Check) -> list[Finding]:
    return per_rep_check(ctx, check, THRESHOLDS["heels"], _heel_lift, unmeasured=FEET_UNSEEN)


def depth(ctx: Context, check: Check) -> list[Finding]:
    """The deepest knee bend of the rep (its 10th percentile, robust to one odd frame)."""
    return per_rep_check(
        ctx, check, THRESHOLDS["depth"], lambda c, rep: RepValue.at(c.features["knee_deg"], bottom(c, rep), 10.0)
    )


def forward_lean(ctx: Context, check: Check) -> list[Finding]:
    threshold = THRESHOLDS["lean"]
    trunk_over_shin = ctx.features["trunk_incline_deg"] - ctx.features["shin_incline_deg"]
    return per_rep_check(ctx, check, threshold, lambda c, rep: RepValue.worst(trunk_over_shin, bottom(c, rep), threshold))


def _knee_gap_vs_standing(ctx: Context, rep: RepSpan) -> RepValue:
    ratio = ctx.features["knee_ankle_width_ratio"]
    low, high = frames_by_level(ctx, rep, REP_SIGNAL)
    relative = ratio[low] / percentile_at(ratio, high, 50.0)
    return RepValue(percentile_at(relative, np.arange(len(low)), 10.0), low, relative)


def knee_cave(ctx: Context, check: Check) -> list[Finding]:
    return per_rep_check(ctx, check, THRESHOLDS["knee_cave"], _knee_gap_vs_standing)


EXERCISE = Exercise(
    name="squat",
    title="Squat",
    kind="reps",
    aliases=("back squat", "front squat", "goblet squat", "bodyweight squat", "air squat"),
    rep_signal=REP_SIGNAL,
    rep_rest="high",
    rep_min_amplitude=0.08,  # leg lengths: ~7 cm, so even a quarter squat counts (and is judged)
    looks_like=looks_like,
    in_position=upright,
    thresholds=THRESHOLDS,
    extra={"rep_metrics": ["knee_deg", "hip_deg", "trunk_incline_deg"], "tempo_angle": "knee_deg"},
    checks=(
        Check(
            code="squat.butt_wink",
            title="Butt wink (pelvis tucking under)",
            cue="Stop the descent just above the depth where your lower back starts to round, and brace.",
            why="The pelvis tucking under rounds the lower back at the bottom and puts pressure on the lumbar spine.",
            run=butt_wink,
            needs=("img_back_bend_deg",),
            body_parts=("shoulder", "hip", "knee"),
            key_series="img_back_bend_deg",
        ),
        Check(
            code="squat.heels_lifting",
            title="Knees too far forward, heels lifting",
            cue="Sit the hips back and keep your whole foot on the floor, knees tracking over the toes.",
            why="Rising onto the toes shifts the load forward and makes the back round to keep balance.",
            run=heels_lifting,
            body_parts=("knee", "ankle", "heel", "foot_index"),
            key_series="heel_rise",
        ),
        Check(
            code="squat.depth",
            title="Not deep enough",
            cue="Sit lower, toward thighs parallel to the floor, as far as your back stays neutral.",
            why="A partial squat trains only part of the range the exercise is meant for.",
            run=depth,
            body_parts=("hip", "knee", "ankle"),
            key_series="knee_deg",
        ),
        Check(
            code="squat.forward_lean",
            title="Excessive forward lean",
            cue="Keep your chest up and your gaze ahead; let the knees travel forward a little more.",
            why="Folding forward turns the squat into a good-morning and loads the lower back.",
            run=forward_lean,
            body_parts=("shoulder", "hip"),
            key_series="trunk_incline_deg",
        ),
        Check(
            code="squat.knee_cave",
            title="Knees caving in",
            cue="Push your knees out so they stay over your toes all the way down and up.",
            why="Knees collapsing inward strain the knee and hip.",
            run=knee_cave,
            views=("front",),
            body_parts=("hip", "knee", "ankle"),
            key_series="knee_ankle_width_ratio",
        ),
    ),
)
