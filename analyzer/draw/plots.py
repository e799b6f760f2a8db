"""Timelines of a set as Plotly figures.

One figure function for the CLI's HTML report and the Streamlit UI alike. No static
PNG: kaleido 1.x renders through a Chrome it downloads (not possible offline), so the
report inlines plotly.js and the interactive figure instead; browsers print it as vectors.

Each panel shows what a check judged, exactly as it compared it with its limits
(``Evaluation.judged``): a thin line for what it looked at frame by frame (bottom against
standing tall where the check judges a change), a thick one for the value it judged (one
number per rep, drawn over the frames it came from). Titled in the user's words
(``Check.series_label``), shaded with the warning and danger zones of the threshold the check
names: a thick line in a zone is a finding, and a clean set shows how close it came. Checks
that look at the same values share a panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analyzer.report import Severity

if TYPE_CHECKING:
    from analyzer.judging.rulebook import Exercise, Threshold
    from analyzer.pipeline import Analysis

__all__ = ["PLOTLY_CONFIG", "Row", "figure_html", "measure_label", "timeline_figure", "timeline_rows"]

SEVERITY_FILL = {
    Severity.note: "rgba(60,140,220,0.16)",
    Severity.warning: "rgba(255,176,0,0.22)",
    Severity.danger: "rgba(235,30,30,0.22)",
}
BAND_FILL = {
    Severity.note: "rgba(60,140,220,0.08)",
    Severity.warning: "rgba(255,176,0,0.12)",
    Severity.danger: "rgba(235,30,30,0.12)",
}
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
    "toImageButtonOptions": {"format": "svg", "filename": "formcheck-timeline"},
}
UNIT_LABEL = {"deg": "degrees", "s": "seconds"}

# A per-rep value is the range of a series over the rep (judging.evaluate.rep_records).
EXTREMES = {"min": "lowest", "max": "highest"}
UNITS = {"deg": "deg", "s": "s", "ms": "ms"}


def _with_unit(words: str, unit: str, qualifier: str = "") -> str:
    words = f"{words}, {qualifier}" if qualifier else words
    return f"{words} ({unit})" if unit else words


def measure_label(name: str, exercise: Exercise | None = None) -> str:
    """A feature series or per-rep value (``hip_deg_min``) as a reader says it (``Hip angle, lowest (deg)``).

    A series a check judges takes the check's ``series_label``; a per-rep range takes the plain words of
    its series, since a check's label says where in the rep it judges (at the top, at the bottom).
    """
    stem, _, last = name.rpartition("_")
    extreme = EXTREMES.get(last, "")
    stem = stem if extreme else name
    if not extreme and exercise is not None:
        label = next((c.series_label for c in exercise.checks if c.key_series == name), "")
        if label:
            return label
    words, unit = DEFAULT_SERIES.get(stem, ""), ""
    if words:
        words, _, unit = words.rpartition(" (")
        unit = unit.rstrip(")")
    else:
        head, _, tail = stem.rpartition("_")
        words, unit = (head, UNITS[tail]) if head and tail in UNITS else (stem, "")
        words = words.replace("_", " ").capitalize()
    return _with_unit(words, unit, extreme)


@dataclass
class Row:
    """One panel of the timeline: values over time, the checks that judged them, the limits to shade."""

    label: str  # what the values are, in the user's words, with the unit
    t_ms: np.ndarray
    values: np.ndarray  # per frame, NaN where not looked at
    verdicts: list[np.ndarray] = field(default_factory=list)  # the value each check judged, per frame
    codes: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    unit: str = ""
    bands: list[Threshold] = field(default_factory=list)


def timeline_rows(analysis: Analysis) -> list[Row]:
    """The panels to draw: one per judged quantity, in the checks' order; without an exercise,
    the angles that describe any set."""
    evaluation = analysis.evaluation
    if analysis.exercise is None or evaluation is None or evaluation.features is None:
        series = analysis.features.series if analysis.features is not None else {}
        return [
            Row(label, analysis.track.t_ms, series[name], unit="deg")
            for name, label in DEFAULT_SERIES.items()
            if name in series
        ]
    rows: list[Row] = []
    for code, judged in evaluation.judged.items():
        if not np.any(np.isfinite(judged.values)):
            continue
        row = next(
            (r for r in rows if r.label == judged.check.series_label and _same(r.values, judged.values)), None
        )
        if row is None:
            row = Row(judged.check.series_label, evaluation.features.t_ms, judged.values, unit=judged.threshold.unit)
            rows.append(row)
        row.codes.append(code)
        row.titles.append(judged.check.title)
        if not any(_same(v, judged.verdict) for v in [row.values, *row.verdicts]):
            row.verdicts.append(judged.verdict)
        if judged.threshold not in row.bands:
            row.bands.append(judged.threshold)
    return rows


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _label(row: Row) -> str:
    what = " / ".join(dict.fromkeys(row.titles))
    return f"{what}: {row.label}" if what else row.label


def _band_edges(threshold: Threshold, lo: float, hi: float) -> list[tuple[float, float, Severity]]:
    """(y0, y1, severity) of the note, warning and danger zones; the danger zone reaches the plotted
    range's end (or half its width past the limit when no value gets there)."""
    beyond = abs(threshold.danger - threshold.warn) / 2
    end = max(hi, threshold.danger + beyond) if threshold.above else min(lo, threshold.danger - beyond)
    edges = [(threshold.warn, threshold.danger, Severity.warning), (threshold.danger, end, Severity.danger)]
    if threshold.note is not None:
        edges.insert(0, (threshold.note, threshold.warn, Severity.note))
    return [(min(a, b), max(a, b), severity) for a, b, severity in edges]


def timeline_figure(analysis: Analysis, height_per_row: int = 190) -> go.Figure:
    """Per exercise: its checks' series over time, threshold bands, finding spans and rep boundaries."""
    rows = timeline_rows(analysis)
    n = max(1, len(rows))
    fig = make_subplots(
        rows=n,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=min(0.12, 0.3 / n),
        subplot_titles=[_label(r) for r in rows] or ["nothing to plot"],
    )
    fig.update_annotations(font_size=12)  # the subplot titles
    for k, row in enumerate(rows, start=1):
        values = row.values
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        # the trace first: Plotly leaves shapes out of subplots that have no data yet
        fig.add_trace(
            go.Scatter(
                x=row.t_ms / 1000.0,
                y=values,
                mode="lines+markers",
                line={"color": LINE_COLOUR, "width": 1.2 if row.verdicts else 1.8},
                marker={"color": LINE_COLOUR, "size": 2 if row.verdicts else 3},
                opacity=0.55 if row.verdicts else 1.0,
                name=row.label,
                hovertemplate="%{x:.2f} s: %{y:.2f}" + (f" {row.unit}" if row.unit else "") + "<extra></extra>",
                showlegend=False,
            ),
            row=k,
            col=1,
        )
        for verdict in row.verdicts:
            fig.add_trace(
                go.Scatter(
                    x=row.t_ms / 1000.0,
                    y=verdict,
                    mode="lines",
                    line={"color": LINE_COLOUR, "width": 3.5},
                    name="judged",
                    hovertemplate="judged: %{y:.2f}" + (f" {row.unit}" if row.unit else "") + "<extra></extra>",
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
            for limit, colour in (
                (threshold.note, "rgba(60,140,220,0.8)"),
                (threshold.warn, "rgba(200,120,0,0.8)"),
                (threshold.danger, "rgba(200,30,30,0.8)"),
            ):
                if limit is not None:
                    fig.add_hline(y=limit, line={"color": colour, "width": 1, "dash": "dot"}, row=k, col=1)
        for f in analysis.report.findings:
            if f.assessable and f.code in row.codes and f.severity in SEVERITY_FILL:
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
    t = analysis.track.t_ms
    if len(t):  # the whole clip, so that times match the video's even where nothing was judged
        fig.update_xaxes(range=[float(t[0]) / 1000.0, float(t[-1]) / 1000.0])
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
