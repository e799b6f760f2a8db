"""What is drawn on a frame: the skeleton, the faults in colour, reps, hold timer and cues.

* Everything drawn comes from an :class:`OverlayPlan`, a small picklable summary of an
  :class:`~analyzer.pipeline.Analysis` (smoothed landmarks, per-frame values, finding spans),
  so worker processes get the plan, not the analysis (see analyzer.draw.annotate).
* Frames the analysis skipped (stride, fps limit) get landmarks interpolated between the
  analysed frames around them (held at the ends).
* The back is re-drawn from the shoulder and hip landmarks (analyzer.draw.back_curve), bowed by
  the spine estimator's thoracic and lumbar angles where a check read them, else by the outline's
  measured ``img_back_flexion``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from analyzer.draw.back_curve import back_curve, outline_depth, spine_depth
from analyzer.draw.style import MIN_VISIBILITY, SEVERITY_RANK, SEVERITY_RGB, wrap_words
from analyzer.features import spine
from analyzer.features.filtering import fill_short_gaps, lowpass
from analyzer.io.video import VideoError, iter_frames
from analyzer.judging.rounding import spine_checks, trusted_quality
from analyzer.judging.rulebook import Check
from analyzer.landmarks import INDEX, SKELETON_EDGES
from analyzer.pipeline import Analysis
from analyzer.report import Finding, Severity

RGB = tuple[int, int, int]

NEAR: RGB = (255, 255, 255)
FAR: RGB = (150, 150, 150)
SHADOW: RGB = (0, 0, 0)
BACK_OUTLINE: RGB = (90, 210, 255)
# Marks carry the severity as its plain value (they travel to render workers).
SEVERITY_COLOUR: dict[str, RGB] = {s.value: rgb for s, rgb in SEVERITY_RGB.items()}
# Pairs of a finding's body parts further apart than this many skeleton edges get a straight
# measurement line instead (bar drift: wrist to ankle), not the whole limb chain in colour.
MAX_PATH_EDGES = 2
# The outline is drawn only where the mask traced as much of the back as the exercise's checks
# trust (its "outline_quality" setting); this for an exercise that declares none.
MIN_OUTLINE_QUALITY = 0.5
# Where a key series' value is written: its first word names the joint, or one of these does.
SERIES_JOINT = {
    "neck": "ear",
    "trunk": "hip",
    "thigh": "hip",
    "shin": "knee",
    "back": "shoulder",
    "pelvis": "hip",
    "lumbar": "hip",
    "face": "ear",
    "wrist": "wrist",
}
# Near-side joints drawn as dots (the hand and face points would only clutter).
DRAWN_JOINTS = ("ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")


@dataclass(frozen=True)
class Mark:
    """One span of one finding, as drawn: which segments turn colour, what is written where."""

    t0: float
    t1: float
    severity: str
    code: str
    cue: str
    edges: tuple[tuple[int, int], ...]  # skeleton edges drawn in colour (landmark indices)
    lines: tuple[tuple[int, int], ...]  # straight measurement lines between far-apart parts
    joints: tuple[int, ...]
    unit: str  # of the value written beside ``label_joint``: what the check judged (plan.values[code])
    label_joint: int | None
    back: bool  # judged on the back outline (img_ series): the outline is drawn in colour


@dataclass
class OverlayPlan:
    """Everything the overlay needs, per analysed frame; picklable for worker processes."""

    t_ms: np.ndarray  # (N,) analysed frames
    xy: np.ndarray  # (N, 33, 2) normalised, smoothed; NaN where unseen
    side: str
    marks: list[Mark] = field(default_factory=list)
    # (N,) by finding code: what the check judged at each frame, as the card and the timeline give it
    values: dict[str, np.ndarray] = field(default_factory=dict)
    reps: list[tuple[float, float]] = field(default_factory=list)
    hold: tuple[float, float] | None = None
    back_flexion: np.ndarray | None = None  # (N,) NaN where the outline is not trusted
    spine_bend: np.ndarray | None = None  # (N, 2) lumbar, thoracic flexion (deg); NaN where not trusted
    size: tuple[int, int] | None = None
    title: str = ""  # the exercise, shown with the rep counter

    def _locate(self, t_ms: float) -> tuple[int, int, float]:
        """Neighbouring analysed frames (i, j) and the weight of j, for interpolation."""
        n = len(self.t_ms)
        j = int(np.searchsorted(self.t_ms, t_ms))
        if j <= 0:
            return 0, 0, 0.0
        if j >= n:
            return n - 1, n - 1, 0.0
        i = j - 1
        span = self.t_ms[j] - self.t_ms[i]
        return i, j, float((t_ms - self.t_ms[i]) / span) if span > 0 else 0.0

    def _blend(self, values: np.ndarray, t_ms: float) -> np.ndarray:
        """Linear between the neighbours when both are known, else the nearer known one."""
        i, j, w = self._locate(t_ms)
        a, b = values[i], values[j]
        out = a + (b - a) * w
        nearer, other = (a, b) if w < 0.5 else (b, a)
        out = np.where(np.isfinite(out), out, nearer)
        return np.where(np.isfinite(out), out, other)

    def pose_at(self, t_ms: float) -> np.ndarray:
        """(33, 2) normalised landmarks at any time (interpolated or held)."""
        if not len(self.t_ms):
            return np.full((33, 2), np.nan)
        return self._blend(self.xy, t_ms)

    def value_at(self, name: str, t_ms: float) -> float:
        series = self.values.get(name)
        return float(self._blend(series, t_ms)) if series is not None and len(series) else math.nan

    def marks_at(self, t_ms: float) -> list[Mark]:
        """Findings present at this time, worst first."""
        active = [m for m in self.marks if m.t0 <= t_ms <= m.t1]
        return sorted(active, key=lambda m: -SEVERITY_RANK[Severity(m.severity)])


# -- the plan ----------------------------------------------------------------------------------------


def _near_graph() -> dict[str, set[str]]:
    """Joint-name adjacency of one body side (the skeleton edges without the side prefix)."""
    graph: dict[str, set[str]] = {}
    for a, b in SKELETON_EDGES:
        if a.startswith("left_") and b.startswith("left_"):
            ja, jb = a[5:], b[5:]
            graph.setdefault(ja, set()).add(jb)
            graph.setdefault(jb, set()).add(ja)
    return graph


def _path(graph: dict[str, set[str]], a: str, b: str) -> list[str] | None:
    """Shortest chain of joints from a to b (breadth first)."""
    previous: dict[str, str | None] = {a: None}
    frontier = [a]
    while frontier:
        nxt = []
        for joint in frontier:
            if joint == b:
                chain = [b]
                while previous[chain[-1]] is not None:
                    chain.append(previous[chain[-1]])  # type: ignore[arg-type]
                return chain[::-1]
            for other in graph.get(joint, ()):
                if other not in previous:
                    previous[other] = joint
                    nxt.append(other)
        frontier = nxt
    return None


def segments_for(
    parts: Sequence[str], side: str
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Skeleton edges joining consecutive body parts (short chains), and straight lines for far-apart ones."""
    graph = _near_graph()
    known = [p for p in parts if f"{side}_{p}" in INDEX]
    edges: list[tuple[int, int]] = []
    lines: list[tuple[int, int]] = []
    if len(known) == 1:
        joint = known[0]
        edges = [(INDEX[f"{side}_{joint}"], INDEX[f"{side}_{o}"]) for o in sorted(graph.get(joint, ()))]
    for a, b in itertools.pairwise(known):
        chain = _path(graph, a, b)
        if chain is not None and len(chain) - 1 <= MAX_PATH_EDGES:
            edges += [(INDEX[f"{side}_{x}"], INDEX[f"{side}_{y}"]) for x, y in itertools.pairwise(chain)]
        else:
            lines.append((INDEX[f"{side}_{a}"], INDEX[f"{side}_{b}"]))
    return tuple(dict.fromkeys(edges)), tuple(lines)


def series_joint(series: str, parts: Sequence[str]) -> str | None:
    """The joint a key series is about (``knee_deg`` -> knee); else the middle body part."""
    word = series.removeprefix("img_").split("_")[0]
    if f"left_{word}" in INDEX:
        return word
    if word in SERIES_JOINT:
        return SERIES_JOINT[word]
    return parts[len(parts) // 2] if parts else None


def _display_points(analysis: Analysis) -> np.ndarray:
    """Landmarks as drawn: unseen points removed, short gaps bridged, smoothed like the features."""
    track = analysis.track
    xy = track.image[..., :2].copy()
    xy[~(track.visibility >= MIN_VISIBILITY)] = np.nan
    if len(track) < 2:
        return xy
    xy = fill_short_gaps(track.t_ms, xy)
    return lowpass(track.t_ms, xy) if len(track) > 12 else xy


def _marks(findings: Iterable[Finding], side: str) -> list[Mark]:
    marks = []
    for f in findings:
        if not f.assessable or f.severity.value not in SEVERITY_COLOUR:
            continue
        edges, lines = segments_for(f.body_parts, side)
        joint = series_joint(f.key_series, f.body_parts) if f.key_series else None
        joints = tuple(INDEX[f"{side}_{p}"] for p in f.body_parts if f"{side}_{p}" in INDEX)
        for t0, t1 in f.spans_ms:
            marks.append(
                Mark(
                    t0=float(t0),
                    t1=float(t1),
                    severity=f.severity.value,
                    code=f.code,
                    cue=f.cue,
                    edges=edges,
                    lines=lines,
                    joints=joints,
                    unit=f.unit,
                    label_joint=INDEX[f"{side}_{joint}"] if joint and f"{side}_{joint}" in INDEX else None,
                    back=f.key_series.startswith("img_"),  # judged on the mask's outline of the back
                )
            )
    return marks


def _uses_outline(analysis: Analysis) -> bool:
    """The back outline is drawn when a check that needs the mask's measures was judged."""
    exercise = analysis.exercise
    if exercise is None:
        return False
    return any(any(n.startswith("img_") for n in check.needs) for check in _judged(analysis, exercise.checks))


def _judged(analysis: Analysis, checks: tuple[Check, ...]) -> list[Check]:
    """Those of ``checks`` that were judged (not reported as unable to judge)."""
    not_judged = {f.code for f in analysis.report.findings if not f.assessable}
    return [c for c in checks if c.code not in not_judged]


def _spine_bend(analysis: Analysis) -> np.ndarray | None:
    """(N, 2) lumbar and thoracic flexion where the estimator vouches for them, when a check that reads
    the spine was judged; None otherwise (the outline, if any, is drawn instead)."""
    exercise, features = analysis.exercise, analysis.features
    if exercise is None or features is None or not spine.has_channels(features.series):
        return None
    if not _judged(analysis, spine_checks(exercise)):
        return None
    trusted = spine.trusted(features.series, trusted_quality(exercise))
    bend = np.stack([features[spine.LUMBAR], features[spine.THORACIC]], axis=1)
    bend[~trusted] = np.nan
    return bend  # the features are the track's frames


def _judged_values(analysis: Analysis) -> dict[str, np.ndarray]:
    """Per finding code, the value its check judged at each frame of the track (NaN where it did not
    look): the number on the video is then the one on the card and the timeline, bottom against
    standing tall where the check judges that, never the raw series it started from."""
    evaluation, t = analysis.evaluation, np.asarray(analysis.track.t_ms, dtype=np.float64)
    if evaluation is None or evaluation.features is None:
        return {}
    judged_t = evaluation.features.t_ms  # a stretch of the track's frames (all of them, or every n-th)
    frames = np.minimum(np.searchsorted(t, judged_t), max(0, len(t) - 1))
    shared = (frames < len(t)) & (t[frames] == judged_t) if len(t) else np.zeros(len(judged_t), dtype=bool)
    codes = {f.code for f in analysis.report.findings if f.assessable}
    values = {}
    for code, judged in evaluation.judged.items():
        if code in codes:
            values[code] = np.full(len(t), np.nan)
            values[code][frames[shared]] = judged.values[shared]
    return values


def overlay_plan(analysis: Analysis) -> OverlayPlan:
    """What to draw, from an analysis; built once in the parent and sent to the render workers."""
    report, track, features = analysis.report, analysis.track, analysis.features
    side = report.view.side or "left"
    series = features.series if features is not None else {}
    back, bend = None, _spine_bend(analysis)
    if bend is None and _uses_outline(analysis) and "img_back_flexion" in series:
        back = series["img_back_flexion"].copy()
        quality = series.get("img_quality")
        if quality is not None:
            trusted = analysis.exercise.settings.get("outline_quality") if analysis.exercise else None
            back[~(quality >= (trusted.value if trusted else MIN_OUTLINE_QUALITY))] = np.nan
    return OverlayPlan(
        t_ms=np.asarray(track.t_ms, dtype=np.float64),
        xy=_display_points(analysis),
        side=side,
        marks=_marks(report.findings, side),
        values=_judged_values(analysis),
        reps=[(r.start_ms, r.end_ms) for r in report.reps],
        hold=(report.hold.start_ms, report.hold.end_ms) if report.hold else None,
        back_flexion=back,
        spine_bend=bend,
        size=track.size,
        title=analysis.exercise.title if analysis.exercise is not None else "",
    )


# -- drawing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    line: int
    joint: int
    font: float
    text: int

    @classmethod
    def for_frame(cls, width: int, height: int) -> _Style:
        unit = min(width, height) / 720.0
        return cls(
            line=max(2, round(4 * unit)),
            joint=max(2, round(5 * unit)),
            font=max(0.4, 0.8 * unit),
            text=max(1, round(2 * unit)),
        )


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


def _ok(*points: np.ndarray) -> bool:
    return all(bool(np.all(np.isfinite(p))) for p in points)


def _line(
    img: np.ndarray, a: np.ndarray, b: np.ndarray, colour: RGB, width: int, shadow: bool = True
) -> None:
    """A line with a dark rim, so that it stands out on light and dark clothing alike."""
    if not _ok(a, b):
        return
    if shadow:
        cv2.line(img, _pt(a), _pt(b), SHADOW, width + max(2, width // 2 + 1), cv2.LINE_AA)
    cv2.line(img, _pt(a), _pt(b), colour, width, cv2.LINE_AA)


def _darken(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, keep: float = 0.3) -> None:
    """Dim a rectangle (a translucent dark box under text)."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 > x0 and y1 > y0:
        region = img[y0:y1, x0:x1]
        region[:] = (region * keep).astype(np.uint8)


def _text_size(text: str, style: _Style, scale: float) -> tuple[int, int, int]:
    """(width, height, baseline) of a text, a trailing degree sign counted as its ring."""
    thick = max(1, round(style.text * scale))
    body = text.removesuffix("°")
    (w, h), base = cv2.getTextSize(body, cv2.FONT_HERSHEY_SIMPLEX, style.font * scale, thick)
    if body != text:
        w += 2 * max(2, round(h / 5)) + 4
    return w, h, base


def _text(
    img: np.ndarray,
    text: str,
    org: tuple[int, int],
    style: _Style,
    colour: RGB = NEAR,
    scale: float = 1.0,
    box: bool = True,
) -> None:
    """Text on a dark translucent box (readable on any background); a trailing degree sign is a ring."""
    body = text.removesuffix("°")
    font = style.font * scale
    thick = max(1, round(style.text * scale))
    w, h, base = _text_size(text, style, scale)
    if box:
        pad = max(3, h // 3)
        _darken(img, org[0] - pad, org[1] - h - pad, org[0] + w + pad, org[1] + base + pad // 2)
    cv2.putText(img, body, org, cv2.FONT_HERSHEY_SIMPLEX, font, colour, thick, cv2.LINE_AA)
    if body != text:
        r = max(2, round(h / 5))
        cv2.circle(img, (org[0] + w - r - 2, org[1] - h + r), r, colour, thick, cv2.LINE_AA)


def format_value(value: float, unit: str) -> str:
    """A judged value as short as it reads on a frame: 18°, 0.3 s, 2.4 %, 0.27."""
    if unit == "deg":
        return f"{value:.0f}°"
    if unit == "s":
        return f"{value:.1f} s"
    if unit.startswith("%"):
        return f"{value:.1f} %"
    return f"{value:.2f}"


def _back_at(plan: OverlayPlan, px: np.ndarray, t_ms: float) -> np.ndarray | None:
    """The back's curve at this time: the spine estimator's bend where a check read it, else the outline's."""
    if plan.spine_bend is not None:
        lumbar, thoracic = plan._blend(plan.spine_bend, t_ms)
        if np.isfinite(lumbar) and np.isfinite(thoracic):
            return back_curve(px, plan.side, spine_depth(float(lumbar), float(thoracic)))
    elif plan.back_flexion is not None:
        flexion = float(plan._blend(plan.back_flexion, t_ms))
        if np.isfinite(flexion):
            return back_curve(px, plan.side, outline_depth(flexion))
    return None


def _hud(plan: OverlayPlan, t_ms: float) -> str | None:
    """Rep counter (the rep under way, else the reps done) or the hold timer."""
    if plan.reps:
        inside = [k for k, (a, b) in enumerate(plan.reps, start=1) if a <= t_ms <= b]
        done = sum(1 for _, b in plan.reps if b < t_ms)
        return f"Rep {inside[0] if inside else done}/{len(plan.reps)}"
    if plan.hold:
        a, b = plan.hold
        return f"Hold {(min(max(t_ms, a), b) - a) / 1000:.1f} s"
    return None


def _wrap(text: str, width_px: int, style: _Style) -> list[str]:
    return wrap_words(text, lambda line: _text_size(line, style, 1.0)[0] <= width_px)


def _caption(img: np.ndarray, marks: list[Mark], style: _Style) -> None:
    """The cue of the worst present fault (and a second one if there is), on a dark band at the bottom."""
    cues = list(dict.fromkeys((m.cue, m.severity) for m in marks if m.cue))[:2]
    if not cues:
        return
    height, width = img.shape[:2]
    margin = max(6, width // 50)
    rows = [(line, sev) for cue, sev in cues for line in _wrap(cue, width - 3 * margin, style)]
    _, th, _ = _text_size("Ag", style, 1.0)
    step = int(th * 1.8)
    top = height - margin - step * len(rows)
    _darken(img, 0, top - margin, width, height, keep=0.25)
    for k, (line, sev) in enumerate(rows):
        y = top + step * k + th
        cv2.rectangle(
            img, (margin // 2, y - th), (margin // 2 + max(3, margin // 3), y), SEVERITY_COLOUR[sev], -1
        )
        _text(img, line, (margin + margin // 2, y), style, box=False)


def draw_overlay(img: np.ndarray, t_ms: float, plan: OverlayPlan, *, captions: bool = True) -> np.ndarray:
    """Draw the overlay for time ``t_ms`` onto an upright RGB frame, in place (and return it).

    ``captions=False`` leaves out the rep counter and the cue (stills in the report show them as text).
    """
    height, width = img.shape[:2]
    style = _Style.for_frame(width, height)
    px = plan.pose_at(t_ms) * np.array([width, height], dtype=np.float64)
    near = plan.side + "_"
    marks = plan.marks_at(t_ms)

    for a, b in SKELETON_EDGES:  # far side and the shoulder/hip cross lines first, thin
        if not (a.startswith(near) and b.startswith(near)):
            _line(img, px[INDEX[a]], px[INDEX[b]], FAR, max(1, style.line // 2), shadow=False)
    for a, b in SKELETON_EDGES:
        if a.startswith(near) and b.startswith(near):
            _line(img, px[INDEX[a]], px[INDEX[b]], NEAR, style.line)

    curve = _back_at(plan, px, t_ms)
    if curve is not None:
        colour = next((SEVERITY_COLOUR[m.severity] for m in marks if m.back), BACK_OUTLINE)
        pts = np.round(curve).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [pts], False, SHADOW, style.line + 2, cv2.LINE_AA)
        cv2.polylines(img, [pts], False, colour, max(1, style.line - 1), cv2.LINE_AA)

    for mark in reversed(marks):  # the worst drawn last, on top
        colour = SEVERITY_COLOUR[mark.severity]
        for i, j in mark.edges:
            _line(img, px[i], px[j], colour, style.line + 2)
        for i, j in mark.lines:
            _line(img, px[i], px[j], colour, max(1, style.line - 1))
    coloured = {j: SEVERITY_COLOUR[m.severity] for m in reversed(marks) for j in m.joints}
    for joint in DRAWN_JOINTS:
        i = INDEX[near + joint]
        if _ok(px[i]):
            cv2.circle(img, _pt(px[i]), style.joint + 2, SHADOW, -1, cv2.LINE_AA)
            cv2.circle(img, _pt(px[i]), style.joint, coloured.get(i, NEAR), -1, cv2.LINE_AA)

    labelled: set[str] = set()
    for mark in marks:
        if mark.label_joint is None or mark.code in labelled:
            continue
        value, p = plan.value_at(mark.code, t_ms), px[mark.label_joint]
        if np.isfinite(value) and _ok(p):
            labelled.add(mark.code)
            offset = style.joint * 3
            _text(
                img,
                format_value(value, mark.unit),
                (_pt(p)[0] + offset, _pt(p)[1] - offset),
                style,
                SEVERITY_COLOUR[mark.severity],
                scale=1.1,
            )

    if not captions:
        return img
    hud = "  ".join(x for x in (plan.title, _hud(plan, t_ms)) if x)
    if hud:
        pad = max(8, width // 50)
        _text(img, hud, (pad, pad + _text_size(hud, style, 1.1)[1]), style, scale=1.1)
    _caption(img, marks, style)
    return img


# -- encoding ----------------------------------------------------------------------------------------


def worst_frame_ms(analysis: Analysis, finding: Finding) -> float | None:
    """The time inside a finding's spans where its key series is furthest to the bad side."""
    if not finding.spans_ms:
        return None
    t = analysis.track.t_ms
    inside = np.zeros(len(t), dtype=bool)
    for t0, t1 in finding.spans_ms:
        inside |= (t >= t0) & (t <= t1)
    if not inside.any():
        return float(sum(finding.spans_ms[0]) / 2)
    series = analysis.features.series.get(finding.key_series) if analysis.features is not None else None
    if series is None or not np.any(np.isfinite(series[inside])):
        idx = np.flatnonzero(inside)
        return float(t[idx[len(idx) // 2]])
    above = finding.measured is None or finding.threshold is None or finding.measured >= finding.threshold
    values = np.where(inside & np.isfinite(series), series, -np.inf if above else np.inf)
    return float(t[int(np.argmax(values) if above else np.argmin(values))])


def _frame_at(source: Path, t_ms: float, max_side: int | None) -> np.ndarray | None:
    """The source frame shown at ``t_ms`` (decoding from the nearest keyframe), or None."""
    try:
        frames = iter_frames(source, start_ms=max(0.0, t_ms - 0.5), max_side=max_side)
        try:
            frame = next(frames, None)
        finally:
            frames.close()
    except (VideoError, OSError):  # a missing or unreadable source: the skeleton on a plain ground
        return None
    return None if frame is None else frame.rgb


def annotated_still(
    source: Path | None, plan: OverlayPlan, t_ms: float, *, crop: bool = True, max_side: int = 480
) -> np.ndarray:
    """One frame with its overlay (on a grey ground when the video is not at hand), cropped to the body."""
    rgb = _frame_at(Path(source), t_ms, 1280) if source is not None else None
    if rgb is None:
        w, h = plan.size or (640, 480)
        s = min(1.0, 1280 / max(w, h))
        rgb = np.full((max(2, round(h * s)), max(2, round(w * s)), 3), 60, dtype=np.uint8)
    draw_overlay(rgb, t_ms, plan, captions=not crop)
    if crop:
        rgb = _crop_to_body(rgb, plan.pose_at(t_ms))
    scale = max_side / max(rgb.shape[:2])
    if scale < 1:
        rgb = cv2.resize(
            rgb, (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
    return np.ascontiguousarray(rgb)


def _crop_to_body(rgb: np.ndarray, xy: np.ndarray, margin: float = 0.35) -> np.ndarray:
    """The body's bounding box plus a margin; the whole frame when the body is not known."""
    height, width = rgb.shape[:2]
    pts = xy[np.all(np.isfinite(xy), axis=1)] * np.array([width, height])
    if len(pts) < 4:
        return rgb
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = (hi - lo) * margin + 0.05 * max(width, height)
    x0, y0 = np.maximum(0, lo - pad).astype(int)
    x1, y1 = np.minimum([width, height], hi + pad).astype(int)
    if x1 - x0 < 32 or y1 - y0 < 32:
        return rgb
    return rgb[y0:y1, x0:x1]
