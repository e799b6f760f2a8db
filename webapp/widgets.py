"""The result view shared by the upload page and the library, and the progress bars with Cancel (around
work in the script run, or around a job of the server's pool).

Nothing here computes a measurement: it lays out what ``analyzer`` produced.
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from analyzer.draw.html_report import write_html_report
from analyzer.draw.plots import measure_label, timeline_figure
from analyzer.draw.style import SEVERITY_RANK
from analyzer.draw.style import worst as worst_finding
from analyzer.exports import write_exports
from analyzer.judging.rulebook import BEYOND_VIDEO
from analyzer.pose.extract import Cancelled
from analyzer.report import Finding, Report, Severity
from analyzer.store.cache import AnalysisCache
from analyzer.store.files import data_dir
from webapp import framing, player
from webapp.state import Job, exercise_title, plain, score_text

try:  # Streamlit interrupts a running script with these when the user clicks during a run
    from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException
except ImportError:  # pragma: no cover - moved in a future Streamlit: treat any non-Exception as one
    ScriptControlException = BaseException  # type: ignore[misc, assignment]

T = TypeVar("T")
LOG = logging.getLogger("formcheck.app")
SEVERITY_LOOK = {
    Severity.danger: ("red", "Danger"),
    Severity.warning: ("orange", "Warning"),
    Severity.note: ("blue", "Note"),
    Severity.info: ("gray", "Not judged"),
}


@st.cache_resource(show_spinner=False)
def upload_cache(root: str) -> AnalysisCache:
    """One cache per data folder for the whole server (every browser tab shares its results)."""
    return AnalysisCache(Path(root) / "cache")


def current_cache() -> AnalysisCache:
    return upload_cache(str(data_dir()))


# -- long work -------------------------------------------------------------------
# How often a page looks at its job: each look is also where Streamlit delivers a click (Cancel).
POLL_S = 0.25


def bar_with_cancel(slot: Any, label: str, *, key: str, on_cancel: Callable[[], None]) -> Any:
    """A progress bar and a Cancel button in ``slot``; returns the bar.

    One placeholder for both: the page keeps the same element count whether or not the work is
    needed (a cached result), so Streamlit does not show stale copies while rerunning.
    """
    with slot.container():
        bar = st.progress(0.0, text=label)
        st.button("Cancel", key=key, on_click=on_cancel)
    return bar


def _plural(n: int, word: str, many: str) -> str:
    return f"{n} {word if n == 1 else many}"


def job_status(job: Job, label: str) -> tuple[float, str]:
    """The bar's fraction and text: the place in the queue while waiting, then the work's progress."""
    if not job.started:
        ahead = _plural(job.ahead(), "analysis", "analyses")
        return 0.0, f"Waiting for a free analyser: {ahead} ahead of yours."
    done, total = job.done_total
    return (min(1.0, done / total), f"{label} {done}/{total}") if total else (0.0, label)


def wait_for_job(job: Job, label: str, *, key: str, on_cancel: Callable[[], None], slot: Any) -> Any:
    """The job's result once done, showing meanwhile its place in the queue, its progress and Cancel.

    The work is not in this script run: a click (Cancel or any other) reruns the page, which finds the
    same job in the session state and watches it again. Raises what the work raised.
    """
    bar = bar_with_cancel(slot, label, key=key, on_cancel=on_cancel)
    while not job.done():
        job.touch()
        bar.progress(*job_status(job, label))  # sent even unchanged: an st call is where a click arrives
        time.sleep(POLL_S)
    job.touch()
    slot.empty()
    return job.result()


def watch_job(job: Job, show: Callable[[Job], None], *, every_s: float = 1.0) -> None:
    """``show(job)`` refreshed by a fragment while the rest of the page stays usable; the whole page runs
    again once the job is done or Cancel was asked for (it then finds what became of it). For work the
    page can be read without, such as an annotated video: :func:`wait_for_job` holds the page instead."""

    @st.fragment(run_every=every_s)
    def progress() -> None:
        if job.done() or job.stopping:
            st.rerun(scope="app")
        job.touch()
        show(job)

    progress()


def progress_and_cancel(label: str, *, key: str, on_cancel: Callable[[], None]) -> Callable[[Job], None]:
    """What :func:`watch_job` shows of a job its visitor may stop: the progress bar and Cancel."""

    def show(job: Job) -> None:
        bar_with_cancel(st.empty(), label, key=key, on_cancel=on_cancel).progress(*job_status(job, label))

    return show


class CancellableRun:
    """A progress bar and a Cancel button around work that runs in the script thread (the library's
    batch of clips; the upload page's analyses run in the server's pool: :func:`wait_for_job`).

    Streamlit stops a running script by raising a control exception from the
    next ``st`` call when the user clicks anything (here: Cancel). Raised
    inside the pipeline's progress callback it would leave worker processes
    running, so it is caught there, turned into ``should_cancel() -> True``
    (the pipeline stops its workers and raises ``Cancelled``), and raised
    again once the pipeline has returned, so Streamlit can rerun the page.
    """

    def __init__(self, label: str, *, key: str, on_cancel: Callable[[], None], slot: Any = None) -> None:
        self.label = label
        self.slot = slot if slot is not None else st.empty()
        self.bar = bar_with_cancel(self.slot, label, key=key, on_cancel=on_cancel)
        self.interrupted: BaseException | None = None
        self._shown = -1

    def clear(self) -> None:
        self.slot.empty()

    def progress(self, done: int, total: int) -> None:
        if self.interrupted is not None:
            return
        fraction = min(1.0, done / total) if total else 0.0
        if int(fraction * 100) == self._shown:
            return
        self._shown = int(fraction * 100)
        try:
            self.bar.progress(fraction, text=f"{self.label} {done}/{total}")
        except ScriptControlException as exc:
            if isinstance(exc, Exception):  # the fallback alias must not swallow real errors
                raise
            self.interrupted = exc

    def should_cancel(self) -> bool:
        return self.interrupted is not None

    def run(self, work: Callable[[Callable[[int, int], None], Callable[[], bool]], T]) -> T:
        """``work(progress, should_cancel)``; re-raises Streamlit's interruption once the work has stopped."""
        try:
            result = work(self.progress, self.should_cancel)
        except Cancelled:
            if self.interrupted is not None:
                raise self.interrupted from None
            raise
        if self.interrupted is not None:
            raise self.interrupted
        self.clear()
        return result


# -- the result view ---------------------------------------------------------------
@dataclass
class NoteHooks:
    """How the result view reads and saves the trainer's notes (library sessions only)."""

    notes: Callable[[], dict[str, str]]
    save: Callable[[str, str], None]


def _seconds(ms: float) -> float:
    return round(ms / 1000.0, 1)


def ui_text(text: str) -> str:
    """The pipeline speaks to the command line; here the exercise is chosen in the picker."""
    return text.replace("with --exercise", "in the Exercise menu above")


def _headline(report: Report) -> None:
    """Score, exercise, reps or hold, camera view: small, side by side, wrapping on a phone (under the video,
    so that on a narrow screen the verdict and the video come first)."""
    with st.container(horizontal=True):
        st.metric("Score", score_text(report.score), width="content")
        ex = report.exercise
        if ex is not None:
            how = "as chosen" if ex.given else f"recognised, {ex.confidence:.0%} sure"
            st.metric("Exercise", exercise_title(ex.name), help=how, width="content")
        if report.hold is not None:
            st.metric("Hold", f"{report.hold.duration_s:.0f} s", width="content")
        else:
            st.metric("Reps", len(report.reps), width="content")
        view = report.view.kind + (f", {report.view.yaw_deg:.0f}°" if report.view.yaw_deg is not None else "")
        st.metric("Camera view", view, width="content")
    for notice in report.notices:
        st.info(ui_text(notice))


def _framing(analysis: Any) -> None:
    """The set-up in one line: quiet when all is well, a warning when the next recording should change."""
    checks = framing.framing_checks(analysis)
    if checks:
        say = st.caption if all(c.ok for c in checks) else st.warning
        say(framing.framing_line(checks))


def _value(f: Finding) -> str:
    if f.measured is None:
        return ""
    limit = f" (limit {f.threshold:g} {f.unit})" if f.threshold is not None else ""
    return f"{f.measured:g} {f.unit}{limit}".strip()


def group_findings(report: Report) -> dict[str, list[Finding]]:
    """Judged findings by code, worst severity first: one card per kind of fault."""
    groups: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.assessable:
            groups.setdefault(f.code, []).append(f)
    return dict(sorted(groups.items(), key=lambda kv: -max(SEVERITY_RANK[f.severity] for f in kv[1])))


def finding_card(code: str, group: list[Finding], *, key: str, hooks: NoteHooks | None) -> None:
    first = worst_finding(group)
    colour, word = SEVERITY_LOOK[first.severity]
    with st.container(border=True):
        st.markdown(f":{colour}[**{word}**] **{first.title}**")
        if first.cue:
            st.markdown(f"**Do:** {first.cue}")
        if first.why:
            st.caption(f"Why: {first.why}")
        reps = sorted({f.rep for f in group if f.rep})
        worst = max((f for f in group if f.measured is not None), key=lambda f: abs(f.measured - (f.threshold or 0)),
                    default=None)
        facts = []
        if reps:
            facts.append(f"rep{'s' if len(reps) > 1 else ''} {', '.join(map(str, reps))}")
        if worst is not None:
            facts.append(f"measured {_value(worst)}")
        if facts:
            st.write(" · ".join(facts))
        player.jump_bar(key, code, player.finding_jumps(group))
        if hooks is not None:
            note_editor(hooks, code, key=key, label="Note on this finding")


def note_editor(hooks: NoteHooks, code: str, *, key: str, label: str) -> None:
    current = hooks.notes().get(code, "")
    text = st.text_area(label, value=current, key=f"{key}_note_{code or 'session'}", height=80)
    if st.button("Save note", key=f"{key}_save_{code or 'session'}"):
        hooks.save(code, text)
        st.toast("Note saved.")


def rep_table(analysis: Any) -> list[dict[str, Any]]:
    """One row a rep: which faults it showed first (what a trainer looks for), then timing and the
    per-rep measurements in words with their units."""
    report: Report = analysis.report
    faults: dict[int, list[str]] = {}
    for f in report.findings:
        if f.assessable and f.rep and f.severity != Severity.info:
            faults.setdefault(f.rep, []).append(f.title)
    return [
        {
            "Faults": ", ".join(sorted(set(faults.get(r.index, [])))) or "—",
            "Rep": r.index,
            "Start (s)": _seconds(r.start_ms),
            "End (s)": _seconds(r.end_ms),
            "Duration (s)": round((r.end_ms - r.start_ms) / 1000.0, 2),
            **{measure_label(name, analysis.exercise): value for name, value in r.metrics.items()
               if name != "duration_s"},
        }
        for r in report.reps
    ]


def _not_judged(report: Report) -> None:
    missing = [f for f in report.findings if not f.assessable]
    if not missing:
        if report.outcome in ("clean", "faults"):
            st.caption("Every check could be judged from this view.")
        return
    for f in missing:
        st.markdown(f"- **{f.title}**: {f.reason or 'could not be judged from this video.'}")


def _downloads(analysis: Any, *, key: str, annotated: Path | None, source: Path | None,
               notes: Callable[[], dict[str, str]] | None) -> None:
    report: Report = analysis.report
    stem = Path(report.source.file).stem or "formcheck"
    cols = st.columns(4)
    cols[0].download_button(
        "Report (JSON)", report.model_dump_json(indent=2), f"{stem}_report.json", "application/json",
        key=f"{key}_dl_json", on_click="ignore",
    )
    cols[1].download_button(
        "Tables (CSV, zip)", lambda: tables_zip(analysis), f"{stem}_tables.zip", "application/zip",
        key=f"{key}_dl_csv", on_click="ignore",
    )
    cols[2].download_button(
        "Report (HTML)", lambda: html_report(analysis, annotated, source, notes() if notes else None),
        f"{stem}_report.html", "text/html",
        key=f"{key}_dl_html", on_click="ignore",
    )
    if annotated is not None and annotated.exists():
        cols[3].download_button(
            "Annotated video (MP4)", annotated.read_bytes, f"{stem}_annotated.mp4", "video/mp4",
            key=f"{key}_dl_mp4", on_click="ignore",
        )
    else:
        cols[3].caption("Annotated video: not available.")


def tables_zip(analysis: Any) -> bytes:
    """The CSV exports zipped."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        folder = Path(tmp)
        write_exports(analysis, folder)
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder))
    return buffer.getvalue()


def html_report(analysis: Any, annotated: Path | None, source: Path | None,
                notes: dict[str, str] | None = None) -> bytes:
    """The report page, the annotated clip embedded (linked when too large) and the trainer's notes in it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        write_html_report(analysis, out, annotated_video=annotated, source=source, notes=notes)
        return out.read_bytes()


def timeline(analysis: Any, *, key: str) -> None:
    try:
        figure = timeline_figure(analysis)
    except Exception as exc:
        LOG.exception("timeline plot failed")
        st.caption(f"The timeline plot could not be drawn for this clip ({plain(exc)}).")
        return
    st.plotly_chart(figure, key=f"{key}_timeline", width="stretch")


def result_view(
    analysis: Any,
    video: Path | None,
    *,
    key: str,
    annotated: Path | None = None,
    hooks: NoteHooks | None = None,
) -> None:
    """Everything about one analysed clip: verdict, video with jumps, cards, timeline, reps, downloads."""
    report: Report = analysis.report
    st.subheader(ui_text(report.verdict) or "Analysis done.")
    _framing(analysis)
    left, right = st.columns([3, 2])
    with left:
        shown = annotated if annotated is not None and annotated.exists() else video
        player.show_video(
            shown, key=key, caption="Annotated: faults in colour." if shown is annotated else "",
            size=(report.source.width, report.source.height),
        )
        if annotated is None:
            st.caption("The original clip: the annotated video is not drawn (yet).")
        _headline(report)
    with right:
        groups = group_findings(report)
        real = {c: g for c, g in groups.items() if any(f.severity != Severity.info for f in g)}
        if report.outcome == "clean":
            st.success("No form error found, and every check could be judged.")
        elif not real:
            st.warning(report.verdict)
        for code, group in groups.items():
            finding_card(code, group, key=key, hooks=hooks)
    st.markdown("#### Timeline")
    timeline(analysis, key=key)
    if report.reps:
        st.markdown("#### Reps")
        st.dataframe(rep_table(analysis), hide_index=True, key=f"{key}_reps")
    st.markdown("#### Not judged from this video")
    _not_judged(report)
    st.caption(BEYOND_VIDEO)
    st.markdown("#### Downloads")
    _downloads(analysis, key=key, annotated=annotated, source=video, notes=hooks.notes if hooks else None)
