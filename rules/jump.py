"""Vertical jump (countermovement jump, squat jump): take-off, flight, landing; each jump is a rep.

The articles (ERRORS.md: torso twist, toe touch, burpee, jumping) say landing mechanics matter: a
landing on locked knees sends the impact up through the joints to the spine, where knees that give
absorb it. Read as the knees' bend in the first moments after touchdown against their straightness
before the take-off. A rep is one flight: both feet off the floor (the lowest heel or toes above
where the feet stand, ``feet_lift``), which a squat, a step or rising onto the toes never gives.
Landing somewhere else than the take-off (onto a box) moves where the feet stand and is not judged.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.measures import RepValue, frames_for, percentile_at
from analyzer.judging.positions import highest, ramp, upright
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold

REP_SIGNAL = "feet_lift"
THRESHOLDS = {
    "landing": Threshold(
        warn=30.0, danger=20.0, unit="deg", above=False,
        reason="ERRORS.md jumping: landing mechanics matter. The knees' bend within 0.3 s of touchdown against "
        "standing: a soft landing bends them 45 deg and more, locked knees 15 or less, leaving the impact to the "
        "joints and the spine; 30 is well short of soft, 20 nearly locked. Skeleton jumps (realistic noise, 5 "
        "seeds) read 56-64 at a 60 deg bend, 41-47 at 45, 19-28 at 25, 9-17 at the clear 15.",
    ),
}
# the feet clear the floor by 0.1 leg lengths, ~9 cm: a real jump, not a hop nor the landmarks' jitter
EXERCISE_MIN_LIFT = 0.1
# The hips' standing height is read from at least this much standing on straight legs: a frame or two
# caught between feet misread in the air (legs hidden behind a box, powerpwa__incline_pushup at 25 fps) is no
# reference, and made a push-up on a box a jump.
MIN_STANDING_MS = 300.0
# Turned further than this from side-on, the thigh points at the camera and the knees' bend reads smaller:
# skeleton landings of 45 deg (soft) read 41-44 side-on, 33-37 at 30 deg of yaw, 29-33 at 40 and 26-30 at 45,
# under the limit: a soft landing called stiff.
LANDING_MAX_YAW_DEG = 30.0
SETTINGS = {
    "landing_window": Setting(
        300.0, "ms", "The landing is the first 0.3 s after touchdown: a soft landing's knees bend most within it, "
        "and after it the jumper is standing up again.",
    ),
    "standing_before": Setting(
        1000.0, "ms", "Standing is the straightest the knees get from a second before the take-off to the "
        "flight's top: standing, or the legs extended pushing off and in the air.",
    ),
    "touchdown_share": Setting(
        0.2, "share of the flight's height", "The feet are down when their lift falls under this share of the "
        "flight's top: the landmarks' smoothing rounds the touchdown off over a few frames.",
    ),
    "in_the_air": Setting(
        0.05, "leg lengths", "Feet this far off the floor are in the air, part of the jump even where the hips "
        "are not seen for a moment.",
    ),
}


def _body_rises(features: Features) -> float:
    """How far the hips rise above their standing height with the feet in the air, per unit of the feet's
    lift (median over the frames in the air): a body in flight carries the hips up with the feet (about 1
    and more: the feet point down in the air), where feet misread off the floor leave the hips put."""
    lift, hip = features[REP_SIGNAL], features["hip_height"]
    grounded = (lift == 0) & (features["knee_deg"] > 160.0) & np.isfinite(hip)
    flying = (lift > EXERCISE_MIN_LIFT) & np.isfinite(hip)
    step_ms = float(np.median(np.diff(features.t_ms))) if len(features.t_ms) > 1 else 0.0
    if grounded.sum() * step_ms < MIN_STANDING_MS or not flying.any():
        return 0.0
    return float(np.median((hip[flying] - np.median(hip[grounded])) / lift[flying]))


def looks_like(features: Features) -> float:
    """Both feet clearly off the floor (a hop of a few centimetres, as in skipping or jumping jacks, is
    not a jump) with the hips rising as high, the body upright throughout (a burpee's jump ends a trip
    down to a plank)."""
    return (
        ramp(highest(features, REP_SIGNAL), 0.1, 0.2)
        * ramp(highest(features, "trunk_incline_deg"), 70.0, 55.0)
        * ramp(_body_rises(features), 0.3, 0.7)
    )


def in_jump(features: Features) -> np.ndarray:
    """Frames on the feet or in the air (where the hips may be unseen for a moment: still the jump)."""
    return upright(features) | (features[REP_SIGNAL] > SETTINGS["in_the_air"].value)


def _touchdown(ctx: Context, rep: RepSpan) -> int:
    """The frame the feet come down after the flight's top: the lift back under a fifth of its peak (the
    rep's own end lies where the signal has settled, which smoothing puts up to ~0.2 s later)."""
    lift = ctx.features[REP_SIGNAL][rep.turn : rep.end + 1]
    down = np.flatnonzero(lift < SETTINGS["touchdown_share"].value * lift[0])
    return rep.turn + int(down[0]) if len(down) else rep.end


def _landing_bend(ctx: Context, rep: RepSpan) -> RepValue | None:
    """How far the knees bend within the landing window after touchdown, against how straight they were
    standing, pushing off and in the air (a squat jump starts from a held squat), in degrees."""
    knee = ctx.features["knee_deg"]
    before = np.arange(max(0, rep.start - frames_for(ctx, SETTINGS["standing_before"].value)), rep.turn + 1)
    touchdown = _touchdown(ctx, rep)
    stop = min(len(knee), touchdown + frames_for(ctx, SETTINGS["landing_window"].value) + 1)
    landing = np.arange(touchdown, stop)
    standing = percentile_at(knee, before, 90.0)
    landing = landing[np.isfinite(knee[landing])]
    if not np.isfinite(standing) or not len(landing):
        return None
    bend = standing - knee[landing]
    return RepValue(float(np.percentile(bend, 90)), landing, bend)


EXERCISE = Exercise(
    name="jump",
    title="Jump",
    kind="reps",
    aliases=("jumps", "vertical jump", "jump squat", "squat jump", "countermovement jump", "box jump"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=EXERCISE_MIN_LIFT,
    looks_like=looks_like,
    in_position=in_jump,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    extra={"rep_metrics": ["knee_deg", REP_SIGNAL]},
    checks=(
        Check(
            code="jump.stiff_landing",
            title="Stiff landing",
            cue="Land softly on the balls of your feet and let your knees and hips bend to absorb the landing, "
            "knees over your toes.",
            why="Landing on straight knees stops the body in an instant: the impact goes through the knees and "
            "hips into the lower back.",
            threshold="landing",
            series_label="Knees' bend after touchdown against standing (deg)",
            measure=_landing_bend,
            max_yaw_deg=LANDING_MAX_YAW_DEG,
            body_parts=("hip", "knee", "ankle"),
            key_series="knee_deg",
        ),
    ),
)
