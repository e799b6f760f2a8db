"""Measures: what a check reads off each rep (or the hold), and the common shape of a rep check.

A check is mostly a declaration (rulebook.Check); what it measures is one of
the shapes here: a percentile of a series over chosen frames of a rep, the
change of a series between two sets of frames of the same rep (bottom against
standing tall, so that clothing and body shape cancel out), or the back's
flexion from the mask outline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analyzer.features.filtering import nan_runs
from analyzer.features.kinematics import Features
from analyzer.judging.positions import percentile_of
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Threshold
from analyzer.report import Finding


def spans_where(t_ms: np.ndarray, mask: np.ndarray, min_ms: float = 0.0) -> list[tuple[float, float]]:
    """Time spans where ``mask`` holds, at least ``min_ms`` long.

    A span covers its frames' whole duration (half a frame either side of
    their timestamps), so even a one-frame fault is visible on a timeline.
    """
    half_frame = float(np.median(np.diff(t_ms))) / 2 if len(t_ms) > 1 else 0.0
    spans = []
    for a, b in nan_runs(mask):
        t0, t1 = float(t_ms[a]), float(t_ms[b - 1])
        if t1 - t0 >= min_ms:
            spans.append((round(t0 - half_frame, 1), round(t1 + half_frame, 1)))
    return spans


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


def frames_for(ctx: Context, duration_ms: float) -> int:
    """How many frames of this track make ``duration_ms`` (at least one): rules count time, not frames."""
    t = ctx.t_ms
    frame_ms = float(np.median(np.diff(t))) if len(t) > 1 else 1000.0 / 30.0
    return max(1, round(duration_ms / frame_ms)) if frame_ms > 0 else 1


def percentile_at(series: np.ndarray, idx: np.ndarray, q: float) -> float:
    return percentile_of(series[idx], q)


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
    def at(cls, series: np.ndarray, frames: np.ndarray, q: float) -> RepValue:
        """The ``q``th percentile of ``series`` over ``frames``."""
        return cls(percentile_at(series, frames, q), frames, series[frames])


RepMeasure = Callable[[Context, RepSpan], "RepValue | None"]
RepFrames = Callable[[Context, RepSpan], np.ndarray]
Series = str | Callable[[Features], np.ndarray]


def at_percentile(series: Series, frames: RepFrames, q: float) -> RepMeasure:
    """A measure: the ``q``th percentile of ``series`` (a feature's name, or a function of the
    features) over the rep's chosen ``frames``. Toward the bad side (90 for a limit from above, 10
    from below) one good frame cannot hide a fault; 25-50 asks for the fault to be held."""

    def measure(ctx: Context, rep: RepSpan) -> RepValue:
        values = ctx.features[series] if isinstance(series, str) else series(ctx.features)
        return RepValue.at(values, frames(ctx, rep), q)

    return measure


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
        ctx.record(
            check, threshold, result.frames,
            result.per_frame if result.per_frame is not None else result.value, verdict=result.value,
        )
        severity = threshold.severity(result.value)
        if severity is None:
            continue
        spans: list[tuple[float, float]] = []
        if result.per_frame is not None:
            past = result.per_frame > threshold.first if threshold.above else result.per_frame < threshold.first
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
    min_ms: float = 0.0,
) -> RepMeasure:
    """A measure: how far ``series`` moves between two sets of frames of the same rep.

    ``frames(ctx, rep)`` gives (judged, reference) frame indices, e.g. the
    bottom of a deadlift and its lockout, so that clothing and body shape
    cancel out. The judged frames' ``percentile`` (90th: toward the worst)
    against the reference's median. With ``quality``, frames whose per-frame
    quality is below ``min_quality`` are left out, and the judged frames' mean
    quality is the finding's confidence. With less than ``min_ms`` of frames left on
    either side the rep is not measured.
    """

    def measure(ctx: Context, rep: RepSpan) -> RepValue | None:
        values = ctx.features[series]
        judged, reference = frames(ctx, rep)
        judged, reference = judged[np.isfinite(values[judged])], reference[np.isfinite(values[reference])]
        if quality is not None:
            judged = judged[ctx.features[quality][judged] >= min_quality]
            reference = reference[ctx.features[quality][reference] >= min_quality]
        least = frames_for(ctx, min_ms)
        if len(judged) < least or len(reference) < least:
            return None
        relative = values[judged] - percentile_at(values, reference, 50.0)
        confidence = float(np.nanmean(ctx.features[quality][judged])) if quality is not None else 1.0
        return RepValue(percentile_at(relative, np.arange(len(judged)), percentile), judged, relative, confidence)

    return measure


def flexion_change(frames: FrameSets, min_quality: float, min_ms: float = 100.0) -> RepMeasure:
    """A rep measure for rules: how much the back flexed between two sets of frames of one rep (deg).

    Per judged frame, the smaller of two views of the same thing, each against
    the reference frames' median: the rise of ``img_back_bend_deg`` and the
    loss of ``img_back_hollow_deg``. Both must agree, because each alone has
    its own false alarms on real clips (arms and bar plates change the upper
    back's tangent; a lifter who arches harder deepens the hollow).
    The rep's value is the median over the judged frames: a rounded back holds
    through the bottom, while a few frames' outline noise does not. Measured on
    renders (tools/synth, 36 reps of 14 bodies, yaw 0-30): clean hinges 0-10 deg,
    15 deg of spinal flexion 6-13, 30 deg 11-19, 45 deg 18-24 (with the 90th
    percentile clean reached 11.5 and 30 deg 11.8). Frames below ``min_quality`` are left
    out; with less than ``min_ms`` of frames left on either side the rep is not
    judged (silence rather than noise). Tracks without the hollow series (older
    CSVs) are judged on the bend alone.
    """

    def measure(ctx: Context, rep: RepSpan) -> RepValue | None:
        f = ctx.features
        if "img_back_bend_deg" not in f.series or "img_quality" not in f.series:
            return None
        judged, reference = frames(ctx, rep)
        quality = f["img_quality"]
        judged = judged[quality[judged] >= min_quality]
        reference = reference[quality[reference] >= min_quality]
        least = frames_for(ctx, min_ms)
        if len(judged) < least or len(reference) < least:
            return None
        bend = f["img_back_bend_deg"]
        change = bend[judged] - percentile_at(bend, reference, 50.0)
        if "img_back_hollow_deg" in f.series:
            hollow = f["img_back_hollow_deg"]
            change = np.minimum(change, percentile_at(hollow, reference, 50.0) - hollow[judged])
        value = percentile_at(change, np.arange(len(judged)), 50.0)
        return RepValue(value, judged, change, float(np.nanmean(quality[judged])))

    return measure


def lowering_time(signal: str, top: RepFrames, low: float) -> RepMeasure:
    """Seconds from the last of the rep's ``top`` frames after its turn to the first frame after them in
    the bottom ``low`` of the signal's range: how fast a weight or the body is lowered."""

    def measure(ctx: Context, rep: RepSpan) -> RepValue | None:
        high = top(ctx, rep)
        high = high[high >= rep.turn]
        bottom, _ = frames_by_level(ctx, rep, signal, low=low)
        after = bottom[bottom > high.max()] if len(high) else bottom[:0]
        if not len(after):
            return None
        start, end = int(high.max()), int(after.min())
        return RepValue((ctx.t_ms[end] - ctx.t_ms[start]) / 1000.0, np.arange(start, end + 1))

    return measure
