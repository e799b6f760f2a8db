"""The ``formcheck`` command line.

Exit codes: 0 analysed (whatever was found), 1 internal error (a bug),
2 the input cannot be analysed (the message says why and what to do),
130 interrupted. Nothing is written
unless the analysis succeeded.
"""

from __future__ import annotations

import _thread
import contextlib
import functools
import importlib.util
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from multiprocessing import resource_tracker
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from analyzer.batch.cluster import ClusterError
from analyzer.batch.runner import Batch, ClipResult, Summary
from analyzer.batch.sinks import FolderSink, LibrarySink, Sink
from analyzer.batch.sources import SourceError, find_clips
from analyzer.exports import (
    ANNOTATED_MP4,
    FEATURES_CSV,
    REPORT_HTML,
    REPORT_JSON,
    TRACK_CSV,
    add_outputs,
    load_analysis,
    write_exports,
)
from analyzer.judging.registry import UnknownExercise, exercises, get_exercise
from analyzer.pipeline import Cancelled, InputError, run_analysis, shipped_model_versions
from analyzer.pose.extract import ExtractOptions
from analyzer.pose.model import model_path
from analyzer.report import Report, Severity
from analyzer.store.auth import set_password as store
from analyzer.store.backup import BackupError, backup, restore
from analyzer.store.files import data_dir
from analyzer.store.library import Library
from analyzer.workers import default_workers

EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Exercise-form analyzer: film a set, see what went wrong.")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

SEVERITY_STYLE = {Severity.danger: "bold red", Severity.warning: "yellow", Severity.note: "blue", Severity.info: "cyan"}


def printable(text: object) -> str:
    """Text as the terminal shows it: on one line, control characters written as escapes (a newline
    in a file name must not split the summary)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))


def shown(text: object) -> str:
    """Text that came from outside (a file name, a message quoting one) ready to print: printable,
    and nothing in it taken for rich markup (``[bold]`` in a name is part of the name)."""
    return escape(printable(text))


def _summary(report: Report) -> None:
    """The short human summary printed after an analysis."""
    ex = report.exercise
    name = ex.name if ex else "unknown"
    how = "as given" if ex and ex.given else f"recognised, {ex.confidence:.0%}" if ex else ""
    view = f"{report.view.kind} view" + (f", yaw {report.view.yaw_deg:.0f} deg" if report.view.yaw_deg is not None else "")
    out.print(f"[bold]{shown(report.source.file)}[/]: {name} ({how}), {view}")
    out.print(f"[bold]{shown(report.verdict)}[/]" + (f"  score {report.score}/100" if report.score is not None else ""))
    for f in report.findings:
        if not f.assessable:
            continue
        rep = f"rep {f.rep}: " if f.rep else ""
        value = f" ({f.measured:g} {f.unit}, limit {f.threshold:g})" if f.measured is not None else ""
        out.print(f"  [{SEVERITY_STYLE[f.severity]}]{f.severity.value:7}[/] {rep}{shown(f.title)}{value}")
        out.print(f"          {shown(f.cue)}")
    for f in report.findings:
        if not f.assessable:
            out.print(f"  [dim]not judged[/] {shown(f.title)}: {shown(f.reason)}")
    for notice in report.notices:
        out.print(f"  [dim]note[/] {shown(notice)}")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("frames"),
        TimeRemainingColumn(), console=err, transient=True,
        disable=not err.is_terminal and os.environ.get("FORMCHECK_PROGRESS") != "1",
    )


# The files formcheck writes into a report folder: the only ones it replaces or removes there.
OWN_FILES = (REPORT_JSON, TRACK_CSV, FEATURES_CSV, ANNOTATED_MP4, REPORT_HTML)
STAGING_PREFIX = ".formcheck-"  # a run's files before they are moved into place (same folder, same disk)


def _check_target(out_dir: Path) -> None:
    """Refuse a folder holding anything but an earlier report: formcheck never deletes the user's files."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file, not a folder: choose another --out.")
    if not out_dir.is_dir():
        return
    for entry in sorted(out_dir.iterdir()):
        if entry.name not in OWN_FILES and not entry.name.startswith(STAGING_PREFIX):
            raise InputError(f"{entry} is not formcheck's: choose an empty folder or another --out.")
        if entry.name in OWN_FILES and (entry.is_dir() or entry.is_symlink()):
            raise InputError(f"{entry} is not a file formcheck wrote: choose an empty folder or another --out.")


def _fsync(path: Path, *, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    except OSError:
        if directory:  # some systems cannot open a folder: the files themselves are synced
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def _write_outputs(analysis, source: Path, out_dir: Path, *, annotate: bool, html: bool, workers: int | None) -> None:  # noqa: ANN001
    """Write into ``out_dir``, replacing only formcheck's own files, each atomically.

    Everything is first written to a hidden staging folder inside ``out_dir``; only when all of it
    is there is each file synced and moved over its predecessor with ``os.replace``, so an
    interrupted run leaves the previous report as it was. Outputs of an earlier run that this
    run did not make (say annotated.mp4 without --annotate) are removed, not left to contradict it.
    A folder this run created is removed again if the run fails.
    """
    _check_target(out_dir)
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    try:
        write_exports(analysis, stage)
        if annotate or html:
            with _progress() as progress:
                task = progress.add_task("video", total=None)
                add_outputs(
                    analysis, source, stage, annotate=annotate, html=html, workers=workers,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
        made = [name for name in OWN_FILES if (stage / name).is_file()]
        for name in made:
            _fsync(stage / name)
        _check_target(out_dir)  # nothing of the user's appeared meanwhile under one of our names
        for name in made:
            os.replace(stage / name, out_dir / name)
        for name in OWN_FILES:
            if name not in made:
                (out_dir / name).unlink(missing_ok=True)
        _fsync(out_dir, directory=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only if still empty: never anything but this run's own
        raise
    shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _ctrl_c_kept_from_workers() -> Iterator[None]:
    """Ctrl-C interrupts this process only, as KeyboardInterrupt in its main thread.

    The terminal sends SIGINT to the whole process group, workers included. A worker ignores it
    once its initializer has run, but one still in Python's own start-up dies of it with a "Fatal
    Python error" on stderr. So SIGINT is blocked in this process (a signal mask is inherited by
    every process it starts, across exec) and taken by one thread that turns it into the usual
    KeyboardInterrupt; the main thread raises it within the 0.2 s its waits last at most.
    multiprocessing unblocks SIGINT in the thread that starts its resource tracker, so the
    tracker is started first.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    resource_tracker.ensure_running()
    done = threading.Event()

    def forward() -> None:
        while signal.sigwait({signal.SIGINT}) and not done.is_set():
            _thread.interrupt_main()

    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    taker = threading.Thread(target=forward, name="formcheck-ctrl-c", daemon=True)  # inherits the mask
    taker.start()
    try:
        yield
    finally:
        done.set()
        signal.pthread_kill(taker.ident, signal.SIGINT)  # type: ignore[arg-type]  # wakes it to end
        taker.join()
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@app.command()
def analyze(
    input: Path = typer.Argument(..., help="video file, image folder, or pose-track CSV"),
    exercise: str = typer.Option("auto", "--exercise", "-e", help="exercise name, or 'auto' to recognise it"),
    out_dir: Path | None = typer.Option(None, "--out", "-o", help="output folder [default: formcheck_reports/<name>]"),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1, help="processes [default: all cores]"),
    stride: int = typer.Option(1, "--stride", min=1, help="analyse every Nth frame"),
    fps: float | None = typer.Option(
        None, "--fps", min=1.0, help="analyse at most this many frames a second [default: 30 for clips over 40 fps]"
    ),
    adaptive: bool = typer.Option(
        False, "--adaptive",
        help="clips over 40 fps: 15 frames a second, 30 around each rep's turn and fast movement",
    ),
    full_rate: bool = typer.Option(
        False, "--full-rate", help="every frame of a clip over 40 fps [default: 30 frames a second]",
    ),
    segmentation: bool = typer.Option(True, help="measure the back outline from the body mask"),
    model: str = typer.Option("full", help="pose model: full (built in), lite or heavy (downloaded once)"),
    annotate: bool = typer.Option(False, "--annotate", help="also write annotated.mp4: the clip with the faults drawn"),
    html: bool = typer.Option(False, "--html", help="also write report.html, one self-contained file to share"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON on stdout"),
) -> None:
    """Analyse one set: prints a summary and writes report.json, track.csv and features.csv."""
    if adaptive and full_rate:
        err.print("[bold red]formcheck:[/] --adaptive and --full-rate are two frame rates: choose one.")
        raise typer.Exit(EXIT_INPUT)
    options = ExtractOptions(
        stride=stride, fps=fps, segmentation=segmentation, model=model, adaptive=adaptive, full_rate=full_rate
    )
    target = out_dir or Path("formcheck_reports") / input.stem
    if annotate and input.suffix.lower() == ".csv":
        err.print("formcheck: --annotate needs the video itself, not a pose track; writing the rest.")
    try:
        with _ctrl_c_kept_from_workers():
            _check_target(target)  # before any work: an unusable --out is known now
            with _progress() as progress:
                task = progress.add_task("pose", total=None)
                analysis = run_analysis(
                    input, exercise, workers=workers, options=options,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
            _write_outputs(analysis, input, target, annotate=annotate, html=html, workers=workers)
    except InputError as exc:
        err.print(f"[bold red]formcheck:[/] {shown(exc)}")
        raise typer.Exit(EXIT_INPUT) from None
    except (KeyboardInterrupt, Cancelled):
        err.print("formcheck: interrupted, nothing written.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:  # a bug, not the user's fault: say so in one line, keep the details on request
        if os.environ.get("FORMCHECK_DEBUG"):
            raise
        err.print(
            f"[bold red]formcheck:[/] internal error ({type(exc).__name__}: {shown(exc)}); nothing written. "
            "Run again with FORMCHECK_DEBUG=1 for the details and report it."
        )
        raise typer.Exit(EXIT_INTERNAL) from None
    if as_json:
        sys.stdout.write(analysis.report.model_dump_json(indent=2) + "\n")
    else:
        _summary(analysis.report)
        written = ", ".join(sorted(p.name for p in target.iterdir() if p.name in OWN_FILES))
        out.print(f"[dim]written to {shown(target)}/: {written}[/]")


def _batch_progress() -> Progress:
    return Progress(
        TextColumn("[bold]clips"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]:.1f} frames/s"),
        TimeRemainingColumn(), console=err, transient=True,
        disable=not err.is_terminal and os.environ.get("FORMCHECK_PROGRESS") != "1",
    )


def _batch_line(result: ClipResult, as_json: bool) -> None:
    """A clip as it ends: a JSON line on stdout for machines, else its failure on stderr."""
    if as_json:
        fields = {"clip": result.clip.name, "status": result.status, "message": result.message, "frames": result.frames}
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()
    elif result.status == "failed":
        err.print(f"[red]failed[/] {shown(result.clip.name)}: {shown(result.message)}")


def _batch_summary(summary: Summary, as_json: bool) -> None:
    figures = {
        "done": summary.done, "skipped": summary.skipped, "failed": summary.failed, "frames": summary.frames,
        "seconds": round(summary.seconds, 1), "clips_per_s": round(summary.clips_per_s, 3),
        "frames_per_s": round(summary.frames_per_s, 1), "workers": summary.workers,
    }
    if as_json:
        sys.stdout.write(json.dumps({"summary": figures}) + "\n")
        return
    line = f"{summary.done} done, {summary.skipped} skipped, {summary.failed} failed in {summary.seconds:.0f} s"
    if summary.workers:
        line += f" on {summary.workers} workers: {summary.clips_per_s:.2f} clips/s, {summary.frames_per_s:.0f} frames/s"
    out.print(line)


@app.command()
def batch(
    source: str = typer.Argument(..., help="a folder (searched recursively), a list file (.txt: a path a line) or a glob"),
    out_dir: Path | None = typer.Option(
        None, "--out", "-o", help="report folders under here, one a clip (default: formcheck_reports)"
    ),
    library: str | None = typer.Option(
        None, "--library", help="store each clip as a session in the trainer library at this database URL instead"
    ),
    client: str | None = typer.Option(None, "--client", help="with --library: the client (default: the clip's top folder)"),
    ray_address: str | None = typer.Option(
        None, "--ray", help="a Ray cluster's address (default: a Ray runtime on this machine)"
    ),
    exercise: str = typer.Option("auto", "--exercise", "-e", help="exercise name, or 'auto' to recognise it"),
    stride: int = typer.Option(1, "--stride", min=1, help="analyse every Nth frame"),
    fps: float | None = typer.Option(
        None, "--fps", min=1.0, help="analyse at most this many frames a second [default: 30 for clips over 40 fps]"
    ),
    annotate: bool = typer.Option(False, "--annotate", help="also write each clip's annotated.mp4"),
    as_json: bool = typer.Option(False, "--json", help="a JSON line a clip on stdout, then the summary"),
) -> None:
    """Analyse a whole clip library, resumably: a rerun skips what is done (by content), failures are recorded.

    Exit codes: 0 every clip done or skipped, 2 some clips failed (each said why; the rest are stored).
    """
    options = ExtractOptions(stride=stride, fps=fps)
    try:
        if out_dir is not None and library is not None:
            raise InputError("--out and --library are two places for the results: choose one.")
        if exercise != "auto":
            get_exercise(exercise)  # before any work
        clips = find_clips(source)
        sink: Sink
        if library is not None:
            if annotate:
                err.print("formcheck: the library draws a session's annotated video when it is opened; --annotate ignored.")
            sink = LibrarySink(Library(library), exercise, options, client)
        else:
            write = functools.partial(_write_outputs, annotate=annotate, html=False, workers=1)
            sink = FolderSink(out_dir or Path("formcheck_reports"), write)
        started = time.monotonic()
        with _batch_progress() as progress:
            task = progress.add_task("clips", total=len(clips), fps=0.0)

            def ended(result: ClipResult) -> None:
                _batch_line(result, as_json)
                frames = runner.summary.frames
                progress.update(task, advance=1, fps=frames / max(time.monotonic() - started, 1e-3))

            runner = Batch(clips, sink, exercise=exercise, options=options, on_result=ended)
            summary = runner.run(ray_address)
    except (InputError, SourceError, ClusterError, UnknownExercise) as exc:
        err.print(f"[bold red]formcheck:[/] {shown(exc)}")
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        err.print("formcheck: interrupted; what was done is kept, a rerun goes on from there.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _batch_summary(summary, as_json)
    if summary.failed:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def report(
    report_dir: Path = typer.Argument(..., help="a folder written by 'formcheck analyze'"),
    video: Path | None = typer.Option(None, "--video", help="the analysed clip, for thumbnails and --annotate"),
    annotate: bool = typer.Option(False, "--annotate", help="also (re)draw annotated.mp4 (needs --video)"),
) -> None:
    """(Re)build report.html from a report folder, without running the pose model again."""
    if not (report_dir / "report.json").is_file():
        err.print(f"[bold red]formcheck:[/] {shown(report_dir)} has no report.json: run 'formcheck analyze' first.")
        raise typer.Exit(EXIT_INPUT)
    if video is not None and not video.is_file():
        err.print(f"[bold red]formcheck:[/] {shown(video)} does not exist: check the path.")
        raise typer.Exit(EXIT_INPUT)
    analysis = load_analysis(report_dir)
    written = add_outputs(analysis, video, report_dir, annotate=annotate and video is not None, html=True)
    out.print(f"[dim]written: {shown(', '.join(str(p) for p in written))}[/]")


@app.command("set-password")
def set_password() -> None:
    """Set the trainer library's password (asked for when the app is reachable from other machines)."""
    password = typer.prompt("Library password", hide_input=True, confirmation_prompt=True)
    out.print(f"written: {store(password)}")


@app.command()
def info() -> None:
    """Versions, the pose model in use, and the machine's cores."""
    v = shipped_model_versions()
    out.print(f"formcheck {v.formcheck}, mediapipe {v.mediapipe}, Python {sys.version.split()[0]}")
    out.print(f"pose model: {model_path('full')} (sha256 {v.model_sha256})")
    out.print(f"cores used for analysis: {default_workers()}")
    out.print(f"exercises: {', '.join(exercises())}")


@app.command("exercises")
def list_exercises() -> None:
    """The exercises formcheck knows and the errors it checks for each."""
    for exercise in exercises().values():
        aliases = f" (also: {', '.join(exercise.aliases)})" if exercise.aliases else ""
        out.print(f"[bold]{exercise.name}[/]{aliases}")
        for check in exercise.checks:
            out.print(f"  {check.code:36} {check.title}  [dim][{'/'.join(check.views)} view][/]")


@app.command("library-backup")
def library_backup(
    archive: Path = typer.Argument(..., help="the archive to write: name.tar, or name.tar.gz to compress it"),
) -> None:
    """Back up the trainer library (a snapshot of its SQLite database, its videos and pose tracks) as one archive."""
    try:
        manifest = backup(data_dir(), archive)
    except BackupError as exc:
        err.print(f"[bold red]formcheck:[/] {shown(exc)}")
        raise typer.Exit(EXIT_INPUT) from None
    for name in manifest["missing"]:
        err.print(f"formcheck: {shown(name)} was not in the data folder: its session is backed up without it.")
    counts = manifest["counts"]
    out.print(f"written {shown(archive)}: {counts['clients']} clients, {counts['sessions']} sessions, "
              f"{counts['notes']} notes, {counts['videos']} videos")


@app.command("library-restore")
def library_restore(
    archive: Path = typer.Argument(..., help="an archive written by 'formcheck library-backup'"),
    force: bool = typer.Option(False, "--force", help="replace the library already in the data folder"),
) -> None:
    """Restore the trainer library from an archive into the data folder (stop the app first).

    Every file is checked against the archive's sha256 before anything in the data folder changes.
    """
    try:
        manifest = restore(archive, data_dir(), force=force)
    except BackupError as exc:
        err.print(f"[bold red]formcheck:[/] {shown(exc)}")
        raise typer.Exit(EXIT_INPUT) from None
    counts = manifest["counts"]
    out.print(f"restored into {shown(data_dir())}: {counts['clients']} clients, {counts['sessions']} sessions, "
              f"{counts['notes']} notes, {counts['videos']} videos (backed up {manifest['created_at']})")

def _workers_start_light() -> None:
    """Make the worker processes this program spawns start from ``analyzer.workers``, not from here.

    A spawned process first imports its parent's main module (this one: every stage, scipy and
    all, seconds on two busy cores) and only then runs the pool's initializer, which makes it die
    with the program and leave Ctrl-C to it. Killed or interrupted in those seconds, the program
    left workers running on, or printing KeyboardInterrupt tracebacks. Started from the standard
    library module ``analyzer.workers`` the initializer runs at once; what a task needs is
    imported after it.
    """
    sys.modules["__main__"].__spec__ = importlib.util.find_spec("analyzer.workers")


def main() -> None:
    _workers_start_light()
    app()
