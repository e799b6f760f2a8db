"""Bird dog: on hands and knees, one arm and the other side's leg reach out level, are held, and return.

Each extension is a rep, whichever side; the rep's side (left arm with right
leg, or the reverse) comes from which wrist and which ankle are the higher
ones (``left_arm_right_leg_reach``), is named in the findings' titles and is
counted in the reps' values (that series' highest and lowest). The articles
ask for hips level and still, a flat back and a hold of about three seconds a
side. The pelvis rolling about the body's long axis tilts the hip line, which
only the front or the back view shows across the picture (from the side the
hips lie one behind the other); the back sagging tips the pelvis forward and
the leg fixed to it rises above level, which the side view shows; the hold is
timed on the limbs' reach from any view.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.measures import RepMeasure, RepValue, frames_for, per_rep_check
from analyzer.judging.positions import ramp, spread
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, CheckFn, Context, Exercise, Setting, Threshold
from analyzer.report import Finding

REP_SIGNAL = "arm_leg_reach"
SIDE_SIGNAL = "left_arm_right_leg_reach"
SIDES = {1: "left arm and right leg", -1: "right arm and left leg"}
SETTINGS = {
    "held_level": Setting(
        0.9, "share of the rep's reach", "The limbs count as held out while they stay within 10 % of the rep's "
        "full reach (its 90th percentile): a minimum-jerk reach of 1 s spends its last 0.25 s there, so a hold "
        "reads ~0.5 s longer than the pause itself (skeleton: a 3 s pause reads 3.3-3.5).",
    ),
    "rest_ms": Setting(
        300.0, "ms", "On all fours this long before the rep leaves rest and after it is back: the reference the "
        "pelvis's roll is measured against, so that the camera's roll and the body's build cancel.",
    ),
}
THRESHOLDS = {
    "roll": Threshold(
        warn=10.0, danger=20.0, unit="deg",
        reason="ERRORS.md bird dog: hips should stay level and stable while the arm and leg extend. The hip "
        "line's tilt toward the lifted leg's side while held, against the same rep on all fours, seen from "
        "the front or behind: MediaPipe's hip points sit ~19 cm apart, so 10 deg is the lifted hip ~3 cm up, "
        "20 deg ~6.5 cm. The skeleton reads the roll 1:1 from the front, clean reps within 2 deg with noise.",
    ),
    "sag": Threshold(
        warn=10.0, danger=20.0, unit="deg",
        reason="ERRORS.md bird dog: back flat. Lumbar extension tips the pelvis forward, and the leg fixed to it "
        "rises above level by as much (the skeleton's sag reads 1:1 side-on): the lifted leg's hip-to-ankle "
        "line above level while held. A level leg is the cue; the hip itself extends at most ~10 deg past "
        "neutral, so past 10 deg the lower back is arching, 20 deg clearly.",
    ),
    "hold": Threshold(
        warn=2.0, danger=1.0, unit="s", above=False,
        reason="ERRORS.md bird dog: hold about 3 s a side. Time within 10 % of full reach (a 3 s pause reads "
        "~3.5, see held_level): under 2 s is a touch-and-go rep, under 1 s no hold at all.",
    ),
}
# The leg's rise is foreshortened by the turn: 1/cos(yaw) times too steep, 1.2 at 35 deg off side-on.
SAG_MAX_YAW_DEG = 35.0


def on_all_fours(features: Features) -> np.ndarray:
    """Frames on hands and knees: the thigh of the knee knelt on near vertical (hips over it), a knee
    bent, the trunk far from upright, not face up. Lying (thighs level), a plank or a downward dog (legs
    straight), kneeling upright (trunk vertical) and lying on the back are not."""
    return (
        (features["kneeling_thigh_deg"] < 35.0)
        & ((features["knee_min_deg"] < 130.0) | (features["knee_min_3d_deg"] < 130.0))  # from behind: 3D only
        & (features["trunk_incline_deg"] > 30.0)
        & ~(features["face_up"] >= 0.3)
    )


def looks_like(features: Features) -> float:
    """An arm and the other side's leg reaching far out and back while the hips stay at their height."""
    return ramp(spread(features, REP_SIGNAL), 0.15, 0.35) * (1.0 - ramp(spread(features, "hip_height"), 0.15, 0.3))


def held(ctx: Context, rep: RepSpan) -> np.ndarray:
    """The rep's frames with the limbs held out: near full reach, full reach being the rep's 90th percentile
    (a landmark wandering for a few frames overshoots the real peak; held for any time, it is the plateau)."""
    frames = np.arange(rep.start, rep.end + 1)
    reach = ctx.features[REP_SIGNAL][frames]
    if not np.any(np.isfinite(reach)):
        return frames[:0]
    low, full = np.nanpercentile(reach, [5, 90])
    return frames[reach >= full - (1.0 - SETTINGS["held_level"].value) * (full - low)]


def on_all_fours_around(ctx: Context, rep: RepSpan) -> np.ndarray:
    """The frames on all fours just before the rep leaves rest and just after it is back."""
    k = frames_for(ctx, SETTINGS["rest_ms"].value)
    return np.r_[max(0, rep.start - k) : rep.start + 1, rep.end : min(len(ctx.t_ms), rep.end + k + 1)]


def side_of(ctx: Context, rep: RepSpan) -> int:
    """+1 when the rep lifted the left arm and the right leg, -1 the right arm and the left leg."""
    reach = ctx.features[SIDE_SIGNAL][held(ctx, rep)]
    return 1 if np.nanmedian(reach) >= 0 else -1


def _hip_roll(ctx: Context, rep: RepSpan) -> RepValue | None:
    """How far the hip line tilts toward the lifted leg's side while held, against the rep on all fours."""
    roll = ctx.features["hip_roll_deg"]
    out, rest = held(ctx, rep), on_all_fours_around(ctx, rep)
    out, rest = out[np.isfinite(roll[out])], rest[np.isfinite(roll[rest])]
    if not len(out) or not len(rest):
        return None
    # the lifted leg is the right one in a left-arm rep: its hip rising tilts the line down to the left
    toward_lifted = -side_of(ctx, rep) * (roll[out] - float(np.median(roll[rest])))
    return RepValue(float(np.median(toward_lifted)), out, toward_lifted)


def _leg_rise(ctx: Context, rep: RepSpan) -> RepValue:
    return RepValue.at(ctx.features["lifted_leg_rise_deg"], held(ctx, rep), 50.0)


def _hold_seconds(ctx: Context, rep: RepSpan) -> RepValue | None:
    """How long the limbs stayed near full reach (frames counted: a noisy frame does not cut the hold)."""
    frames = held(ctx, rep)
    if not len(frames):
        return None
    return RepValue(len(frames) / frames_for(ctx, 1000.0), frames)


def by_side(measure: RepMeasure) -> CheckFn:
    """A rep check whose findings say which arm and leg the rep lifted."""

    def run(ctx: Context, check: Check) -> list[Finding]:
        findings = per_rep_check(ctx, check, THRESHOLDS[check.threshold], measure)
        return [_named(ctx, finding) for finding in findings]

    return run


def _named(ctx: Context, finding: Finding) -> Finding:
    if finding.rep is None:
        return finding
    side = side_of(ctx, ctx.reps[finding.rep - 1])
    return finding.model_copy(update={"title": f"{finding.title}: {SIDES[side]}"})


def _check(code: str, title: str, threshold: str, measure: RepMeasure, **more: object) -> Check:
    return Check(code=f"bird_dog.{code}", title=title, threshold=threshold, run=by_side(measure), **more)


EXERCISE = Exercise(
    name="bird_dog",
    title="Bird dog",
    kind="reps",
    aliases=("bird-dog", "birddog", "quadruped arm and leg raise"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=0.25,
    looks_like=looks_like,
    in_position=on_all_fours,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    views=("side", "front", "oblique"),
    extra={"rep_metrics": [SIDE_SIGNAL, "lifted_leg_rise_deg"]},
    checks=(
        _check(
            "hips_rotate", "Hips rolling", "roll", _hip_roll,
            cue="Keep both hip bones pointing at the floor: reach the leg straight back, only as high as the "
            "hips stay level.",
            why="A pelvis that rolls open twists the lower back under the lifted leg's weight instead of "
            "training the core to hold it still.",
            series_label="Hip line tilting toward the lifted leg while held, against on all fours (deg)",
            views=("front",),
            body_parts=("hip",),
            key_series="hip_roll_deg",
        ),
        _check(
            "back_sag", "Back sagging, leg too high", "sag", _leg_rise,
            cue="Brace your belly and stop the leg at hip height: a straight line from hand to heel.",
            why="Lifting the leg above level arches the lower back, loading the joints of the spine that the "
            "exercise is meant to spare.",
            series_label="Lifted leg above level while held (deg)",
            views=("side", "oblique"),
            max_yaw_deg=SAG_MAX_YAW_DEG,
            # the back that sags: the trunk in colour (the near leg is often the one knelt on, not the lifted one)
            body_parts=("shoulder", "hip"),
            key_series="lifted_leg_rise_deg",
        ),
        _check(
            "short_hold", "Hold too short", "hold", _hold_seconds,
            cue="Hold each reach for about three seconds, still and level, then return slowly.",
            why="The bird dog trains the core to hold the spine still; swinging the limbs out and back skips "
            "exactly that.",
            series_label="Time held near full reach (s)",
            views=("side", "front", "oblique"),
            body_parts=("shoulder", "wrist", "hip", "ankle"),
            key_series=REP_SIGNAL,
        ),
    ),
)
