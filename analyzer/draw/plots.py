"""Timeline plots (Plotly): the series each check judges, its limits, the findings and the reps over time.

One figure function for the CLI's HTML report and the Streamlit UI alike. No static
PNG: kaleido 1.x renders through a Chrome it downloads (not possible offline), so the
report inlines plotly.js and the interactive figure instead; browsers print it as vectors.

Threshold bands are drawn only where the plotted series is the value that is judged.
Many checks judge a *change* within a rep (back bend at the bottom minus standing, heel
rise, neck bend relative to standing): there the raw series is plotted without bands and
the finding spans show where the change passed the limit. Which threshold a check uses
and whether it judges the value or a change is taken from the check when it declares it
(``Check.threshold``, ``Check.judges``: a proposal to the rulebook); otherwise it is read
off the check's findings (the threshold with the finding's limit and unit; "value" when the
series itself is past the limit in most of the finding's frames); else no band is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analyzer.report import Finding, Severity

if TYPE_CHECKING:
    from analyzer.judging.rulebook import Check, Threshold
    from analyzer.pipeline import Analysis

__all__ = ["PLOTLY_CONFIG", "Row", "figure_html", "timeline_figure", "timeline_rows"]

SEVERITY_FILL = {Severity.warning: "rgba(255,176,0,0.22)", Severity.danger: "rgba(235,30,30,0.22)"}
BAND_FILL = {Severity.warning: "rgba(255,176,0,0.12)", Severity.danger: "rgba(235,30,30,0.12)"}
LINE_COLOUR = "#1f4e79"
# Shown when no exercise was recognised: the angles that say most about a set.
DEFAULT_SERIES = ("trunk_incline_deg", "hip_deg", "knee_deg")
# The series is "the judged value" when it is past the limit in at least this share of a finding's frames.
VALUE_SHARE = 0.5
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
UNIT_LABEL = {"deg": "degrees"}

Judged = Literal["value", "change", "unknown"]


@dataclass
class Row:
    """One panel of the timeline: a series, the checks that judge it, and the limits to shade."""

    series: str
    titles: list[str]
    unit: str
    bands: list[Threshold]
    judged: Judged


def _check_findings(analysis: Analysis, check: Check) -> list[Finding]:
    return [f for f in analysis.report.findings if f.code == check.code and f.assessable and f.spans_ms]


def _past(values: np.ndarray, threshold: Threshold) -> np.ndarray:
    return values > threshold.warn if threshold.above else values < threshold.warn


def check_threshold(analysis: Analysis, check: Check) -> tuple[Threshold | None, Judged]:
    """The threshold a check compares with and whether it judges the series' value or a change."""
    exercise = analysis.exercise
    if exercise is None:
        return None, "unknown"
    declared = getattr(check, "threshold", None)
    if isinstance(declared, str) and declared in exercise.thresholds:
        return exercise.thresholds[declared], getattr(check, "judges", "value")
    findings = [f for f in _check_findings(analysis, check) if f.threshold is not None]
    if not findings:
        return None, "unknown"
    f = findings[0]
    matches = [th for th in exercise.thresholds.values() if th.warn == f.threshold and th.unit == f.unit]
    if len(matches) != 1:
        return None, "unknown"
    threshold = matches[0]
    series = analysis.features.series.get(check.key_series) if analysis.features is not None else None
    if series is None:
        return threshold, "unknown"
    t = analysis.track.t_ms
    inside = np.zeros(len(t), dtype=bool)
    for g in findings:
        for t0, t1 in g.spans_ms:
            inside |= (t >= t0) & (t <= t1)
    values = series[inside & np.isfinite(series)]
    if not len(values):
        return threshold, "unknown"
    return threshold, "value" if float(np.mean(_past(values, threshold))) >= VALUE_SHARE else "change"


def timeline_rows(analysis: Analysis) -> list[Row]:
    """The panels to draw: one per key series of the exercise's checks, in the checks' order."""
    series = analysis.features.series if analysis.features is not None else {}
    rows: dict[str, Row] = {}
    exercise = analysis.exercise
    if exercise is None:
        return [Row(name, [], "deg", [], "unknown") for name in DEFAULT_SERIES if name in series]
    not_judged = {f.code for f in analysis.report.findings if not f.assessable}
    extra = [f for f in analysis.report.findings if f.code not in {c.code for c in exercise.checks}]
    for check in exercise.checks:
        name = check.key_series
        if not name or name not in series or check.code in not_judged:
            continue
        row = rows.setdefault(name, Row(name, [], "", [], "unknown"))
        row.titles.append(check.title)
        threshold, judged = check_threshold(analysis, check)
        if threshold is not None:
            row.unit = threshold.unit
            if judged == "value":
                row.bands.append(threshold)
        if row.judged != "value":
            row.judged = judged
    for f in extra:  # checks added by the evaluator (tempo) carry their series on the finding
        if f.key_series in series and f.assessable:
            rows.setdefault(f.key_series, Row(f.key_series, [f.title], f.unit, [], "unknown"))
    for row in rows.values():
        row.unit = row.unit or ("deg" if row.series.endswith("_deg") else "")
    return list(rows.values())


def _label(row: Row) -> str:
    what = " / ".join(dict.fromkeys(row.titles)) or row.series.replace("_", " ")
    note = " (judged as a change within each rep)" if row.judged == "change" else ""
    return f"{what}: {row.series}{note}"


def _band_edges(threshold: Threshold, lo: float, hi: float) -> list[tuple[float, float, Severity]]:
    """(y0, y1, severity) of the warning and danger zones, clipped to the plotted range."""
    if threshold.above:
        return [
            (threshold.warn, threshold.danger, Severity.warning),
            (threshold.danger, max(hi, threshold.danger), Severity.danger),
        ]
    return [
        (threshold.danger, threshold.warn, Severity.warning),
        (min(lo, threshold.danger), threshold.danger, Severity.danger),
    ]


def timeline_figure(analysis: Analysis, height_per_row: int = 190) -> go.Figure:
    """Per exercise: its checks' series over time, threshold bands, finding spans and rep boundaries."""
    rows = timeline_rows(analysis)
    t_s = analysis.track.t_ms / 1000.0
    n = max(1, len(rows))
    fig = make_subplots(
        rows=n,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=min(0.12, 0.3 / n),
        subplot_titles=[_label(r) for r in rows] or ["nothing to plot"],
    )
    fig.update_annotations(font_size=12)  # the subplot titles
    series = analysis.features.series if analysis.features is not None else {}
    for k, row in enumerate(rows, start=1):
        values = series[row.series]
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        # the trace first: Plotly leaves shapes out of subplots that have no data yet
        fig.add_trace(
            go.Scatter(
                x=t_s,
                y=values,
                mode="lines",
                line={"color": LINE_COLOUR, "width": 1.6},
                name=row.series,
                hovertemplate="%{x:.2f} s: %{y:.1f}"
                + (" deg" if row.unit == "deg" else "")
                + "<extra></extra>",
                showlegend=False,
            ),
            row=k,
            col=1,
        )
        for threshold in row.bands:
            for y0, y1, severity in _band_edges(threshold, lo, hi):
                fig.add_hrect(
                    y0=y0, y1=y1, fillcolor=BAND_FILL[severity], line_width=0, layer="below", row=k, col=1
                )
            fig.add_hline(
                y=threshold.warn,
                line={"color": "rgba(200,120,0,0.8)", "width": 1, "dash": "dot"},
                row=k,
                col=1,
            )
        for f in analysis.report.findings:
            if f.assessable and f.key_series == row.series and f.severity in SEVERITY_FILL:
                for t0, t1 in f.spans_ms:
                    fig.add_vrect(
                        x0=t0 / 1000,
                        x1=max(t1, t0 + 40) / 1000,
                        fillcolor=SEVERITY_FILL[f.severity],
                        line_width=0,
                        layer="below",
                        row=k,
                        col=1,
                    )
        fig.update_yaxes(title_text=UNIT_LABEL.get(row.unit, row.unit), row=k, col=1)
    for rep in analysis.report.reps:
        for x in (rep.start_ms / 1000, rep.end_ms / 1000):
            fig.add_vline(
                x=x, line={"color": "rgba(90,90,90,0.6)", "width": 1, "dash": "dash"}, row="all", col=1
            )
        fig.add_annotation(
            x=(rep.start_ms + rep.end_ms) / 2000,
            y=1.0,
            xref="x",
            yref="y domain",
            yanchor="top",
            text=f"rep {rep.index}",
            showarrow=False,
            font={"size": 11, "color": "#555"},
            bgcolor="rgba(255,255,255,0.7)",
        )
    if analysis.report.hold:
        hold = analysis.report.hold
        for x in (hold.start_ms / 1000, hold.end_ms / 1000):
            fig.add_vline(
                x=x, line={"color": "rgba(40,140,60,0.7)", "width": 1, "dash": "dash"}, row="all", col=1
            )
    fig.update_xaxes(title_text="time (s)", row=n, col=1)
    fig.update_layout(
        height=90 + height_per_row * n,
        margin={"l": 60, "r": 20, "t": 50, "b": 45},
        template="plotly_white",
        hovermode="x unified",
    )
    return fig


def figure_html(fig: go.Figure, *, include_plotlyjs: bool = True) -> str:
    """The figure as an HTML fragment; with plotly.js inlined (no network) unless told otherwise."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        include_mathjax=False,
        config=PLOTLY_CONFIG,
        default_width="100%",
    )
