"""Tempo: the check every rep exercise shares ("slowly and with control").

Measured as the duration of the faster half of each rep (the way down or the
way up) and the mean angular speed of the main joint over it. Durations are
robust to landmark jitter, which peak speeds are not; the speed is reported
so a user sees how quick the movement was.
"""

from __future__ import annotations

import numpy as np

from analyzer.judging.measures import RepValue, per_rep_check
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Threshold
from analyzer.report import Finding

THRESHOLD = Threshold(
    warn=0.4, danger=0.25, unit="s", above=False,
    reason="ERRORS.md across all exercises: move slowly and with control. Instructional clips of good form "
    "take 0.45 s and more for the quicker half of a bodyweight squat; under 0.4 s is hurried, under 0.25 s "
    "a drop or a bounce.",
)
THRESHOLD_KEY = "tempo"  # not one of an exercise's own thresholds: the same for every rep exercise


def _fastest_half(ctx: Context, rep: RepSpan) -> RepValue:
    """Duration of the quicker half of the rep (the way down or the way up)."""
    start, stop = min(((rep.start, rep.turn), (rep.turn, rep.end)), key=lambda h: ctx.t_ms[h[1]] - ctx.t_ms[h[0]])
    return RepValue((ctx.t_ms[stop] - ctx.t_ms[start]) / 1000.0, np.arange(start, stop + 1))


def _run(ctx: Context, check: Check) -> list[Finding]:
    findings = per_rep_check(ctx, check, THRESHOLD, _fastest_half)
    angle = ctx.features[str(ctx.exercise.extra["tempo_angle"])]
    for finding in findings:  # say how fast, in the joint's own terms
        start, stop = (int(np.searchsorted(ctx.t_ms, t)) for t in finding.spans_ms[0])
        stop = min(stop, len(angle) - 1)
        travel = abs(angle[stop] - angle[start])
        if np.isfinite(travel) and finding.measured:
            finding.title = f"{check.title} ({travel / finding.measured:.0f} deg/s)"
    return findings


def tempo_check(exercise: Exercise) -> Check:
    """The tempo check for a rep exercise (its main joint is ``extra['tempo_angle']``)."""
    angle = str(exercise.extra["tempo_angle"])
    return Check(
        code=f"{exercise.name}.tempo",
        title="Too fast",
        cue="Slow down: about two seconds down and one to two seconds up, without bouncing.",
        why="Quick, jerky reps use momentum instead of muscle and strain the muscles and discs of the back.",
        threshold=THRESHOLD_KEY,
        series_label="Quicker half of the rep, down or up (s)",
        run=_run,
        views=("side", "front", "oblique"),
        key_series=angle,
    )
