"""A client's trends across sessions: the score, how often each fault showed, and what each check measured
against its limit.

Every number is measured the same way in every session, so a line going up or down means the person changed:
how often is a share of the reps, or of the hold's time (3.5 s of sag in a 37 s plank is 9 %, not 100 %); a
check's value is plotted with worse always upward (a limit that is bad below, like piked hips at -35 deg, is
drawn on a reversed axis), so a higher point is always further from good form. Names come from the checks, not
from one session's finding (whose title may carry that session's value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import plotly.graph_objects as go

from analyzer.judging.registry import exercises
from analyzer.pipeline import Analysis
from analyzer.report import Finding, Report, Severity

CHART_HEIGHT_PX = 300
# Legends under the plot: beside it they take half a phone's width.
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0}
_VALUE_IN_TITLE = re.compile(r"\s*\([^)]*\)\s*$")  # "Too fast (213 deg/s)" -> "Too fast"


@dataclass(frozen=True)
class SessionPoint:
    """One session on the time axis."""

    session_id: int
    recorded_at: datetime
    exercise: str
    score: int | None


@dataclass(frozen=True)
class HowOften:
    """One check in one session: the share of the reps, or of the hold's time, the fault was present
    (0 when judged and clean); None when the check could not judge this session."""

    recorded_at: datetime
    code: str
    share: float | None


@dataclass(frozen=True)
class CheckValue:
    """What one check measured in one session: the worst value it judged, and its limits."""

    recorded_at: datetime
    code: str
    value: float
    warn: float
    danger: float
    above: bool  # True when higher is worse
    label: str  # what the check measures, in words with its unit
    unit: str


def check_title(code: str, fallback: str = "") -> str:
    """The check's own name (the same in every session); the finding's title without a value if the rules
    no longer know the code."""
    exercise = exercises().get(code.split(".", 1)[0])
    for check in exercise.checks if exercise is not None else ():
        if check.code == code:
            return check.title
    return _VALUE_IN_TITLE.sub("", fallback) or code


def _covered_ms(spans: Iterable[tuple[float, float]], start: float, end: float) -> float:
    """Milliseconds of [start, end] inside the union of ``spans`` (overlaps counted once)."""
    covered, reach = 0.0, start
    for a, b in sorted((max(a, start), min(b, end)) for a, b in spans):
        if b > reach:
            covered += b - max(a, reach)
            reach = b
    return covered


def fault_share(report: Report, group: list[Finding]) -> float:
    """How much of the set one fault took: reps affected / reps, or for a hold its time / the hold's time."""
    if report.hold is not None:
        length = report.hold.end_ms - report.hold.start_ms
        spans = [s for f in group for s in f.spans_ms]
        if length <= 0 or not spans:
            return 1.0  # a fault of the whole hold, without a time span
        return min(1.0, _covered_ms(spans, report.hold.start_ms, report.hold.end_ms) / length)
    reps = {f.rep for f in group if f.rep}
    if report.reps and reps:
        return min(1.0, len(reps) / len(report.reps))
    return 1.0


def how_often(sessions: list[tuple[SessionPoint, Report]]) -> list[HowOften]:
    """For every fault the client ever showed: its share in each session of that exercise, oldest first."""
    faults = {
        f.code: point.exercise for point, report in sessions for f in report.findings
        if f.assessable and f.severity != Severity.info
    }
    out = []
    for point, report in sorted(sessions, key=lambda s: s[0].recorded_at):
        for code in sorted(c for c, exercise in faults.items() if exercise == point.exercise):
            mine = [f for f in report.findings if f.code == code]
            faults_here = [f for f in mine if f.assessable and f.severity != Severity.info]
            if faults_here:
                share: float | None = fault_share(report, faults_here)
            elif any(not f.assessable for f in mine):
                share = None
            else:
                share = 0.0
            out.append(HowOften(point.recorded_at, code, share))
    return out


def check_values(point: SessionPoint, analysis: Analysis) -> list[CheckValue]:
    """Per check the session's analysis judged: the worst value it judged (highest when higher is worse)."""
    evaluation = analysis.evaluation
    if evaluation is None:
        return []
    out = []
    for code, judged in evaluation.judged.items():
        values = judged.verdict[np.isfinite(judged.verdict)]
        if not len(values):
            continue
        th = judged.threshold
        worst = float(values.max() if th.above else values.min())
        out.append(CheckValue(point.recorded_at, code, round(worst, 2), th.warn, th.danger, th.above,
                              judged.check.series_label, th.unit))
    return out


# -- figures -----------------------------------------------------------------------
def score_figure(points: list[SessionPoint]) -> go.Figure:
    """The score per session, one line per exercise."""
    figure = go.Figure()
    for exercise in sorted({p.exercise for p in points}):
        mine = sorted((p for p in points if p.exercise == exercise and p.score is not None),
                      key=lambda p: p.recorded_at)
        known = exercises().get(exercise)
        figure.add_scatter(x=[p.recorded_at for p in mine], y=[p.score for p in mine], mode="lines+markers",
                           name=known.title if known else exercise.replace("_", " "))
    figure.update_layout(title="Score (out of 100)", yaxis_range=[-5, 105], yaxis_title="score",
                         height=CHART_HEIGHT_PX, showlegend=True, legend=LEGEND_BELOW)
    return figure


def how_often_figure(points: list[HowOften], titles: dict[str, str]) -> go.Figure:
    """One line per fault, in % of the reps (rep exercises) or of the hold's time (holds); gaps where not judged."""
    figure = go.Figure()
    for code in sorted({p.code for p in points}):
        mine = [p for p in points if p.code == code]
        figure.add_scatter(
            x=[p.recorded_at for p in mine], y=[None if p.share is None else round(100 * p.share) for p in mine],
            mode="lines+markers", name=titles.get(code, code),
        )
    figure.update_layout(title="How often: % of the reps, or of the hold's time", yaxis_title="%",
                         yaxis_range=[-5, 105], height=CHART_HEIGHT_PX, showlegend=True, legend=LEGEND_BELOW)
    return figure


def check_figure(values: list[CheckValue], title: str) -> go.Figure:
    """One check across sessions: the worst value judged in each, against its warning and danger limits,
    worse upward (the axis is reversed where lower is worse)."""
    values = sorted(values, key=lambda v: v.recorded_at)
    last = values[-1]
    figure = go.Figure()
    figure.add_scatter(x=[v.recorded_at for v in values], y=[v.value for v in values], mode="lines+markers",
                       name="measured (worst in the session)")
    for limit, words, colour in ((last.warn, "warning limit", "#c77700"), (last.danger, "danger limit", "#c81e1e")):
        figure.add_hline(y=limit, line_dash="dash", line_color=colour, annotation_text=f"{words} {limit:g}",
                         annotation_position="top left")
    spread = [v.value for v in values] + [last.warn, last.danger]
    pad = max(1.0, (max(spread) - min(spread)) * 0.1)
    low, high = min(spread) - pad, max(spread) + pad
    figure.update_layout(
        title={"text": title, "subtitle": {"text": last.label}}, height=CHART_HEIGHT_PX, showlegend=False,
        yaxis_title=f"{last.unit}, worse ↑".lstrip(", "), yaxis_range=[low, high] if last.above else [high, low],
        margin={"t": 80},
    )
    return figure
