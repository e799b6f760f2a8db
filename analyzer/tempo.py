"""Tempo: the check every rep exercise shares ("slowly and with control").

Measured as the duration of the faster half of each rep (the way down or the
way up) and the mean angular speed of the main joint over it. Durations are
robust to landmark jitter, which peak speeds are not; the speed is reported
so a user sees how quick the movement was.
"""

from __future__ import annotations

import numpy as np

from analyzer.report import Finding
from analyzer.rulebook import Check, Context, Exercise, Threshold

THRESHOLD = Threshold(
    warn=0.5, danger=0.3, unit="s", above=False,
    reason="ERRORS.md across all exercises: move slowly and with control. Half a second for the way down "
    "or up is brisk; under 0.3 s is a drop or a bounce.",
)


def _run(ctx: Context, check: Check) -> list[Finding]:
    angle = ctx.features[str(ctx.exercise.extra["tempo_angle"])]
    findings = []
    for number, rep in enumerate(ctx.reps, start=1):
        halves = [(rep.start, rep.turn), (rep.turn, rep.end)]
        start, stop = min(halves, key=lambda h: ctx.t_ms[h[1]] - ctx.t_ms[h[0]])
        seconds = (ctx.t_ms[stop] - ctx.t_ms[start]) / 1000.0
        severity = THRESHOLD.severity(seconds)
        if severity:
            finding = check.finding(severity=severity, measured=seconds, threshold=THRESHOLD,
                                    spans=[ctx.span_ms(start, stop)], rep=number)
            travel = abs(angle[stop] - angle[start])
            if np.isfinite(travel) and seconds > 0:
                finding.title = f"{check.title} ({travel / seconds:.0f} deg/s)"
            findings.append(finding)
    return findings


def tempo_check(exercise: Exercise) -> Check:
    """The tempo check for a rep exercise (its main joint is ``extra['tempo_angle']``)."""
    return Check(
        code=f"{exercise.name}.tempo",
        title="Too fast",
        cue="Slow down: about two seconds down and one to two seconds up, without bouncing.",
        why="Quick, jerky reps use momentum instead of muscle and strain the muscles and discs of the back.",
        run=_run,
        views=("side", "front", "oblique"),
        key_series=str(exercise.extra["tempo_angle"]),
    )
