"""Squat (back, front, goblet, bodyweight): sit down between the heels with a neutral spine.

Butt wink, the pelvis tucking under at the bottom, barely moves the landmarks
(25 deg of posterior tilt moves the trunk line by ~3 deg). Two cues read it
from the body mask:

- ``squat.butt_wink``: the spine estimator's lumbar flexion (analyzer/pose/spine.py,
  absolute angles) at the very bottom of each rep against the same person
  standing in that rep: the pelvis tucking under rounds the lower back, on
  every rep or on one.
- ``squat.butt_wink_across_reps``: how far the lower back's outline stands out
  against the buttock (``img_lumbar_fill``), bottom against standing, beyond
  the person's own best rep of at least the same depth. That change also
  depends on the body, the clothes and the camera (220 rendered reps of 59
  bodies: spread 4x larger between people than between one person's clean
  reps), so only a wink that comes and goes across the set shows; it needs no
  model, and works on tracks exported before the estimator.

Everything else is landmark geometry.
"""

from __future__ import annotations

import numpy as np

from analyzer.features import spine
from analyzer.features.kinematics import Features
from analyzer.judging.measures import (
    RepValue,
    at_percentile,
    change_between,
    frames_by_level,
    per_rep_check,
    percentile_at,
)
from analyzer.judging.positions import (
    arms_hanging,
    hands_below_hips,
    highest,
    percentile_of,
    ramp,
    seen_cues,
    spread,
    upright,
)
from analyzer.judging.reps import RepSpan
from analyzer.judging.rounding import SPINE_SETTINGS
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold
from analyzer.report import Finding

# The hips' height over the feet, not in the frame: stepping toward the camera between reps moves the
# whole body down the frame as far as a squat does (mrpose__squat2, filmed from the front).
REP_SIGNAL = "hip_above_feet"
# Turned further than this from side-on, the thigh points at the camera and shortens in the picture, and the
# knee reads straighter than it is: skeleton squats at parallel read 9 deg straighter at 35 deg of yaw, 12 at
# 40, 22 at 55, and a squat fine side-on read 'not deep enough' at 60 (mrpose__squat2, its lifter turned
# toward the camera: full-depth goblet squats read 140-154). Within it a parallel squat stays under the limit.
DEPTH_MAX_YAW_DEG = 40.0
SETTINGS = {
    "spine_quality": SPINE_SETTINGS["spine_quality"],
    "spine_time": Setting(
        200.0, "ms", "A rep's lumbar angle (and its outline's tuck) is judged only with at least this much trusted "
        "bottom and standing: a wink is held through the bottom (rendered squats pause there 0.3 s and spend "
        "~0.5 s in the lowest tenth), while a cross-fade or a glimpse of a few frames is not a wink.",
    ),
    "spine_min_knee": Setting(
        40.0, "deg", "The spine estimator learnt squats from above parallel to well below it (MediaPipe reads the "
        "renders' bottoms at a knee angle of 42-85 deg, 5th to 95th percentile; held-out clips bottoming out under "
        "55 deg: winks 7 of 7 found, clean 0 of 8 flagged): a rep bottoming out deeper than this is outside what "
        "it knows, and the lumbar spine rounds further there in any squat, so that rep is left to the across-reps "
        "cue.",
    ),
    "outline_quality": Setting(
        0.6, "share of the back traced", "The outline is trusted only where the mask traced most of the back "
        "(a bar's plates or the arms crossing it lower the quality); renders read 0.7-0.95, real phone clips "
        "0.45-0.9 (compression, clothes).",
    ),
    "same_depth": Setting(
        5.0, "deg", "A rep is compared with reps at least this deep (knee angle at the bottom): squatting deeper "
        "reshapes the hip's outline even with a neutral spine.",
    ),
    "best_reps_percentile": Setting(
        25.0, "percentile", "The reference is the other reps' lower quartile, not their minimum: one rep whose "
        "outline happened to read low must not make every other rep a wink.",
    ),
    "peer_reps": Setting(
        2.0, "reps", "A rep is compared with at least this many other reps of its depth: against a single one, that "
        "rep's own noise decides (one that happened to read low makes the other a wink), and the deepest rep of a "
        "set often has one peer only.",
    ),
}
NO_REFERENCE_REP = (
    "butt wink is judged by comparing your reps with each other, and no three reps of similar depth had a clear "
    "lower-back outline at the bottom (turned from the camera, the bar, arms or baggy clothes across it, or a "
    "single rep); film three or more reps exactly from the side, camera at hip height, in fitted clothes."
)
SPINE_UNSEEN = (
    "the lower back's angle could not be read at the bottom and standing of any rep: turned from the camera, the "
    "bar, arms or baggy clothes across it, or squats deeper than the spine estimator has learnt (a knee angle "
    f"under {SETTINGS['spine_min_knee'].value:.0f} deg at the bottom); film exactly from the side, camera at hip height, in fitted clothes."
)
THRESHOLDS = {
    "butt_wink": Threshold(
        warn=10.0, danger=15.0, unit="deg",
        reason="ERRORS.md squat: butt wink. Lumbar flexion (the spine estimator) at the very bottom beyond the "
        "same person standing, median over the bottom frames. The lumbar spine loses some lordosis in any "
        "deep squat; a wink is the pelvis tucking under on top of that. 10 deg is past the estimator on clean "
        "rendered squats (80 of 81 held-out clean squats below it, shallow to below parallel; rendered verdict "
        "clips -1.9 to 1.4 deg) and below what 15-25 deg of rendered wink reads side-on to 25 deg off it (15.1-25.6 "
        "deg, 8 reps); the estimator reads winks at about 0.7 of their size across the held-out clips, so 15 is "
        "already a clear tuck (tools/spine/README.md).",
    ),
    "wink_across_reps": Threshold(
        warn=2.0, danger=3.5, unit="% trunk",
        reason="ERRORS.md squat: butt wink. Rise of the lower back against the buttock from standing to the "
        "bottom, beyond the person's own best rep of the same depth. Renders (tools/synth, 220 reps, yaw 0-30): "
        "clean reps sit within 1.7 of the best rep (97.5th percentile), a 20 deg posterior tilt reads 2.7, "
        "30 deg 3.6.",
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
    twice) and the arms do not hang straight all through (the bar on the back, at the chest, the arms
    reaching forward), the trunk fairly upright, the knees bending a lot (the deadlift's mirror image); the feet
    never leave the floor (a jump's take-off and landing bend the same joints)."""
    bends = ramp(spread(features, "hip_deg"), 25.0, 50.0) * (1.0 - ramp(highest(features, "feet_lift"), 0.1, 0.2))
    cues = seen_cues([
        (2.0, hands_below_hips(features), 0.35, 0.1),
        (1.0, arms_hanging(features), 0.95, 0.7),
        (1.0, percentile_of(features["trunk_incline_deg"], 90), 55.0, 35.0),
        (1.0, spread(features, "knee_deg"), 50.0, 90.0),
    ])
    return bends * cues


def bottom_and_standing(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    return frames_by_level(ctx, rep, REP_SIGNAL, low=0.15, high=0.85)


def bottom(ctx: Context, rep: RepSpan) -> np.ndarray:
    return frames_by_level(ctx, rep, REP_SIGNAL, low=0.15)[0]


def _bottom_and_standing_strict(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    """The very bottom (lowest 10 % of hip height) and full standing (top 15 %) of a rep."""
    return frames_by_level(ctx, rep, REP_SIGNAL, low=0.1, high=0.85)


# How much the lower back rose against the buttock from standing to the very bottom of a rep.
_tuck = change_between(
    "img_lumbar_fill", _bottom_and_standing_strict, quality="img_quality",
    min_quality=SETTINGS["outline_quality"].value, percentile=50.0, min_ms=SETTINGS["spine_time"].value,
)


def butt_wink_across_reps(ctx: Context, check: Check) -> list[Finding]:
    """Each rep's tuck beyond the best of the other reps at least as deep (see the module doc)."""
    tucks = [_tuck(ctx, rep) for rep in ctx.reps]
    depths = [percentile_at(ctx.features["knee_deg"], bottom(ctx, rep), 10.0) for rep in ctx.reps]

    def beyond_best_rep(ctx: Context, rep: RepSpan) -> RepValue | None:
        i = ctx.reps.index(rep)
        own = tucks[i]
        peers = [t.value for j, t in enumerate(tucks)
                 if j != i and t is not None and depths[j] <= depths[i] + SETTINGS["same_depth"].value]
        if own is None or len(peers) < SETTINGS["peer_reps"].value:
            return None
        best = float(np.percentile(peers, SETTINGS["best_reps_percentile"].value))
        return RepValue(own.value - best, own.frames, own.per_frame - best, own.confidence)

    return per_rep_check(ctx, check, THRESHOLDS["wink_across_reps"], beyond_best_rep, unmeasured=NO_REFERENCE_REP)


_lumbar_change = change_between(
    spine.LUMBAR, _bottom_and_standing_strict, quality=spine.QUALITY, min_quality=SETTINGS["spine_quality"].value,
    percentile=50.0, min_ms=SETTINGS["spine_time"].value,
)


def _lumbar_tuck(ctx: Context, rep: RepSpan) -> RepValue | None:
    """How much the lumbar spine flexed from standing to the very bottom of a rep (the pelvis tucking
    under), for reps no deeper than the estimator knows."""
    if percentile_at(ctx.features["knee_deg"], bottom(ctx, rep), 10.0) < SETTINGS["spine_min_knee"].value:
        return None
    return _lumbar_change(ctx, rep)


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


def trunk_over_shin(features: Features) -> np.ndarray:
    """How much further the trunk leans forward than the shins (deg): parallel is a balanced squat."""
    return features["trunk_incline_deg"] - features["shin_incline_deg"]


def _knee_gap_vs_standing(ctx: Context, rep: RepSpan) -> RepValue:
    ratio = ctx.features["knee_ankle_width_ratio"]
    low, high = frames_by_level(ctx, rep, REP_SIGNAL)
    relative = ratio[low] / percentile_at(ratio, high, 50.0)
    return RepValue(percentile_at(relative, np.arange(len(low)), 10.0), low, relative)


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
    settings=SETTINGS,
    extra={"rep_metrics": ["knee_deg", "hip_deg", "trunk_incline_deg"], "tempo_angle": "knee_deg"},
    checks=(
        Check(
            code="squat.butt_wink",
            title="Butt wink (pelvis tucking under)",
            cue="Stop the descent just above the depth where your lower back starts to round, and brace.",
            why="The pelvis tucking under rounds the lower back at the bottom and puts pressure on the lumbar spine.",
            headline=True,
            threshold="butt_wink",
            series_label="Lower-back rounding at the bottom, beyond standing (deg)",
            measure=_lumbar_tuck,
            unmeasured=SPINE_UNSEEN,
            views=("side",),  # turned further, the outline is partly the flank
            needs=(spine.LUMBAR,),
            body_parts=("shoulder", "hip", "knee"),
            key_series=spine.LUMBAR,
        ),
        Check(
            code="squat.butt_wink_across_reps",
            title="Butt wink on some reps",
            cue="Stop the descent just above the depth where your lower back starts to round, and brace.",
            why="The pelvis tucking under rounds the lower back at the bottom and puts pressure on the lumbar spine.",
            threshold="wink_across_reps",
            series_label="Lower-back tuck beyond your best reps of that depth (% of trunk length)",
            run=butt_wink_across_reps,
            backs_up="squat.butt_wink",
            views=("side",),  # turned further, the outline is partly the flank
            needs=("img_lumbar_fill",),
            body_parts=("shoulder", "hip", "knee"),
            key_series="img_lumbar_fill",
        ),
        Check(
            code="squat.heels_lifting",
            title="Knees too far forward, heels lifting",
            cue="Sit the hips back and keep your whole foot on the floor, knees tracking over the toes.",
            why="Rising onto the toes shifts the load forward and makes the back round to keep balance.",
            threshold="heels",
            series_label="Heel rise at the bottom, beyond standing (leg lengths)",
            measure=_heel_lift,
            unmeasured=FEET_UNSEEN,
            body_parts=("knee", "ankle", "heel", "foot_index"),
            key_series="heel_rise",
        ),
        Check(
            code="squat.depth",
            title="Not deep enough",
            cue="Sit lower, toward thighs parallel to the floor, as far as your back stays neutral.",
            why="A partial squat trains only part of the range the exercise is meant for.",
            threshold="depth",
            series_label="Knee angle at the bottom (deg)",
            # the deepest knee bend of the rep (its 10th percentile, robust to one odd frame)
            measure=at_percentile("knee_deg", bottom, 10.0),
            max_yaw_deg=DEPTH_MAX_YAW_DEG,
            body_parts=("hip", "knee", "ankle"),
            key_series="knee_deg",
        ),
        Check(
            code="squat.forward_lean",
            title="Excessive forward lean",
            cue="Keep your chest up and your gaze ahead; let the knees travel forward a little more.",
            why="Folding forward turns the squat into a good-morning and loads the lower back.",
            threshold="lean",
            series_label="Trunk lean beyond the shins at the bottom (deg)",
            measure=at_percentile(trunk_over_shin, bottom, 90.0),
            body_parts=("shoulder", "hip"),
            key_series="trunk_incline_deg",
        ),
        Check(
            code="squat.knee_cave",
            title="Knees caving in",
            cue="Push your knees out so they stay over your toes all the way down and up.",
            why="Knees collapsing inward strain the knee and hip.",
            threshold="knee_cave",
            series_label="Knee width at the bottom over standing (ratio)",
            measure=_knee_gap_vs_standing,
            views=("front",),
            body_parts=("hip", "knee", "ankle"),
            key_series="knee_ankle_width_ratio",
        ),
    ),
)
