"""Data exports and the optional outputs of an analysis (annotated video, HTML report).

``features.csv`` has one row per analysed frame, aligned with ``track.csv``: time, every
feature series, the view, the phase (rep number or hold) and the findings present in that
frame, so a spreadsheet or a notebook can check what the report says frame by frame.
"""

from __future__ import annotations

import csv
import math
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from analyzer.draw.annotate import render_parallel
from analyzer.draw.html_report import write_html_report
from analyzer.io.track_csv import read_track_csv, write_track_csv
from analyzer.pipeline import Analysis, analyze_track
from analyzer.report import Report

__all__ = [
    "add_outputs", "feature_rows", "load_analysis", "write_exports", "write_features_csv", "write_session_report",
]

Progress = Callable[[int, int], None]
REPORT_JSON = "report.json"
TRACK_CSV = "track.csv"
FEATURES_CSV = "features.csv"
ANNOTATED_MP4 = "annotated.mp4"
REPORT_HTML = "report.html"
NOTES_TXT = "notes.txt"


def _in_spans(t_ms: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    inside = np.zeros(len(t_ms), dtype=bool)
    for t0, t1 in spans:
        inside |= (t_ms >= t0) & (t_ms <= t1)
    return inside


def feature_rows(analysis: Analysis) -> tuple[list[str], list[list[object]]]:
    """Header and rows of the per-frame table (NaN as an empty cell)."""
    report, t = analysis.report, analysis.track.t_ms
    series = analysis.features.series if analysis.features is not None else {}
    names = sorted(series)
    rep = np.zeros(len(t), dtype=int)
    for r in report.reps:
        rep[(t >= r.start_ms) & (t <= r.end_ms)] = r.index
    hold = (
        _in_spans(t, [(report.hold.start_ms, report.hold.end_ms)]) if report.hold else np.zeros(len(t), bool)
    )
    active: list[list[str]] = [[] for _ in t]
    for f in report.findings:
        if f.assessable:
            for i in np.flatnonzero(_in_spans(t, f.spans_ms)):
                if f.code not in active[i]:
                    active[i].append(f.code)
    header = ["frame", "t_ms", *names, "view", "near_side", "phase", "rep", "findings"]
    rows = []
    for i in range(len(t)):
        phase = f"rep {rep[i]}" if rep[i] else "hold" if hold[i] else ""
        values = [series[n][i] for n in names]
        rows.append(
            [
                i,
                repr(float(t[i])),
                *("" if not math.isfinite(v) else f"{v:.6g}" for v in values),
                report.view.kind,
                report.view.side or "",
                phase,
                rep[i] or "",
                ";".join(active[i]),
            ]
        )
    return header, rows


def write_features_csv(analysis: Analysis, path: Path) -> Path:
    header, rows = feature_rows(analysis)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return Path(path)


def write_exports(analysis: Analysis, out_dir: Path) -> list[Path]:
    """report.json, track.csv (the interchange format) and features.csv into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    analysis.report.write(out_dir / REPORT_JSON)
    write_track_csv(analysis.track, out_dir / TRACK_CSV)
    write_features_csv(analysis, out_dir / FEATURES_CSV)
    return [out_dir / REPORT_JSON, out_dir / TRACK_CSV, out_dir / FEATURES_CSV]


def add_outputs(
    analysis: Analysis,
    source: Path | None,
    out_dir: Path,
    *,
    annotate: bool = False,
    html: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """The optional outputs of ``formcheck analyze --annotate --html`` (call after write_exports).

    The video needs the source clip (not a pose-track CSV); the HTML report works without it
    (thumbnails then show the skeleton on a plain ground) and embeds the video when made.
    """
    out_dir = Path(out_dir)
    written: list[Path] = []
    video = None
    is_video = source is not None and Path(source).suffix.lower() != ".csv" and Path(source).exists()
    if annotate and is_video:
        video = render_parallel(
            Path(source), analysis, out_dir / ANNOTATED_MP4, workers=workers, progress=progress
        )
        written.append(video)
    if html:
        written.append(
            write_html_report(
                analysis,
                out_dir / REPORT_HTML,
                annotated_video=video,
                source=Path(source) if is_video else None,
            )
        )
    return written


def write_session_report(
    analysis: Analysis,
    out_dir: Path,
    *,
    annotated: Path | None = None,
    source: Path | None = None,
    notes: Mapping[str, str] | None = None,
) -> list[Path]:
    """What a trainer sends about one session, in ``out_dir``: report.html with the trainer's notes, the
    annotated clip beside it (linked from the page, not embedded: one copy of the video, and a page that
    opens at once), report.json and, when there are notes, notes.txt.

    ``notes`` are by finding code, "" for the whole session.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / REPORT_JSON]
    analysis.report.write(written[0])
    video = None
    if annotated is not None and Path(annotated).exists():
        video = out_dir / ANNOTATED_MP4
        shutil.copyfile(annotated, video)
        written.append(video)
    written.append(
        write_html_report(analysis, out_dir / REPORT_HTML, annotated_video=video, source=source, notes=notes,
                          link_video=True)
    )
    said = {code: text.strip() for code, text in (notes or {}).items() if text and text.strip()}
    if said:
        titles = {f.code: f.title for f in analysis.report.findings}
        lines = [f"[{titles.get(code, code) if code else 'The session'}]\n{text}" for code, text in said.items()]
        written.append(out_dir / NOTES_TXT)
        written[-1].write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return written


def load_analysis(report_dir: Path) -> Analysis:
    """An analysis rebuilt from a report folder (report.json + track.csv), for ``formcheck report``.

    Features and reps are recomputed from the track; the findings, verdict and versions
    are the stored report's, so the outputs show what was reported even if the rules changed.
    """
    report_dir = Path(report_dir)
    report = Report.read(report_dir / REPORT_JSON)
    track = read_track_csv(report_dir / TRACK_CSV)
    name = report.exercise.name if report.exercise and report.exercise.name != "unknown" else "auto"
    analysis = analyze_track(track, name, source=report.source)
    analysis.report = report
    return analysis
