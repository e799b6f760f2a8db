"""What the back-extension exercises share (superman, cobra, back extension): the arch measures, the
over-arch check's declaration, the face-down positions and how reps are counted.

The articles (ERRORS.md "Back extension, superman, cobra"): over-arching past neutral compresses the
spine, and forceful reps strain it. MediaPipe has no spine points, so the arch is read from what it
moves. On the floor it lifts the chest: the trunk line's rise off the floor at the top against the
same rep lying flat (0.6 deg per degree of spinal extension on the skeleton, lumbar and thoracic
60/40, tests/helpers/skeleton_back.py); the legs are left out, the hips lift them. On a pad the legs'
line is the reference: the body line's bend at the hips (``hip_below_ankle_line_deg``, + the hip
below the shoulder-ankle line, the back arching; - piked). Reps are counted on the shoulders' height,
which rises with the chest; the tempo check times the body line's bend. A private module: the
registry skips names starting with "_".
"""

from __future__ import annotations

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.measures import RepMeasure, RepValue, at_percentile, change_between, frames_by_level
from analyzer.judging.positions import ramp, spread, typical
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context

LINE = "hip_below_ankle_line_deg"
REP_SIGNAL = "shoulder_height"
EXTRA: dict[str, object] = {"rep_metrics": [LINE], "tempo_angle": LINE}
WHY = (
    "Arching past a neutral back squeezes the joints and discs at the back of the lower spine, rep after rep"
)


def top_and_rest(ctx: Context, rep: RepSpan) -> tuple[np.ndarray, np.ndarray]:
    """The lift's top (highest 15 % of the shoulders' travel) and its start (lowest 15 %) in the same rep."""
    rest, top = frames_by_level(ctx, rep, REP_SIGNAL, low=0.15, high=0.85)
    return top, rest


def _top(ctx: Context, rep: RepSpan) -> np.ndarray:
    return top_and_rest(ctx, rep)[0]


_incline_over_lying = change_between("trunk_incline_deg", top_and_rest, percentile=50.0)


def chest_rise(ctx: Context, rep: RepSpan) -> RepValue | None:
    """Lying on the floor: how far the trunk (hip to shoulder) rises off the floor at the top against the
    same rep's start lying flat (deg). The chest is what the back's extension lifts; the legs rise by the
    hips' extension as much, and one leg lifted high (a swimmer) bends the body line without any arch.
    How the body lies, and where the model puts a prone hip (0.1-0.3 leg lengths off the floor on real
    clips), cancel out."""
    value = _incline_over_lying(ctx, rep)
    if value is None:
        return None
    per_frame = None if value.per_frame is None else -value.per_frame
    return RepValue(-value.value, value.frames, per_frame, value.confidence)


# On a pad the legs' line is the reference itself: the bend at the top, past it.
ARCH_AT_TOP = at_percentile(LINE, _top, 50.0)
# Turned from side-on the arch reads larger (the body's length foreshortens, its rise does not): clean
# skeleton supermen rise 12 deg side-on and 15 at 25 deg off it, cobras 25 and 29.
OVER_ARCH_MAX_YAW_DEG = 25.0


def over_arch(
    exercise: str, *, cue: str, why: str, series_label: str, measure: RepMeasure, key_series: str
) -> Check:
    """The ``<exercise>.over_arch`` check: how far the back arched at the top of each rep (``measure``)."""
    return Check(
        code=f"{exercise}.over_arch",
        title="Arching too far",
        cue=cue,
        why=why,
        threshold="over_arch",
        series_label=series_label,
        measure=measure,
        body_parts=("shoulder", "hip", "ankle"),
        key_series=key_series,
        max_yaw_deg=OVER_ARCH_MAX_YAW_DEG,
    )


def face_down(features: Features) -> np.ndarray:
    """Frames face down with the legs straight and off vertical: on the floor or on a pad, not standing,
    kneeling or lying on the back."""
    return (
        (features["knee_deg"] > 140.0)
        & (features["leg_incline_deg"] > 30.0)
        & ~(features["face_up"] >= 0.3)  # unknown without ears: not excluded
    )


def on_the_floor(features: Features) -> np.ndarray:
    """Frames face down with the legs along the floor (not on a pad: hips no higher than a prone
    body's, the legs near level)."""
    return face_down(features) & (features["leg_incline_deg"] > 60.0) & (features["hip_above_ankle"] < 0.3)


def face_to_the_floor(features: Features) -> float:
    """0..1: the face turned to the floor (the nose below the ear, ``face_up`` < 0), as lying face down:
    -0.18 on the skeleton, -0.09 on malik__swimmer, -0.16 to 0 in malik__cobra looking ahead; on the
    back with the head curled up it stands above it (a bicycle crunch, malik__bicycle: 0.07)."""
    return ramp(typical(features, "face_up"), 0.06, -0.04)


def bending(features: Features) -> float:
    """0..1: the body line bends and straightens again (a lift and a lowering), by 8 deg at least."""
    return ramp(spread(features, LINE), 8.0, 18.0)
