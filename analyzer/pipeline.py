"""The whole analysis as one call: input -> track -> features -> exercise -> findings -> report.

Every failure a user can cause (not a video, no person, too short, unknown
exercise) surfaces as :class:`InputError` with one sentence that names the
user's file and says what to do; nothing is written before the analysis has
succeeded. An input that can still be analysed but not wholly (a video cut
short) says so in the report's notices.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import analyzer
from analyzer import adaptive
from analyzer.features.kinematics import MIN_VISIBILITY, Features, compute_features
from analyzer.io.track_csv import TrackFormatError, read_track_csv
from analyzer.io.video import VideoError, VideoInfo, probe
from analyzer.judging.evaluate import Evaluation, evaluate, rep_records, score
from analyzer.judging.registry import (
    MIN_RECOGNITION_SCORE,
    UnknownExercise,
    confident_choice,
    get_exercise,
    recognise,
)
from analyzer.judging.rulebook import HOW_TO_FILM, Exercise
from analyzer.landmarks import INDEX
from analyzer.pose.extract import Cancelled, ExtractOptions, Progress, extract_track, for_clip
from analyzer.pose.model import MODEL_SHA256, ModelError, model_path
from analyzer.report import ExerciseInfo, Finding, Hold, Outcome, Report, Severity, SourceInfo, Versions, ViewInfo
from analyzer.track import PoseTrack

TRACK_SUFFIXES = (".csv",)
# Below this the clip cannot show a rep or a hold worth judging.
MIN_POSE_FRAMES = 5
MIN_DURATION_S = 0.5
# Mean brightness (0..1) under which the model struggles; said when no one is found.
DARK_BRIGHTNESS = 0.12
# A person in fewer than this fraction of frames: the report says so.
LOW_COVERAGE = 0.6
# A video whose frames stop more than this many frame steps before the end its header states was
# cut short (an interrupted copy); its real clips end within a frame of what they state.
CUT_SHORT_FRAMES = 3

__all__ = ["Analysis", "Cancelled", "InputError", "analyze_path", "analyze_track", "describe_track", "event_times_ms", "processing_of", "run_analysis"]


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


def versions(
    model: str | None = None, model_sha256: str | None = None, spine_model_sha256: str | None = None
) -> Versions:
    """What made this report. The pose model is the one that made the track (its file name and the
    sha256 it was checked against), and the spine estimator's weights when they gave the track its spine
    angles; by default the shipped pose model. A track imported from a CSV names none."""
    import importlib.metadata as md

    try:
        mp_version = md.version("mediapipe")
    except md.PackageNotFoundError:
        mp_version = None
    return Versions(
        formcheck=analyzer.__version__, mediapipe=mp_version, model=model, model_sha256=model_sha256,
        spine_model_sha256=spine_model_sha256,
    )


def shipped_model_versions() -> Versions:
    path = model_path("full")  # checks the shipped file against its pin once per process
    return versions(path.name, MODEL_SHA256["full"])


def _source_info(name: str, track: PoseTrack, info: VideoInfo | None) -> SourceInfo:
    if info is not None:
        return SourceInfo(
            file=name,
            kind=info.kind,
            duration_s=round(info.duration_s, 3),
            fps=round(info.fps, 3),
            width=info.width,
            height=info.height,
            rotation=info.rotation,
        )
    width, height = track.size if track.size else (None, None)
    return SourceInfo(
        file=name,
        kind="pose_track",
        duration_s=round(track.duration_ms / 1000.0, 3),
        fps=round(track.fps, 3),
        width=width,
        height=height,
    )


def _is_dark(track: PoseTrack) -> bool:
    brightness = track.channels.get("brightness")
    known = brightness[np.isfinite(brightness)] if brightness is not None else np.array([])
    return bool(known.size) and float(known.mean()) < DARK_BRIGHTNESS


def _trunk_frames(track: PoseTrack) -> int:
    """Frames where a shoulder and the hip of the same side are both seen: every check measures from
    that line, so a track without it (a CSV without hip columns) has nothing to judge."""
    seen = np.zeros(len(track), dtype=bool)
    for side in ("left", "right"):
        both = np.ones(len(track), dtype=bool)
        for joint in ("shoulder", "hip"):
            j = INDEX[f"{side}_{joint}"]
            both &= ~np.isnan(track.image[:, j, 0]) & (track.visibility[:, j] >= MIN_VISIBILITY)
        seen |= both
    return int(seen.sum())


def _check_usable(track: PoseTrack) -> None:
    """Refuse inputs that cannot be judged, with the reason a user can act on."""
    csv = track.meta.get("kind") == "pose_track_csv"
    what = f"the {'pose track' if csv else 'video'} {track.meta.get('source', '')}".rstrip()
    found = int(track.has_pose.sum())
    if found == 0 and csv:
        raise InputError(f"No person is in {what}: every landmark cell is empty; export the track again.")
    if found == 0 and _is_dark(track):
        raise InputError(f"No person was found in {what}, which is very dark: film with more light on the body.")
    if found == 0:
        raise InputError(
            f"No person was found in {what}: film the whole body, side-on, with the camera steady "
            "and nothing in front of you."
        )
    if _trunk_frames(track) == 0:
        raise InputError(
            f"The hips and shoulders are never seen together in {what}, so there is no body line to judge: "
            + ("include the *_hip and *_shoulder columns." if csv else "film the whole body, side-on.")
        )
    # Without timestamps (other tools' labelled snippets) only the frame count is known.
    timed = track.meta.get("timed", True)
    if found < MIN_POSE_FRAMES or (timed and track.duration_ms / 1000.0 < MIN_DURATION_S):
        raise InputError(
            f"{what[0].upper()}{what[1:]} is too short to judge ({track.duration_ms / 1000.0:.1f} s with a "
            f"person in {found} frames): film the whole set, at least one full rep or a few seconds of the hold."
        )


def _notices(track: PoseTrack, features: Features) -> list[str]:
    notes = list(track.meta.get("import_notes", []))
    coverage = float(track.has_pose.mean())
    if coverage < LOW_COVERAGE:
        notes.append(
            f"A person was found in only {coverage:.0%} of the frames: keep the whole body in the frame."
        )
    if _is_dark(track):
        notes.append("The video is dark, which makes the pose less reliable: add light if you can.")
    notes.extend(features.notes)
    cuts = features.cuts_ms
    for start, end in cuts:
        notes.append(
            f"The video cuts or fades between {start / 1000:.1f} s and {end / 1000:.1f} s; "
            "nothing was judged across the join."
        )
    for start, end in features.gaps_ms:
        if not any(start < cut_end and end > cut_start for cut_start, cut_end in cuts):
            notes.append(f"The body was lost from {start / 1000:.1f} s to {end / 1000:.1f} s; nothing was judged there.")
    return notes


def _choose_exercise(name: str, features: Features) -> tuple[Exercise | None, ExerciseInfo]:
    scores = recognise(features)
    if name != "auto":
        exercise = get_exercise(name)
        return exercise, ExerciseInfo(
            name=exercise.name, confidence=1.0, given=True, candidates=scores[:3],
            looks_like=_looks_like_another(exercise.name, scores),
        )
    chosen = confident_choice(scores)
    if chosen is None:
        return None, ExerciseInfo(name="unknown", confidence=scores[0][1] if scores else 0.0, candidates=scores[:3])
    return get_exercise(chosen), ExerciseInfo(name=chosen, confidence=scores[0][1], candidates=scores[:3])


def _a(title: str) -> str:
    return f"{'an' if title[:1].lower() in 'aeiou' else 'a'} {title.lower()}"


def _what(exercise: Exercise, evaluation: Evaluation, hold: Hold | None) -> str:
    if exercise.kind == "reps":
        n = len(evaluation.reps)
        return f"{n} rep{'s' if n != 1 else ''} of {exercise.title.lower()}"
    if hold:
        return f"{exercise.title.lower()} held for {hold.duration_s:.{1 if hold.duration_s < 10 else 0}f} s"
    return exercise.title.lower()


def _faults(real: list[Finding]) -> str:
    """Each fault once, worst severity first named, with its reps; a mild form said as such."""
    parts = []
    for code in dict.fromkeys(f.code for f in real):
        group = [f for f in real if f.code == code]
        reps = sorted({f.rep for f in group if f.rep})
        where = f" (rep{'s' if len(reps) > 1 else ''} {', '.join(map(str, reps))})" if reps else ""
        mild = " (slightly)" if all(f.severity == Severity.note for f in group) else ""
        parts.append(f"{group[0].title.lower()}{mild}{where}")
    return "; ".join(parts)


def unrecognised_notice(info: ExerciseInfo) -> str:
    """What to say when no exercise stood out: the likeliest, by their titles."""
    names = ", ".join(f"{get_exercise(n).title.lower()} ({s * 100:.0f} %)" for n, s in info.candidates)
    return f"Could not tell the exercise with confidence (candidates: {names}): name it with --exercise."


def _looks_like_another(given: str, scores: list[tuple[str, float]]) -> str | None:
    """The exercise the clip clearly shows when it is not the one given (which then scores too low
    to be it): judging a squat by a plank's rules only misleads."""
    shown = confident_choice(scores)
    given_score = dict(scores).get(given, 0.0)
    return shown if shown is not None and shown != given and given_score < MIN_RECOGNITION_SCORE else None


def verdict(
    exercise: Exercise | None, evaluation: Evaluation | None, hold: Hold | None, info: ExerciseInfo | None = None
) -> tuple[str, Outcome]:
    """The result in one sentence, saying no more than was seen, and what that sentence can claim."""
    if exercise is None or evaluation is None:
        return "Could not tell which exercise this is: choose it with --exercise.", "not_recognised"
    if info is not None and info.looks_like:
        looks = get_exercise(info.looks_like).title
        return (
            f"This looks like {_a(looks)}, not {_a(exercise.title)}: choose the exercise that was filmed.",
            "mismatch",
        )
    what = _what(exercise, evaluation, hold).capitalize()
    if not evaluation.checked:
        return f"{what}: nothing could be judged from this video.", "nothing_judged"
    real = [f for f in evaluation.findings if f.assessable and f.severity != Severity.info]
    headline = {c.code: c for c in exercise.checks if c.headline}
    unjudged = [f for f in evaluation.findings if not f.assessable and f.code in headline]
    missing = "; ".join(
        f"{f.title.lower()} not judged: {HOW_TO_FILM[headline[f.code].views[0]]}" for f in unjudged
    )
    if real:
        return f"{what}: {_faults(real)}{'; ' + missing if missing else ''}.", "faults"
    total = len(evaluation.checked) + len({f.code for f in evaluation.findings if not f.assessable})
    if missing:
        return f"{what}: no fault found in {len(evaluation.checked)} of {total} checks; {missing}.", "partly_judged"
    return f"{what}: clean, no fault found in {len(evaluation.checked)} checks.", "clean"


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
        notices.append(unrecognised_notice(exercise_info))
    said, outcome = verdict(chosen, evaluation, hold, exercise_info)
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
        verdict=said,
        outcome=outcome,
        notices=notices + (evaluation.notices if evaluation else []),
        processing={**track.meta, **(processing or {}), **features.settings, **_limits(evaluation)},
        versions=versions(track.meta.get("model"), track.meta.get("model_sha256"), track.meta.get("spine_model_sha256")),
    )
    return Analysis(report=report, track=track, features=features, evaluation=evaluation, exercise=chosen)


def _limits(evaluation: Evaluation | None) -> dict[str, object]:
    """The limits the checks were judged against, as the report keeps them."""
    if evaluation is None:
        return {}
    return {
        "thresholds": {
            key: {
                "note": th.note, "warn": th.warn, "danger": th.danger, "unit": th.unit,
                "bad_when": "above" if th.above else "below",
            }
            for key, th in evaluation.thresholds.items()
        },
        "settings": {key: {"value": s.value, "unit": s.unit} for key, s in evaluation.settings.items()},
    }


def _sentence(message: str, path: Path, name: str) -> str:
    """A message about the file on disk as one sentence naming it as the user knows it (an upload
    is kept under its hash: the user never saw that name)."""
    if name != path.name:
        message = message.replace(str(path), name).replace(path.name, name)
    return message if message.endswith((".", "?", "!")) else message + "."


def _video_notes(name: str, track: PoseTrack, info: VideoInfo, options: ExtractOptions) -> list[str]:
    """What the report must say about a video that was analysed but is not quite what it claims."""
    notes = []
    if info.kind == "video" and info.rotation:
        notes.append(f"The video is stored turned by {info.rotation} deg (a phone's metadata); it was analysed upright.")
    applied = for_clip(info, options)
    step_s = max(applied.stride / info.fps, 1.0 / applied.fps if applied.fps else 0.0)
    end_s = float(track.t_ms[-1]) / 1000.0 + step_s if len(track) else 0.0
    if info.kind == "video" and info.duration_s - end_s > CUT_SHORT_FRAMES * step_s:
        notes.append(
            f"The video {name} ends at {end_s:.1f} s although it says it lasts {info.duration_s:.1f} s: the "
            f"file looks cut short (an interrupted copy?), so only its first {end_s:.1f} s were analysed."
        )
    return notes


def event_times_ms(track: PoseTrack, exercise: str = "auto") -> list[float]:
    """Where the analysis reads the values its verdicts hang on: each rep's turn (its depth, its back's
    rounding) and a hold's edges (its duration); what an adaptive frame rate looks at again
    (analyzer.adaptive). Empty when the track cannot be judged."""
    try:
        analysis = analyze_track(track, exercise, source=_source_info("", track, None))
    except InputError:
        return []
    evaluation = analysis.evaluation
    if evaluation is None:
        return []
    t = (evaluation.features or analysis.features).t_ms
    frames = [rep.turn for rep in evaluation.reps]
    if evaluation.hold:
        frames += [evaluation.hold[0], evaluation.hold[1] - 1]
    return [float(t[i]) for i in frames]


def describe_track(track: PoseTrack, name: str, info: VideoInfo | None, options: ExtractOptions) -> SourceInfo:
    """Mark an extracted track with what its report must say (the video's notes, the user's name for it)
    and return its source: run_analysis's step after extraction, public for other extractors
    (analyzer.batch)."""
    if info is not None:
        track.meta["import_notes"] = [*track.meta.get("import_notes", []), *_video_notes(name, track, info, options)]
    track.meta["source"] = name
    return _source_info(name, track, info)


def options_for(exercise: str, options: ExtractOptions) -> ExtractOptions:
    """The extraction ``exercise`` needs: no segmentation mask where none of its checks reads the back's
    outline (14 of the 18 exercises; the mask and its measures are about a fifth of a frame's cost).
    ``auto`` keeps it: the clip may be a squat. Raises InputError for an exercise formcheck does not know."""
    if exercise == "auto":
        return options
    try:
        reads_outline = get_exercise(exercise).reads_outline
    except UnknownExercise as exc:
        raise InputError(str(exc)) from None
    return options if reads_outline else dataclasses.replace(options, segmentation=False)


def processing_of(options: ExtractOptions, track: PoseTrack) -> dict[str, object]:
    """How the pose was extracted, as the report keeps it (the frame rate as applied to the clip: a
    high-rate video's cap is in the track's meta)."""
    return {"stride": options.stride, "fps_limit": track.meta.get("fps_limit", options.fps),
            "segmentation": options.segmentation, "model": options.model}


def _read(
    path: Path,
    name: str,
    options: ExtractOptions,
    workers: int | None,
    progress: Progress | None,
    should_cancel: Callable[[], bool] | None,
    exercise: str = "auto",
) -> tuple[PoseTrack, VideoInfo | None]:
    """The track of the file (and the video's header)."""
    if path.suffix.lower() in TRACK_SUFFIXES:
        return read_track_csv(path), None
    info = probe(path)
    if adaptive.applies(info, options):
        track = adaptive.extract_adaptive(
            path, info, lambda base: event_times_ms(base, exercise),
            workers=workers, options=options, progress=progress, should_cancel=should_cancel,
        )
    else:
        track = extract_track(
            path, workers=workers, options=options, progress=progress, should_cancel=should_cancel, info=info
        )
    return track, info


def load_input(
    path: str | Path,
    *,
    workers: int | None = None,
    options: ExtractOptions = ExtractOptions(),
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    name: str | None = None,
    exercise: str = "auto",
) -> tuple[PoseTrack, SourceInfo]:
    """The pose track of any supported input, with what the report says about the source.

    ``name`` is what the user calls the file (an upload is stored under its hash): every message and
    the report use it. ``exercise`` says which events an adaptive frame rate looks at in full.
    Refusals are :class:`InputError`, one sentence naming the file.
    """
    path = Path(path)
    name = name or path.name
    try:
        track, info = _read(path, name, options, workers, progress, should_cancel, exercise)
    except (VideoError, TrackFormatError, ModelError) as exc:
        raise InputError(_sentence(str(exc), path, name)) from exc
    except FileNotFoundError:
        raise InputError(f"{name} does not exist: check the path.") from None
    except OSError as exc:
        raise InputError(f"{name} cannot be read ({exc.strerror or exc}): check the file.") from None
    return track, describe_track(track, name, info, options)


def run_analysis(
    path: str | Path,
    exercise: str = "auto",
    *,
    workers: int | None = None,
    options: ExtractOptions = ExtractOptions(),
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    name: str | None = None,
) -> Analysis:
    """Analyse a video, image folder or pose-track CSV (``name``: what the user calls it, see load_input)."""
    options = options_for(exercise, options)  # fail before minutes of pose estimation, not after
    track, source = load_input(
        path, workers=workers, options=options, progress=progress, should_cancel=should_cancel, name=name,
        exercise=exercise,
    )
    return analyze_track(track, exercise, source=source, processing=processing_of(options, track))


def analyze_path(
    path: str | Path,
    exercise: str = "auto",
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Report:
    """The report for one input (the simple entry point for scripts and benchmarks)."""
    return run_analysis(path, exercise, workers=workers, progress=progress).report
