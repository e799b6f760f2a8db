"""The whole analysis as one call: input -> track -> features -> exercise -> findings -> report.

Every failure a user can cause (not a video, no person, too short, unknown
exercise) surfaces as :class:`InputError` with one sentence saying what to
do; nothing is written before the analysis has succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import analyzer
from analyzer.features.kinematics import Features, compute_features
from analyzer.io.track_csv import TrackFormatError, read_track_csv
from analyzer.io.video import VideoError, VideoInfo, probe
from analyzer.judging.evaluate import Evaluation, evaluate, rep_records, score
from analyzer.judging.registry import UnknownExercise, confident_choice, get_exercise, recognise
from analyzer.judging.rulebook import Exercise
from analyzer.pose.extract import Cancelled, ExtractOptions, Progress, extract_track
from analyzer.pose.model import MODEL_SHA256, ModelError, model_path
from analyzer.report import ExerciseInfo, Finding, Hold, Report, Severity, SourceInfo, Versions, ViewInfo
from analyzer.track import PoseTrack

TRACK_SUFFIXES = (".csv",)
# Below this the clip cannot show a rep or a hold worth judging.
MIN_POSE_FRAMES = 5
MIN_DURATION_S = 0.5
# Mean brightness (0..1) under which the model struggles; said when no one is found.
DARK_BRIGHTNESS = 0.12
# A person in fewer than this fraction of frames: the report says so.
LOW_COVERAGE = 0.6

__all__ = ["Analysis", "Cancelled", "InputError", "analyze_path", "analyze_track", "run_analysis"]


class InputError(Exception):
    """The input cannot be analysed; ``str()`` is the sentence to show the user."""


@dataclass
class Analysis:
    """A report plus what it was made from (for rendering, plots and exports)."""

    report: Report
    track: PoseTrack
    features: Features | None
    evaluation: Evaluation | None = None
    exercise: Exercise | None = None


def versions(model: str | None = None, model_sha256: str | None = None) -> Versions:
    """What made this report. The pose model is the one that made the track (its file name and the
    sha256 it was checked against); by default the shipped one. A track imported from a CSV names none."""
    import importlib.metadata as md

    try:
        mp_version = md.version("mediapipe")
    except md.PackageNotFoundError:
        mp_version = None
    return Versions(formcheck=analyzer.__version__, mediapipe=mp_version, model=model, model_sha256=model_sha256)


def shipped_model_versions() -> Versions:
    path = model_path("full")  # checks the shipped file against its pin once per process
    return versions(path.name, MODEL_SHA256["full"])


def _source_info(path: Path, track: PoseTrack, info: VideoInfo | None) -> SourceInfo:
    if info is not None:
        return SourceInfo(
            file=path.name,
            kind=info.kind,
            duration_s=round(info.duration_s, 3),
            fps=round(info.fps, 3),
            width=info.width,
            height=info.height,
            rotation=info.rotation,
        )
    width, height = track.size if track.size else (None, None)
    return SourceInfo(
        file=path.name,
        kind="pose_track",
        duration_s=round(track.duration_ms / 1000.0, 3),
        fps=round(track.fps, 3),
        width=width,
        height=height,
    )


def _check_usable(track: PoseTrack) -> None:
    """Refuse inputs that cannot be judged, with the reason a user can act on."""
    found = int(track.has_pose.sum())
    if found == 0:
        brightness = track.channels.get("brightness")
        if brightness is not None and np.nanmean(brightness) < DARK_BRIGHTNESS:
            raise InputError(
                "No person was found, and the video is very dark: film with more light on the body."
            )
        raise InputError(
            "No person was found in the video: film the whole body, side-on, with the camera steady "
            "and nothing in front of you."
        )
    # Without timestamps (other tools' labelled snippets) only the frame count is known.
    timed = track.meta.get("timed", True)
    if found < MIN_POSE_FRAMES or (timed and track.duration_ms / 1000.0 < MIN_DURATION_S):
        raise InputError(
            f"The clip is too short to judge ({track.duration_ms / 1000.0:.1f} s with a person in "
            f"{found} frames): film the whole set, at least one full rep or a few seconds of the hold."
        )


def _notices(track: PoseTrack, features: Features) -> list[str]:
    notes = list(track.meta.get("import_notes", []))
    coverage = float(track.has_pose.mean())
    if coverage < LOW_COVERAGE:
        notes.append(
            f"A person was found in only {coverage:.0%} of the frames: keep the whole body in the frame."
        )
    brightness = track.channels.get("brightness")
    if brightness is not None and np.nanmean(brightness) < DARK_BRIGHTNESS:
        notes.append("The video is dark, which makes the pose less reliable: add light if you can.")
    notes.extend(features.notes)
    for start, end in features.gaps_ms:
        notes.append(f"The body was lost from {start / 1000:.1f} s to {end / 1000:.1f} s; nothing was judged there.")
    return notes


def _choose_exercise(name: str, features: Features) -> tuple[Exercise | None, ExerciseInfo]:
    scores = recognise(features)
    if name != "auto":
        exercise = get_exercise(name)
        return exercise, ExerciseInfo(name=exercise.name, confidence=1.0, given=True, candidates=scores[:3])
    chosen = confident_choice(scores)
    if chosen is None:
        return None, ExerciseInfo(name="unknown", confidence=scores[0][1] if scores else 0.0, candidates=scores[:3])
    return get_exercise(chosen), ExerciseInfo(name=chosen, confidence=scores[0][1], candidates=scores[:3])


def verdict(exercise: Exercise | None, evaluation: Evaluation | None, hold: Hold | None) -> str:
    """The result in one sentence."""
    if exercise is None or evaluation is None:
        return "Could not tell which exercise this is: choose it with --exercise."
    what = (
        f"{len(evaluation.reps)} rep{'s' if len(evaluation.reps) != 1 else ''} of {exercise.title.lower()}"
        if exercise.kind == "reps"
        else f"{exercise.title.lower()} held for {hold.duration_s:.{1 if hold.duration_s < 10 else 0}f} s"
        if hold
        else exercise.title.lower()
    )
    real = [f for f in evaluation.findings if f.assessable and f.severity != Severity.info]
    if not evaluation.checked:
        return f"{what.capitalize()}: nothing could be judged from this video."
    if not real:
        return f"{what.capitalize()}: clean, no form error found in {len(evaluation.checked)} checks."
    worst: dict[str, Finding] = {}
    for f in real:
        if f.code not in worst or f.severity == Severity.danger:
            worst[f.code] = f
    parts = []
    for code, f in worst.items():
        reps = sorted({x.rep for x in real if x.code == code and x.rep})
        where = f" (rep{'s' if len(reps) > 1 else ''} {', '.join(map(str, reps))})" if reps else ""
        parts.append(f"{f.title.lower()}{where}")
    return f"{what.capitalize()}: {'; '.join(parts)}."


def analyze_track(
    track: PoseTrack,
    exercise: str = "auto",
    *,
    source: SourceInfo,
    processing: dict[str, object] | None = None,
) -> Analysis:
    """Everything after pose estimation; usable on a track from anywhere (CSV, live, tests)."""
    _check_usable(track)
    features = compute_features(track)
    chosen, exercise_info = _choose_exercise(exercise, features)
    view = ViewInfo(kind=features.view.kind, yaw_deg=features.view.yaw_deg, side=features.view.side)
    notices = _notices(track, features)
    evaluation = evaluate(chosen, features) if chosen else None
    hold = None
    if evaluation and evaluation.hold:  # indices into the active part (evaluation.features), not the track
        a, b = evaluation.hold
        hold = Hold(start_ms=float(evaluation.features.t_ms[a]), end_ms=float(evaluation.features.t_ms[b - 1]))
    if chosen is None:
        names = ", ".join(f"{n} ({s:.0%})" for n, s in exercise_info.candidates)
        notices.append(f"Could not tell the exercise with confidence (candidates: {names}): name it with --exercise.")
    report = Report(
        source=source,
        frames_total=len(track),
        frames_with_pose=int(track.has_pose.sum()),
        exercise=exercise_info,
        view=view,
        reps=rep_records(evaluation.features, evaluation.reps, chosen.extra.get("rep_metrics", [])) if evaluation else [],
        hold=hold,
        findings=evaluation.findings if evaluation else [],
        checked=evaluation.checked if evaluation else [],
        score=score(evaluation.findings, evaluation.checked) if evaluation else None,
        verdict=verdict(chosen, evaluation, hold),
        notices=notices + (evaluation.notices if evaluation else []),
        processing={**track.meta, **(processing or {}), **features.settings, **_limits(evaluation)},
        versions=versions(track.meta.get("model"), track.meta.get("model_sha256")),
    )
    return Analysis(report=report, track=track, features=features, evaluation=evaluation, exercise=chosen)


def _limits(evaluation: Evaluation | None) -> dict[str, object]:
    """The limits the checks were judged against, as the report keeps them."""
    if evaluation is None:
        return {}
    return {
        "thresholds": {
            key: {"warn": th.warn, "danger": th.danger, "unit": th.unit, "bad_when": "above" if th.above else "below"}
            for key, th in evaluation.thresholds.items()
        },
        "settings": {key: {"value": s.value, "unit": s.unit} for key, s in evaluation.settings.items()},
    }


def load_input(
    path: str | Path,
    *,
    workers: int | None = None,
    options: ExtractOptions = ExtractOptions(),
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> tuple[PoseTrack, SourceInfo]:
    """The pose track of any supported input, with what the report says about the source."""
    path = Path(path)
    try:
        if path.suffix.lower() in TRACK_SUFFIXES:
            track = read_track_csv(path)
            return track, _source_info(path, track, None)
        info = probe(path)
        track = extract_track(
            path, workers=workers, options=options, progress=progress, should_cancel=should_cancel, info=info
        )
    except (VideoError, TrackFormatError, ModelError) as exc:
        raise InputError(str(exc)) from exc
    except FileNotFoundError:
        raise InputError(f"{path} does not exist: check the path.") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not a pose-track CSV (it is not text).") from None
    return track, _source_info(path, track, info)


def run_analysis(
    path: str | Path,
    exercise: str = "auto",
    *,
    workers: int | None = None,
    options: ExtractOptions = ExtractOptions(),
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Analysis:
    """Analyse a video, image folder or pose-track CSV."""
    if exercise != "auto":
        try:
            get_exercise(exercise)  # fail before minutes of pose estimation, not after
        except UnknownExercise as exc:
            raise InputError(str(exc)) from None
    track, source = load_input(path, workers=workers, options=options, progress=progress, should_cancel=should_cancel)
    processing = {
        "stride": options.stride, "fps_limit": options.fps, "segmentation": options.segmentation, "model": options.model
    }
    return analyze_track(track, exercise, source=source, processing=processing)


def analyze_path(
    path: str | Path,
    exercise: str = "auto",
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Report:
    """The report for one input (the simple entry point for scripts and benchmarks)."""
    return run_analysis(path, exercise, workers=workers, progress=progress).report
