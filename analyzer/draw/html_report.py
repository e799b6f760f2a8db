"""One self-contained HTML file a trainer can send a client: opens offline, prints to a clean PDF.

Self-contained means no request leaves the file: CSS inline, plotly.js inlined, the
thumbnails (and the annotated video when small enough) as base64 data URIs.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import jinja2
import numpy as np

from analyzer.draw.overlay import annotated_still, overlay_plan, worst_frame_ms
from analyzer.draw.plots import figure_html, measure_label, timeline_figure
from analyzer.draw.style import SEVERITY_RANK
from analyzer.judging.rulebook import BEYOND_VIDEO
from analyzer.report import Finding, Severity

if TYPE_CHECKING:
    from analyzer.pipeline import Analysis

__all__ = ["render_html", "write_html_report"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Larger videos are linked (same folder) instead of embedded: a 100 MB page is no one's friend.
EMBED_VIDEO_MAX_BYTES = 25 * 1024 * 1024
THUMB_MAX_SIDE = 520
JPEG_QUALITY = 82
# plotly.js carries a few URLs inside string literals (map attributions, its logo link; none is
# used here). "\/" is the same string to JavaScript, and a scan of the file for network
# references (src=/href= http...) then finds none.
_URL_IN_SCRIPT = re.compile(r"""((?:src|href)\s*=\s*\\?["']?)(https?):\/\/""")


# The processing record's keys as a reader says them (any other key is shown in words as it is).
PROCESSING_WORDS = {
    "source": "Source file",
    "kind": "Input",
    "stride": "Frames analysed (every n-th)",
    "fps_limit": "Frame-rate limit (fps)",
    "workers": "Worker processes",
    "segmentation": "Body outline (segmentation)",
    "exercise": "Exercise asked for",
    "smoothing": "Smoothing",
    "cutoff_hz": "cut-off (Hz)",
    "gaps_bridged_up_to_ms": "gaps bridged up to (ms)",
    "visibility_floor": "Least landmark visibility used",
    "thresholds": "Limits",
    "settings": "Rule settings",
    "synthetic": "Synthetic track",
}
# Shown once, with the versions, not again among the processing settings.
SHOWN_WITH_VERSIONS = frozenset({"model", "model_sha256", "spine_model_sha256"})


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _jpeg(rgb: np.ndarray) -> str:
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise ValueError("could not encode a thumbnail")
    return _data_uri(buf.tobytes(), "image/jpeg")


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s"


def _where(f: Finding) -> str:
    spans = ", ".join(f"{_seconds(a)}-{_seconds(b)}" for a, b in f.spans_ms[:3])
    more = f" (+{len(f.spans_ms) - 3} more)" if len(f.spans_ms) > 3 else ""
    return ", ".join(x for x in (f"rep {f.rep}" if f.rep else "", spans + more) if x) or "whole set"


def _value(f: Finding) -> str:
    if f.measured is None:
        return ""
    limit = f", limit {f.threshold:g}" if f.threshold is not None else ""
    return f"measured {f.measured:g} {f.unit}{limit}".strip()


def _finding_views(analysis: Analysis, source: Path | None) -> list[dict[str, Any]]:
    shown = [f for f in analysis.report.findings if f.assessable]
    shown.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.spans_ms[0][0] if f.spans_ms else 0.0))
    plan = overlay_plan(analysis) if shown else None
    views = []
    for f in shown:
        t = worst_frame_ms(analysis, f) if f.severity != Severity.info else None
        thumb = (
            _jpeg(annotated_still(source, plan, t, max_side=THUMB_MAX_SIDE))
            if t is not None and plan
            else None
        )
        views.append(
            {
                "title": f.title,
                "severity": f.severity.value,
                "cue": f.cue,
                "why": f.why,
                "where": _where(f),
                "value": _value(f),
                "thumb": thumb,
                "thumb_time": _seconds(t) if t is not None else "",
            }
        )
    return views


def _rep_views(analysis: Analysis) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """The per-rep values' (key, label) pairs and one row a rep; the duration is a column of its own."""
    report = analysis.report
    keys = [k for k in dict.fromkeys(k for rep in report.reps for k in rep.metrics) if k != "duration_s"]
    rows = []
    for rep in report.reps:
        titles = [f.title for f in report.findings if f.assessable and f.rep == rep.index]
        rows.append(
            {
                "index": rep.index,
                "start": _seconds(rep.start_ms),
                "end": _seconds(rep.end_ms),
                "metrics": {k: f"{v:g}" for k, v in rep.metrics.items()},
                "findings": "; ".join(dict.fromkeys(titles)) or "clean",
            }
        )
    return [(k, measure_label(k, analysis.exercise)) for k in keys], rows


def _video_src(video: Path | None, out: Path, link: bool) -> tuple[str | None, str]:
    """The video's ``src``: embedded, or (``link``, or too large to embed) its name beside the report."""
    if video is None or not Path(video).exists():
        return None, ""
    video = Path(video)
    if not link and video.stat().st_size <= EMBED_VIDEO_MAX_BYTES:
        return _data_uri(video.read_bytes(), "video/mp4"), ""
    try:
        rel = video.resolve().relative_to(out.resolve().parent).as_posix()
    except ValueError:
        rel = video.name
    if link:
        return rel, f"The annotated clip is {rel}, next to this file: keep them together."
    return rel, f"The video is too large to embed; keep {video.name} next to this file."


def _note_views(analysis: Analysis, notes: Mapping[str, str]) -> list[tuple[str, str]]:
    """The trainer's notes as (what about, text): the session's first, then each finding's by its title."""
    titles = {f.code: f.title for f in analysis.report.findings}
    about = [("The session", notes.get("", ""))] + [(titles.get(code, code), text) for code, text in notes.items() if code]
    return [(what, text.strip()) for what, text in about if text and text.strip()]


def _summary_lines(analysis: Analysis) -> dict[str, str]:
    r = analysis.report
    ex = r.exercise
    title = analysis.exercise.title if analysis.exercise is not None else (ex.name if ex else "unknown")
    how = "" if ex is None else " (as given)" if ex.given else f" (recognised, {ex.confidence:.0%} sure)"
    view = r.view
    yaw = f", about {view.yaw_deg:.0f}° off the side" if view.yaw_deg is not None else ""
    side = f"; {view.side} side nearer the camera" if view.side else ""
    s = r.source
    size = f"{s.width}x{s.height}, " if s.width and s.height else ""
    return {
        "exercise_line": title + how,
        "view_line": f"{view.kind}{yaw}{side}",
        "source_line": f"{s.kind.replace('_', ' ')}, {size}{s.fps:g} fps, {s.duration_s:.1f} s; "
        f"{r.frames_total} frames analysed, a person found in {r.frames_with_pose}.",
        "score_class": ""
        if r.score is None
        else "good"
        if r.score >= 85
        else "fair"
        if r.score >= 60
        else "poor",
    }


def _setting_text(value: object, words: dict[str, str]) -> str:
    """A processing setting as a line of text: nested settings as 'name: value' pairs, keys in ``words``."""
    if isinstance(value, dict):
        if value and all(isinstance(v, dict) and "warn" in v for v in value.values()):  # the thresholds
            return "; ".join(
                f"{_words(key, words)}: warning {v['warn']:g}, danger {v['danger']:g} {v['unit']} ({v['bad_when']})"
                for key, v in value.items()
            )
        if value and all(isinstance(v, dict) and "value" in v for v in value.values()):  # the rules' settings
            return "; ".join(f"{_words(key, words)}: {v['value']:g} {v['unit']}" for key, v in value.items())
        return ", ".join(f"{_words(k, words)} {_setting_text(v, words)}" for k, v in value.items())
    return str(value)


def _words(key: str, words: dict[str, str]) -> str:
    return words.get(key) or PROCESSING_WORDS.get(key) or key.replace("_", " ")


def _processing_lines(analysis: Analysis) -> list[tuple[str, str]]:
    """'How this was made': each setting once, in words; a limit named after the check it is for."""
    checks = analysis.exercise.checks if analysis.exercise is not None else ()
    words = {c.threshold: c.title for c in checks}
    return [
        (_words(k, {}), _setting_text(v, words))
        for k, v in analysis.report.processing.items()
        if v is not None and k not in SHOWN_WITH_VERSIONS
    ]


def render_html(
    analysis: Analysis,
    *,
    annotated_video: Path | None = None,
    source: Path | None = None,
    out: Path = Path("report.html"),
    notes: Mapping[str, str] | None = None,
    link_video: bool = False,
) -> str:
    """The report page as a string (see :func:`write_html_report`)."""
    report = analysis.report
    note = (
        "Each panel shows what a check judged, as it compared it with its limits: shaded bands are the "
        "warning (amber) and danger (red) zones. Shaded columns: when a finding was present. Dashed "
        "lines: where each rep (grey) or the hold (green) starts and ends."
    )
    video_src, video_note = _video_src(annotated_video, out, link_video)
    metrics, reps = _rep_views(analysis)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    html = env.get_template("report.html.j2").render(
        r=report,
        findings=_finding_views(analysis, source),
        not_judged=[f for f in report.findings if not f.assessable],
        timeline=_URL_IN_SCRIPT.sub(r"\1\2:\\/\\/", figure_html(timeline_figure(analysis))),
        timeline_note=note,
        rep_metrics=metrics,
        reps=reps,
        video_src=video_src,
        video_note=video_note,
        processing=_processing_lines(analysis),
        notes=_note_views(analysis, notes or {}),
        beyond_video=BEYOND_VIDEO,
        **_summary_lines(analysis),
    )
    return html


def write_html_report(
    analysis: Analysis,
    out: Path,
    annotated_video: Path | None = None,
    *,
    source: Path | None = None,
    notes: Mapping[str, str] | None = None,
    link_video: bool = False,
) -> Path:
    """Write the self-contained report; ``source`` (the clip) gives the thumbnails their picture.

    ``notes`` are the trainer's (by finding code, "" for the session): what a trainer sends is their word
    too. ``link_video`` links the annotated clip by its name beside the report (a zip holding both) instead
    of embedding it.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(
        render_html(analysis, annotated_video=annotated_video, source=source, out=out, notes=notes,
                    link_video=link_video),
        encoding="utf-8",
    )
    tmp.replace(out)
    return out
