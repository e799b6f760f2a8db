"""What an exercise module declares, and the small toolkit its checks are written with.

A module in ``rules/`` defines one ``EXERCISE = Exercise(...)``: its name,
kind (reps or hold), the signal reps are counted on, the camera views each
check needs, its thresholds (each with unit and reason), and its checks.
Checks are pure functions of a :class:`Context` (features, reps, hold) that
return findings; they never see frames, MediaPipe or the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal

import numpy as np

from analyzer.kinematics import Features
from analyzer.report import Finding, Severity
from analyzer.reps import RepSpan

View = Literal["side", "front", "oblique"]
SIDE_VIEWS: tuple[View, ...] = ("side", "oblique")
ANY_VIEW: tuple[View, ...] = ("side", "front", "oblique")
HOW_TO_FILM = {
    "side": "film from the side, camera at hip height, whole body in the frame",
    "front": "film from the front, camera at hip height, whole body in the frame",
    "oblique": "film from the side or at most 45 degrees off it",
}


@dataclass(frozen=True)
class Threshold:
    """A named limit: past ``warn`` is a warning, past ``danger`` a danger.

    ``above`` says which way is bad. ``reason`` cites the error in ERRORS.md
    and where the number comes from (guidance, measurement, benchmark).
    """

    warn: float
    danger: float
    unit: str
    reason: str
    above: bool = True

    def severity(self, value: float) -> Severity | None:
        if not np.isfinite(value):
            return None
        past = (lambda limit: value > limit) if self.above else (lambda limit: value < limit)
        if past(self.danger):
            return Severity.danger
        if past(self.warn):
            return Severity.warning
        return None


@dataclass
class Context:
    """Everything a check may look at."""

    features: Features
    reps: list[RepSpan]
    hold: tuple[int, int] | None
    exercise: "Exercise"

    @property
    def t_ms(self) -> np.ndarray:
        return self.features.t_ms

    def span_ms(self, start: int, stop: int) -> tuple[float, float]:
        """Frame indices [start, stop] as a time span in ms."""
        stop = min(stop, len(self.t_ms) - 1)
        return float(self.t_ms[start]), float(self.t_ms[stop])


CheckFn = Callable[[Context, "Check"], list[Finding]]


@dataclass(frozen=True)
class Check:
    """One error the module looks for."""

    code: str
    title: str
    cue: str
    why: str
    run: CheckFn
    views: tuple[View, ...] = SIDE_VIEWS
    # stricter than the view kinds, for geometry that turning from the camera distorts most (deg off side-on)
    max_yaw_deg: float | None = None
    needs: tuple[str, ...] = ()  # feature series without which it cannot judge (e.g. mask channels)
    body_parts: tuple[str, ...] = ()  # near-side joints the fault is about, drawn in colour on the video
    key_series: str = ""  # the feature series the check measures, shown beside the joint and plotted

    def finding(
        self,
        *,
        severity: Severity,
        measured: float,
        threshold: Threshold,
        spans: Iterable[tuple[float, float]],
        rep: int | None = None,
        confidence: float = 1.0,
    ) -> Finding:
        return Finding(
            code=self.code,
            title=self.title,
            severity=severity,
            spans_ms=list(spans),
            rep=rep,
            measured=round(float(measured), 2),
            threshold=threshold.warn,
            unit=threshold.unit,
            confidence=round(confidence, 2),
            cue=self.cue,
            why=self.why,
            body_parts=list(self.body_parts),
            key_series=self.key_series,
        )

    def not_assessable(self, reason: str) -> Finding:
        return Finding(
            code=self.code,
            title=self.title,
            severity=Severity.info,
            cue=self.cue,
            why=self.why,
            assessable=False,
            reason=reason,
            body_parts=list(self.body_parts),
            key_series=self.key_series,
        )


@dataclass(frozen=True)
class Exercise:
    """An exercise module's declaration."""

    name: str
    title: str
    kind: Literal["reps", "hold"]
    checks: tuple[Check, ...]
    thresholds: dict[str, Threshold]
    looks_like: Callable[[Features], float]  # 0..1: how much the active part resembles this exercise
    in_position: Callable[[Features], np.ndarray]  # frames in the exercise's position (standing, prone, ...)
    aliases: tuple[str, ...] = ()
    rep_signal: str = ""
    rep_rest: Literal["high", "low", "either"] = "high"  # either: whichever level gives more whole reps
    rep_min_amplitude: float = 0.0
    # (series, degrees): a rep must also move this series this much, so that a walk-out or a
    # shift of the body, which moves the rep signal too, is not counted (push-up: the elbows)
    rep_min_range: tuple[str, float] | None = None
    views: tuple[View, ...] = SIDE_VIEWS
    extra: dict[str, object] = field(default_factory=dict)


# -- helpers for writing checks ----------------------------------------------

def spans_where(t_ms: np.ndarray, mask: np.ndarray, min_ms: float = 0.0) -> list[tuple[float, float]]:
    """Time spans where ``mask`` holds, at least ``min_ms`` long.

    A span covers its frames' whole duration (half a frame either side of
    their timestamps), so even a one-frame fault is visible on a timeline.
    """
    from analyzer.smoothing import nan_runs

    half_frame = float(np.median(np.diff(t_ms))) / 2 if len(t_ms) > 1 else 0.0
    spans = []
    for a, b in nan_runs(mask):
        t0, t1 = float(t_ms[a]), float(t_ms[b - 1])
        if t1 - t0 >= min_ms:
            spans.append((round(t0 - half_frame, 1), round(t1 + half_frame, 1)))
    return spans


# -- helpers for recognising an exercise ---------------------------------------

def upright(features: Features) -> np.ndarray:
    """Frames on the feet: hips well above the ankles, not lying."""
    return (features["hip_above_ankle"] > 0.25) & (features["trunk_incline_deg"] < 80.0)


def prone(features: Features) -> np.ndarray:
    """Frames face-down with the body near level, legs straight and the shoulders held up on the
    arms (plank, push-up), not lying on the floor (a superman, a cobra's start)."""
    return (
        (features["trunk_incline_deg"] > 50.0)
        & (features["arm_support_incline_deg"] < 60.0)  # an arm segment within 60 deg of vertical carries the body
        & (features["knee_deg"] > 130.0)
        & (features["leg_incline_deg"] > 35.0)  # legs reach back along the floor (even piked), not down
        & ~(features["face_up"] >= 0.3)  # unknown without ears (tracks of a landmark subset): not excluded
        & (features["hip_above_ankle"] < 0.7)  # a strong pike lifts the hips ~0.5 leg lengths
    )


def ramp(value: float, zero_at: float, one_at: float) -> float:
    """0..1, rising linearly from ``zero_at`` to ``one_at`` (either order); NaN counts as 0."""
    if not np.isfinite(value):
        return 0.0
    return float(np.clip((value - zero_at) / (one_at - zero_at), 0.0, 1.0))


def typical(features: Features, name: str) -> float:
    """Median of a series over the frames where it is known."""
    values = features[name][np.isfinite(features[name])]
    return float(np.median(values)) if len(values) else float("nan")


def hands_below_hips(features: Features) -> float:
    """How far the hands get below the hips (leg lengths): to the bar at mid-shin in a deadlift,
    level with the hips or higher in a squat (bar on the back, arms forward, dumbbells at the sides)."""
    gap = features["hip_height"] - features["wrist_height"]
    return float(np.nanpercentile(gap, 90)) if np.any(np.isfinite(gap)) else float("nan")


def spread(features: Features, name: str) -> float:
    """Robust range (5th to 95th percentile) of a series: how much it moves."""
    values = features[name][np.isfinite(features[name])]
    return float(np.ptp(np.percentile(values, [5, 95]))) if len(values) else float("nan")


# -- frames of a rep, and the shapes of per-rep checks -------------------------

def rep_levels(ctx: Context, rep: RepSpan, signal: str) -> tuple[np.ndarray, np.ndarray]:
    """Frame indices of a rep and where each sits in the rep's range of ``signal`` (0 lowest, 1 highest)."""
    idx = np.arange(rep.start, rep.end + 1)
    values = ctx.features[signal][idx]
    known = np.isfinite(values)
    lo, hi = (np.nanmin(values), np.nanmax(values)) if known.any() else (0.0, 0.0)
    u = (values - lo) / (hi - lo) if hi > lo else np.full(len(values), np.nan)
    return idx[known], u[known]


def frames_by_level(
    ctx: Context, rep: RepSpan, signal: str, low: float = 0.3, high: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    """Frames of a rep where ``signal`` is in the bottom ``low`` and the top ``1-high`` of its range.

    For a hinge or squat with hip height as the signal: the bottom position
    and the standing position of that very rep, whichever order they come in.
    """
    idx, u = rep_levels(ctx, rep, signal)
    return idx[u <= low], idx[u >= high]


def percentile_at(series: np.ndarray, idx: np.ndarray, q: float) -> float:
    values = series[idx]
    values = values[np.isfinite(values)]
    return float(np.percentile(values, q)) if len(values) else float("nan")


FrameSets = Callable[[Context, RepSpan], tuple[np.ndarray, np.ndarray]]

@dataclass(frozen=True)
class RepValue:
    """What a check measured in one rep: the value judged, the frames it was judged on, and
    optionally the per-frame values on those frames (same reference as ``value``), whose runs
    past the threshold become the finding's time spans."""

    value: float
    frames: np.ndarray
    per_frame: np.ndarray | None = None
    confidence: float = 1.0

    @classmethod
    def at(cls, series: np.ndarray, frames: np.ndarray, q: float) -> "RepValue":
        """The ``q``th percentile of ``series`` over ``frames``."""
        return cls(percentile_at(series, frames, q), frames, series[frames])

    @classmethod
    def worst(cls, series: np.ndarray, frames: np.ndarray, threshold: Threshold) -> "RepValue":
        """Judged toward the bad side (90th percentile), so one good frame cannot hide a fault."""
        return cls.at(series, frames, 90.0 if threshold.above else 10.0)


RepMeasure = Callable[[Context, RepSpan], "RepValue | None"]


def per_rep_check(
    ctx: Context, check: Check, threshold: Threshold, measure: RepMeasure, *, unmeasured: str | None = None
) -> list[Finding]:
    """The common shape of a rep check: ``measure`` each rep, a finding where it is past ``threshold``.

    When no rep could be measured at all and ``unmeasured`` is given, the check
    says it could not judge (with that reason) instead of passing in silence.
    """
    findings = []
    measured_any = False
    for number, rep in enumerate(ctx.reps, start=1):
        result = measure(ctx, rep)
        if result is None or not len(result.frames):
            continue
        measured_any = True
        severity = threshold.severity(result.value)
        if severity is None:
            continue
        spans: list[tuple[float, float]] = []
        if result.per_frame is not None:
            past = result.per_frame > threshold.warn if threshold.above else result.per_frame < threshold.warn
            bad = np.zeros(len(ctx.t_ms), dtype=bool)
            bad[result.frames[past]] = True
            spans = spans_where(ctx.t_ms, bad)
        spans = spans or [ctx.span_ms(int(result.frames.min()), int(result.frames.max()))]
        confidence = result.confidence if np.isfinite(result.confidence) else 0.5
        findings.append(
            check.finding(
                severity=severity, measured=result.value, threshold=threshold, spans=spans, rep=number,
                confidence=confidence,
            )
        )
    if ctx.reps and not measured_any and unmeasured:
        return [check.not_assessable(unmeasured)]
    return findings


def change_between(
    series: str,
    frames: FrameSets,
    *,
    quality: str | None = None,
    min_quality: float = 0.0,
    percentile: float = 90.0,
    min_frames: int = 1,
) -> RepMeasure:
    """A measure: how far ``series`` moves between two sets of frames of the same rep.

    ``frames(ctx, rep)`` gives (judged, reference) frame indices, e.g. the
    bottom of a deadlift and its lockout, so that clothing and body shape
    cancel out. The judged frames' ``percentile`` (90th: toward the worst)
    against the reference's median. With ``quality``, frames whose per-frame
    quality is below ``min_quality`` are left out, and the judged frames' mean
    quality is the finding's confidence. With fewer than ``min_frames`` left on
    either side the rep is not measured.
    """

    def measure(ctx: Context, rep: RepSpan) -> RepValue | None:
        values = ctx.features[series]
        judged, reference = frames(ctx, rep)
        judged, reference = judged[np.isfinite(values[judged])], reference[np.isfinite(values[reference])]
        if quality is not None:
            judged = judged[ctx.features[quality][judged] >= min_quality]
            reference = reference[ctx.features[quality][reference] >= min_quality]
        if len(judged) < max(1, min_frames) or len(reference) < max(1, min_frames):
            return None
        relative = values[judged] - percentile_at(values, reference, 50.0)
        confidence = float(np.nanmean(ctx.features[quality][judged])) if quality is not None else 1.0
        return RepValue(percentile_at(relative, np.arange(len(judged)), percentile), judged, relative, confidence)

    return measure


