"""Faults of a hold (plank, side plank): present for a second or more, reported from when they began.

Form that breaks down late in a hold is the typical pattern, so a fault is
reported from the moment it started; a breath or a wobble is not a fault, so
each series is judged on a rolling median and a fault must last. Getting into
and out of the hold is not the hold: its ends are skipped.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from analyzer.judging.measures import frames_for, spans_where
from analyzer.judging.rulebook import Check, Context, Setting, Threshold
from analyzer.report import Finding

HOLD_SETTINGS = {
    "persist": Setting(
        1000.0, "ms", "A fault must last this long (the rolling median's window and the shortest span "
        "reported): a breath or a wobble is not a fault of the hold.",
    ),
    "persist_share": Setting(
        0.3, "share of the hold", "In a hold shorter than about 3 s (a snippet) a fault must last this share of it.",
    ),
    "settle": Setting(
        1000.0, "ms", "Getting into and out of the hold is not the hold: this much is skipped at each end.",
    ),
    "settle_share": Setting(0.1, "share of the hold", "What is skipped at each end of a hold shorter than 10 s."),
}


def _hold_ms(ctx: Context) -> float:
    a, b = ctx.hold  # type: ignore[misc]
    return float(ctx.t_ms[b - 1] - ctx.t_ms[a])


def _persist_ms(ctx: Context) -> float:
    return min(HOLD_SETTINGS["persist"].value, HOLD_SETTINGS["persist_share"].value * _hold_ms(ctx))


def _rolling(ctx: Context, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The series smoothed by a one-second rolling median, and the mask of the hold (ends skipped)."""
    a, b = ctx.hold  # type: ignore[misc]
    t = ctx.t_ms
    settle = min(HOLD_SETTINGS["settle"].value, HOLD_SETTINGS["settle_share"].value * _hold_ms(ctx))
    frames = frames_for(ctx, _persist_ms(ctx))
    values = ctx.features[name].copy()
    known = np.isfinite(values)
    values[~known] = np.interp(np.flatnonzero(~known), np.flatnonzero(known), values[known]) if known.any() else 0
    rolled = median_filter(values, size=frames, mode="nearest")
    rolled[~known] = np.nan
    in_hold = (t >= t[a] + settle) & (t <= t[b - 1] - settle)
    return rolled, in_hold


def held_fault(ctx: Context, check: Check, series: str, threshold: Threshold) -> list[Finding]:
    """A fault present for at least a second of the hold, reported from when it started."""
    rolled, in_hold = _rolling(ctx, series)
    ctx.record(check, threshold, np.flatnonzero(in_hold), rolled[in_hold])
    bad = in_hold & ((rolled > threshold.first) if threshold.above else (rolled < threshold.first))
    spans = spans_where(ctx.t_ms, bad, min_ms=_persist_ms(ctx))
    if not spans:
        return []
    in_spans = np.zeros_like(bad)
    for t0, t1 in spans:
        in_spans |= (ctx.t_ms >= t0) & (ctx.t_ms <= t1)
    worst = float(np.nanpercentile(rolled[in_spans], 90 if threshold.above else 10))
    severity = threshold.severity(worst)
    if severity is None:
        return []
    hold_fraction = sum(t1 - t0 for t0, t1 in spans) / max(1.0, _hold_ms(ctx))
    return [check.finding(severity=severity, measured=worst, threshold=threshold, spans=spans,
                          confidence=min(1.0, 0.5 + hold_fraction))]
