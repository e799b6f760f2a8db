"""Leg raise: lying on the back, the straight legs raised to vertical and lowered slowly.

Reps are counted on the legs' angle (the hip-to-ankle line: 90 deg lying flat,
180 vertical). The fault the articles name is the lower back arching off the
floor as the legs come down, the core no longer holding the pelvis: the
pelvis tips forward about the hip joints and the lumbar spine extends while
the thorax stays on the floor. The landmarks barely move with it (the hip
landmarks are the joint centres the pelvis turns about; on the skeleton 15 deg
of arch moves the shoulders by under a centimetre), so the arch is read from
the spine estimator's lumbar angle (analyzer/pose/spine.py), the legs low in
the lowering against the legs up in the same rep (the back pressed flat);
without its channels, or where it does not vouch for its angles, the check
says it could not judge and why. The lowering is timed on the legs' angle.
"""

from __future__ import annotations

import numpy as np

from analyzer.features import spine
from analyzer.features.kinematics import Features
from analyzer.judging.measures import change_between, frames_by_level, lowering_time
from analyzer.judging.positions import ramp, spread, typical
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold

REP_SIGNAL = "leg_incline_deg"
SETTINGS = {
    "spine_quality": Setting(
        0.5, "estimator quality", "Spine angles are trusted only where the estimator vouches for "
        "them (as for the deadlift). It learnt from rendered deadlifts and squats, never a body lying down: its "
        "out-of-distribution gate decides whether it answers for a leg raise.",
    ),
    "spine_time": Setting(
        200.0, "ms", "A rep's arch is judged only with at least this much trusted legs-low and legs-up: an arch "
        "holds through the end of the lowering, a few frames of an occlusion do not.",
    ),
    "legs_low": Setting(
        0.3, "share of the rep's travel", "The lowering's last part, legs within 30 % of the floor: where the "
        "legs' lever is longest and the pelvis tips if the core lets go.",
    ),
    "turn_band": Setting(
        0.1, "share of the rep's travel", "The lowering is timed from the legs' leaving the top 10 % of their "
        "travel to their reaching the bottom 10 %: a minimum-jerk lowering spends about half its time there "
        "(the skeleton's 2 s lowering reads 1.0 s), the ends being the slow start and the settling on the floor.",
    ),
}
THRESHOLDS = {
    "arch": Threshold(
        warn=-10.0, danger=-20.0, unit="deg", above=False,
        reason="ERRORS.md leg raise: the lower back arching off the floor. Lumbar flexion (the spine "
        "estimator, + rounded, - arched) with the legs low in the lowering against the same rep with the legs "
        "up, the back pressed flat: 10 deg of extension is past the estimator's frame-to-frame spread (~3 deg, "
        "held-out renders) and past a back kept on the floor, which moves within a few degrees; 20 deg a "
        "clear arch (the skeleton's injected arch reads 1:1 through synthesised channels).",
    ),
    "lowering": Threshold(
        warn=0.5, danger=0.25, unit="s", above=False,
        reason="ERRORS.md leg raise and across all exercises: lower slowly, with control. The middle 80 % of "
        "the lowering (see turn_band): a smooth 2 s lowering reads 1.0 s, 1 s reads 0.5, 0.5 s reads 0.25; "
        "legs down in under about a second are dropped, in half a second they fall.",
    ),
}
ARCH_UNSEEN = (
    "the spine estimator did not vouch for the lower back's angle in any rep (it reads a side view of the "
    "back's outline; lying down, with the arms along the body, it often cannot): film exactly from the side, "
    "camera at floor height, arms away from the body's outline."
)


def lying_legs_straight(features: Features) -> np.ndarray:
    """Frames lying on the back (face up unknown without ears: not excluded) with the knees straight:
    the legs anywhere from the floor to vertical. A crunch or a bridge bends the knees."""
    return (
        (features["trunk_incline_deg"] > 60.0)
        & ~(features["face_up"] <= 0.0)
        & (features["knee_deg"] > 140.0)
        & (features[REP_SIGNAL] > 70.0)
    )


def looks_like(features: Features) -> float:
    """Lying still on the back, straight legs swinging up toward vertical and down."""
    return (
        ramp(spread(features, REP_SIGNAL), 30.0, 60.0)
        * ramp(typical(features, "knee_deg"), 135.0, 155.0)
        * (1.0 - ramp(spread(features, "shoulder_height"), 0.1, 0.2))
    )


def low_in_lowering_and_top(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    """The lowering's frames with the legs near the floor, and the rep's top (legs up, back flat)."""
    low, top = frames_by_level(ctx, rep, REP_SIGNAL, low=SETTINGS["legs_low"].value, high=0.85)
    return low[low > rep.turn], top


def _near_top(ctx: Context, rep: RepSpan) -> np.ndarray:
    """The rep's frames with the legs in the top band of their travel (see turn_band)."""
    return frames_by_level(ctx, rep, REP_SIGNAL, high=1.0 - SETTINGS["turn_band"].value)[1]


EXERCISE = Exercise(
    name="leg_raise",
    title="Leg raise",
    kind="reps",
    aliases=("leg raises", "lying leg raise", "leg-raise", "straight leg raise"),
    rep_signal=REP_SIGNAL,
    rep_rest="low",
    rep_min_amplitude=40.0,
    looks_like=looks_like,
    in_position=lying_legs_straight,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    extra={"rep_metrics": [REP_SIGNAL, "hip_deg"], "tempo_angle": "hip_deg"},
    checks=(
        Check(
            code="leg_raise.back_arch",
            title="Lower back arching off the floor",
            cue="Press your lower back into the floor and lower the legs only as far as it stays there; bend "
            "the knees a little to make it easier.",
            why="When the back arches, the hip flexors pull on the lumbar spine with the legs' whole lever "
            "instead of the core holding the pelvis.",
            # the one error the articles name for the leg raise: a set is not called clean without judging it
            headline=True,
            threshold="arch",
            series_label="Lower back's bend with the legs low against legs up, below 0 arched (deg)",
            measure=change_between(
                spine.LUMBAR, low_in_lowering_and_top, quality=spine.QUALITY,
                min_quality=SETTINGS["spine_quality"].value, percentile=25.0, min_ms=SETTINGS["spine_time"].value,
            ),
            unmeasured=ARCH_UNSEEN,
            needs=(spine.LUMBAR,),
            body_parts=("hip", "knee"),
            key_series=spine.LUMBAR,
        ),
        Check(
            code="leg_raise.lowering_fast",
            title="Lowering the legs too fast",
            cue="Lower the legs slowly, over two seconds or more, keeping the lower back on the floor.",
            why="Dropping the legs lets their weight yank the pelvis and the lower back into an arch.",
            threshold="lowering",
            series_label="Time to lower the legs, middle 80 % of the way (s)",
            measure=lowering_time(REP_SIGNAL, _near_top, low=SETTINGS["turn_band"].value),
            body_parts=("hip", "knee", "ankle"),
            key_series=REP_SIGNAL,
        ),
    ),
)
