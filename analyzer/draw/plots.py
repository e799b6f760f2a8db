"""Timeline plots (Plotly): the series each check judges, its limits, the findings and the reps over time.

One figure function for the CLI's HTML report and the Streamlit UI alike. No static
PNG: kaleido 1.x renders through a Chrome it downloads (not possible offline), so the
report inlines plotly.js and the interactive figure instead; browsers print it as vectors.

Each panel is one series a check judges, titled in the user's words (the checks' titles and
``Check.series_label``), with the warning and danger bands of the thresholds its checks
name (``Check.threshold``), on clean sets as on faulty ones. Checks that judge a change
within a rep (bottom against standing tall) have their bands drawn on the plotted series
all the same; the finding spans show where the change itself passed the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analyzer.judging.tempo import tempo_check
from analyzer.report import Severity

if TYPE_CHECKING:
    from analyzer.judging.rulebook import Check, Exercise, Threshold
    from analyzer.pipeline import Analysis

__all__ = ["PLOTLY_CONFIG", "Row", "check_threshold", "figure_html", "timeline_figure", "timeline_rows"]

SEVERITY_FILL = {Severity.warning: "rgba(255,176,0,0.22)", Severity.danger: "rgba(235,30,30,0.22)"}
BAND_FILL = {Severity.warning: "rgba(255,176,0,0.12)", Severity.danger: "rgba(235,30,30,0.12)"}
LINE_COLOUR = "#1f4e79"
# Shown when no exercise was recognised: the angles that say most about a set, in the user's words.
DEFAULT_SERIES = {
    "trunk_incline_deg": "Trunk tilt forward from upright (deg)",
    "hip_deg": "Hip angle (deg)",
    "knee_deg": "Knee angle (deg)",
}
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
UNIT_LABEL = {"deg": "degrees"}


@dataclass
class Row:
    """One panel of the timeline: a series, the checks that judge it, and the limits to shade."""

    series: str
    titles: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # what the series shows, with unit (Check.series_label)
    unit: str = ""
    bands: list[Threshold] = field(default_factory=list)

    @property
    def judged(self) -> str:
        """Kept for html_report's note: every row's limits are now drawn, none is left without bands."""
        return "value"


def check_threshold(exercise: Exercise, check: Check) -> Threshold | None:
    """The threshold a check judges against, by the key it names; None when it is not one of the
    exercise's own (tempo: a duration, not a limit on the plotted angle)."""
    return exercise.thresholds.get(check.threshold)


def _checks(exercise: Exercise) -> tuple[Check, ...]:
    """The exercise's checks and, for a rep exercise, the tempo check the evaluator adds."""
    return exercise.checks + ((tempo_check(exercise),) if "tempo_angle" in exercise.extra else ())


def timeline_rows(analysis: Analysis) -> list[Row]:
    """The panels to draw: one per key series of the exercise's checks, in the checks' order."""
    series = analysis.features.series if analysis.features is not None else {}
    exercise = analysis.exercise
    if exercise is None:
        return [Row(name, labels=[label], unit="deg") for name, label in DEFAULT_SERIES.items() if name in series]
    not_judged = {f.code for f in analysis.report.findings if not f.assessable}
    rows: dict[str, Row] = {}
    for check in _checks(exercise):
        name = check.key_series
        if not name or name not in series or check.code in not_judged:
            continue
        row = rows.setdefault(name, Row(name))
        row.titles.append(check.title)
        row.labels.append(check.series_label)
        threshold = check_threshold(exercise, check)
        if threshold is not None:
            row.unit = row.unit or threshold.unit
            if threshold not in row.bands:
                row.bands.append(threshold)
    for row in rows.values():
        row.unit = row.unit or ("deg" if row.series.endswith("_deg") else "")
    return list(rows.values())


def _label(row: Row) -> str:
    what = " / ".join(dict.fromkeys(row.titles))
    shown = " / ".join(dict.fromkeys(row.labels))
    return f"{what}: {shown}" if what else shown


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
                name=" / ".join(dict.fromkeys(row.labels)),
                hovertemplate="%{x:.2f} s: %{y:.2f}" + (f" {row.unit}" if row.unit else "") + "<extra></extra>",
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
            for limit, colour in ((threshold.warn, "rgba(200,120,0,0.8)"), (threshold.danger, "rgba(200,30,30,0.8)")):
                fig.add_hline(y=limit, line={"color": colour, "width": 1, "dash": "dot"}, row=k, col=1)
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
