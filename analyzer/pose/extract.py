"""Video -> PoseTrack, split over worker processes.

Inference is single-threaded, so a clip is cut into contiguous time chunks, each
tracked by a PoseLandmarker of its own in a worker process (the app's warm ones, kept
for its lifetime, else a pool for the run: analyzer.workers). Tracking restarts at each chunk start
(the first frames of a chunk run the person detector again), so the merged
track equals a serial run except within a few frames of the joins.
:func:`extract_spans` looks at chosen stretches only, each tracked afresh
(the adaptive frame rate's second pass, see analyzer.adaptive).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from analyzer.io.video import VideoInfo, iter_frames, keyframe_times_ms, probe
from analyzer.pose.estimator import PoseEstimator, track_frames
from analyzer.pose.model import model_path
from analyzer.track import PoseTrack
from analyzer.workers import Cancelled, FrameCounter, current_pool, default_workers, run_tasks

# A worker costs ~1-2 s to start (import MediaPipe, load the model): chunks
# shorter than this are not worth a process of their own.
MIN_CHUNK_FRAMES = 150
# In a pool already warm (its workers have MediaPipe loaded), a task costs its own landmarkers (0.23-0.29 s
# to open), a seek and a detector run: about what the model spends on this many frames.
WARM_CHUNK_FRAMES = 30

__all__ = [
    "Cancelled",
    "ExtractOptions",
    "default_workers",
    "expected_frames",
    "frames_at_rate",
    "extract_spans",
    "extract_track",
    "plan_chunks",
    "plan_groups",
    "prepare_worker",
]

Progress = Callable[[int, int], None]
Span = tuple[float, float]  # [start_ms, end_ms)
# Where the athlete is (a normalised landmark box, analyzer.pose.athlete.box_of) at a span's start, by its start:
# known from an earlier pass, so the span follows them rather than whoever a fresh look would choose.
Seeds = Mapping[float, np.ndarray]


@dataclass(frozen=True)
class ExtractOptions:
    stride: int = 1
    fps: float | None = None
    segmentation: bool = True
    max_people: int = 3  # people the athlete check tells apart; 1: follow whoever the tracker holds
    # Frames are scaled down to this longest side before inference: the model works at 256 px
    # anyway, and full-HD frames cost conversion time and memory for nothing.
    max_side: int | None = 960
    model: str = "full"  # PoseLandmarker variant: lite, full (shipped) or heavy (downloaded on request)
    # High-rate clips: a base rate, then the analysis rate where the verdicts are read (analyzer.adaptive).
    # Applies to videos only, and only when neither stride nor fps is given. Off by default: on six
    # rendered 60 fps sets (five exercises) and a 60 s 1080p60 deadlift it reads the same reps and faults as
    # every frame in 9-20 % less time than the 30 fps cap, but no real 60 fps clip has been measured, and 4 of
    # 30 real 24-30 fps clips read differently from a 15 fps pass (a rep, the exercise, a finding): clips whose
    # pose is uncertain at any rate (a push-up filmed head-on, its hidden legs guessed anew at each sampling;
    # a lift under titles fading in and out).
    adaptive: bool = False
    # Every frame of a high-rate clip, instead of ANALYSIS_FPS (see for_clip).
    full_rate: bool = False


# A video at or above HIGH_RATE_FPS (a phone's 60 fps) is analysed at ANALYSIS_FPS, unless the caller
# chose a stride, a rate, the adaptive rate or every frame: the features are low-passed at 6 Hz, a rep
# lasts a second or more, and every limit of the checks was set on 24-30 fps footage, so the second
# half of the frames doubles the model's time for nothing a check reads.
HIGH_RATE_FPS = 40.0
ANALYSIS_FPS = 30.0


def for_clip(info: VideoInfo, options: ExtractOptions) -> ExtractOptions:
    """The options as applied to this clip: a high-rate video's frame rate capped at ANALYSIS_FPS."""
    if info.fps < HIGH_RATE_FPS or info.kind != "video":
        return options
    if options.full_rate or options.adaptive or options.stride != 1 or options.fps is not None:
        return options
    return replace(options, fps=ANALYSIS_FPS)


def frames_at_rate(info: VideoInfo, fps: float | None) -> int:
    """How many of the clip's frames a ``fps`` grid keeps (iter_frames' ``fps``); all of them without one."""
    if fps and info.fps > fps:
        return int(round(info.duration_s * fps))
    return info.frame_count


def expected_frames(info: VideoInfo, options: ExtractOptions) -> int:
    """How many frames the analysis will look at (for the progress bar)."""
    options = for_clip(info, options)
    return max(1, -(-frames_at_rate(info, options.fps) // max(1, options.stride)))


def plan_chunks(
    info: VideoInfo, workers: int, options: ExtractOptions, min_frames: int | None = None
) -> list[tuple[float, float]]:
    """Contiguous [start_ms, end_ms) spans, one per worker that is worth starting (``min_frames`` each,
    MIN_CHUNK_FRAMES by default)."""
    n_frames = expected_frames(info, options)
    n = max(1, min(workers, n_frames // (min_frames or MIN_CHUNK_FRAMES)))
    duration_ms = info.duration_s * 1000.0
    edges = [duration_ms * i / n for i in range(n + 1)]
    edges[-1] = float("inf")  # the last chunk takes whatever the container has left
    return list(zip(edges[:-1], edges[1:]))


def plan_groups(spans: list[Span], workers: int, fps: float, min_frames: int | None = None) -> list[list[Span]]:
    """Spans shared in time order among at most ``workers`` tasks of about equal length; as one task
    when there are too few frames (at ``fps``) to be worth a process each (``min_frames``, as in plan_chunks)."""
    lengths = [end - start for start, end in spans]
    total_ms = sum(lengths)
    if total_ms <= 0:
        return [list(spans)] if spans else []
    n = max(1, min(workers, len(spans), int(total_ms * fps / 1000.0 // (min_frames or MIN_CHUNK_FRAMES))))
    groups: list[list[Span]] = [[] for _ in range(n)]
    done_ms = 0.0
    for span, length in zip(spans, lengths):
        groups[min(n - 1, int(n * (done_ms + length / 2) / total_ms))].append(span)
        done_ms += length
    return [g for g in groups if g]


def _estimator(options: ExtractOptions) -> PoseEstimator:
    return PoseEstimator(
        model_path(options.model), max_people=options.max_people, segmentation=options.segmentation
    )


def _track_spans(
    path: Path,
    spans: list[Span],
    options: ExtractOptions,
    size: tuple[int, int],
    tick: Callable[[], None],
    seeds: Seeds | None = None,
) -> PoseTrack:
    """Pose over the frames of each [start_ms, end_ms) span with one estimator; tracking starts afresh at
    every span, as at a chunk's start (carrying the last box across a jump in time would track whoever is
    there now with a stale crop), from the athlete's place in ``seeds`` where it has one. The decoder runs
    through the gaps between spans, or seeks where that decodes fewer frames (:func:`decoding_runs`).
    ``tick`` after each frame."""
    seeds = seeds or {}
    starts = [start for start, _ in spans[1:]]
    runs = decoding_runs(spans, keyframe_times_ms(path) if len(spans) > 1 else np.zeros(0))
    with _estimator(options) as estimator:
        if spans[0][0] in seeds:
            estimator.restart(athlete=seeds[spans[0][0]], t_ms=spans[0][0])

        def frames() -> Iterator[tuple[float, np.ndarray]]:
            for run in runs:
                first, last = run[0][0], run[-1][1]
                for f in iter_frames(
                    path,
                    stride=options.stride,
                    fps=options.fps,
                    start_ms=first if first > 0 else None,
                    end_ms=last if last != float("inf") else None,
                    max_side=options.max_side,
                    within=run if len(run) > 1 else (),
                ):
                    if starts and f.t_ms >= starts[0]:
                        entered = bisect.bisect_right(starts, f.t_ms)
                        start = starts[entered - 1]
                        del starts[:entered]
                        estimator.restart(athlete=seeds.get(start), t_ms=start)
                    yield f.t_ms, f.rgb

        return track_frames(frames(), estimator, size, on_frame=tick)


def decoding_runs(spans: list[Span], keyframes_ms: np.ndarray) -> list[list[Span]]:
    """The spans (in time order) cut into runs that one pass of the decoder reads: the next span joins the
    run unless a seek to the last keyframe at or before its start would decode fewer frames than running on
    through the gap (a phone's keyframe a second against stretches seconds apart). No keyframes known: one run."""
    runs = [[spans[0]]] if spans else []
    for span in spans[1:]:
        gap_ms = span[0] - runs[-1][-1][1]
        before = keyframes_ms[keyframes_ms <= span[0]]
        if len(before) and span[0] - before[-1] < gap_ms:
            runs.append([span])
        else:
            runs[-1].append(span)
    return runs


def _track_chunk(
    path: Path,
    spans: list[Span],
    options: ExtractOptions,
    size: tuple[int, int],
    seeds: Seeds | None = None,
) -> PoseTrack:
    """A worker process's share, reporting progress to the parent in batches (ends when its run stops).
    OpenCV keeps to one thread here: the workers fill every core already, and its thread pool beside them
    cost 3 % of the throughput (bench/throughput.py, 2 workers: 81 against 83 frames/s at 432x768, 68 against 69
    at 1080p60)."""
    cv2.setNumThreads(1)
    counter = FrameCounter()
    track = _track_spans(path, spans, options, size, counter.tick, seeds)
    counter.flush()
    return track


def prepare_worker() -> None:
    """A warm pool's start-up, done once per worker: import MediaPipe, check and load the shipped model
    (each chunk still opens its own landmarker: one carries tracking state)."""
    with _estimator(ExtractOptions()):
        pass


def extract_track(
    path: str | Path,
    *,
    workers: int | None = None,
    options: ExtractOptions = ExtractOptions(),
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    info: VideoInfo | None = None,
    min_chunk_frames: int | None = None,
) -> PoseTrack:
    """Pose of the athlete in every analysed frame of a video file or image folder.

    ``progress(done, total)`` is called from this thread as frames complete.
    ``should_cancel()`` is polled; when it turns true the workers are stopped
    and :class:`Cancelled` is raised. A worker is given ``min_chunk_frames`` frames at least
    (MIN_CHUNK_FRAMES by default; WARM_CHUNK_FRAMES will do in a pool already started).
    """
    path = Path(path)
    info = info or probe(path)
    options = for_clip(info, options)
    chunks = plan_chunks(info, workers or default_workers(), options, min_chunk_frames)
    total = expected_frames(info, options)
    return _extract(path, info, [[span] for span in chunks], options, total, progress, should_cancel)


def extract_spans(
    path: str | Path,
    spans: list[Span],
    *,
    workers: int | None = None,
    options: ExtractOptions = ExtractOptions(),
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    info: VideoInfo | None = None,
    min_chunk_frames: int | None = None,
    seeds: Seeds | None = None,
) -> PoseTrack:
    """Pose in the frames of the [start_ms, end_ms) ``spans`` only (in time order, not overlapping),
    tracked afresh at each span's start, from the athlete's place in ``seeds`` where it has one; progress,
    cancelling and ``min_chunk_frames`` as in :func:`extract_track`."""
    path = Path(path)
    info = info or probe(path)
    options = for_clip(info, options)
    if not spans:
        return PoseTrack.empty([], size=(info.width, info.height))
    rate = min(info.fps, options.fps or info.fps) / options.stride
    groups = plan_groups(spans, workers or default_workers(), rate, min_chunk_frames)
    total = max(1, round(sum(end - start for start, end in spans) * rate / 1000.0))
    return _extract(path, info, groups, options, total, progress, should_cancel, seeds)


def _extract(
    path: Path,
    info: VideoInfo,
    tasks: list[list[Span]],
    options: ExtractOptions,
    total: int,
    progress: Progress | None,
    should_cancel: Callable[[], bool] | None,
    seeds: Seeds | None = None,
) -> PoseTrack:
    """Each task's spans in a worker process of its own, or in this one when there is a single task and no
    warm pool is in use (a warm worker costs nothing to start, and keeps the pose model out of this process)."""
    size = (info.width, info.height)
    if progress is not None:
        progress(0, total)  # at once: the page shows the work has begun before the first frame is done
    if len(tasks) == 1 and current_pool() is None:
        track = _extract_serial(path, tasks[0], options, size, total, progress, should_cancel, seeds)
    else:
        track = _extract_parallel(path, tasks, options, size, total, progress, should_cancel, seeds)
    track.meta.update(
        source=path.name, kind=info.kind, stride=options.stride, fps_limit=options.fps, workers=len(tasks)
    )
    return track


def _extract_serial(
    path: Path,
    spans: list[Span],
    options: ExtractOptions,
    size: tuple[int, int],
    total: int,
    progress: Progress | None,
    should_cancel: Callable[[], bool] | None,
    seeds: Seeds | None,
) -> PoseTrack:
    done = {"n": 0}

    def tick() -> None:
        done["n"] += 1
        if should_cancel is not None and should_cancel():
            raise Cancelled()
        if progress is not None:
            progress(done["n"], max(total, done["n"]))

    return _track_spans(path, spans, options, size, tick, seeds)


def _extract_parallel(
    path: Path,
    tasks: list[list[Span]],
    options: ExtractOptions,
    size: tuple[int, int],
    total: int,
    progress: Progress | None,
    should_cancel: Callable[[], bool] | None,
    seeds: Seeds | None,
) -> PoseTrack:
    """Tasks over worker processes (the warm pool in use, else this run's own)."""

    def on_frames(done: int) -> None:
        if progress is not None:
            progress(min(done, total), max(total, done))

    seeds = seeds or {}
    chunks = [(path, spans, options, size, {a: seeds[a] for a, _ in spans if a in seeds}) for spans in tasks]
    parts = run_tasks(_track_chunk, chunks, on_frames=on_frames, should_cancel=should_cancel)
    found = [p for p in parts if len(p)]
    return PoseTrack.concat(found) if found else PoseTrack.empty([], size=size)
