"""Adaptive frame rate: a high-rate clip analysed at the rate its motion needs.

A rep lasts a second or more and the features are low-passed at 6 Hz, so BASE_FPS frames a second carry
the motion between its turns: interpolated onto a 60 fps clip's timeline, a 15 fps pass alone reads the
same reps and faults as every frame (measured values within 1.5 deg, rep edges within a base step on a
60 s 1080p60 deadlift set). What a coarse grid gets least right is the values the verdicts hang on, read
where a rep turns (its depth, its back's rounding) and a hold's edges (its duration), and fast movement.
So:

1. a base pass at BASE_FPS;
2. the analysis of that track names those times (the caller's ``events`` function: the judging lives
   above this layer);
3. a second pass looks at the frames of a short stretch around each of them and wherever the body moves
   fast, at the clip's analysis rate (a high-rate clip's is capped, analyzer.pose.extract.for_clip), each
   stretch tracked afresh (as a worker's chunk is), the stretches shared among the pool's workers;
4. the frames of both passes are merged in time order and interpolated onto the clip's own
   frame times (those that decoded), so everything downstream (smoothing, running medians and
   rep edges, which count samples) sees the uniform sampling of a full-rate run.

Rep starts and ends and a finding's spans are not looked at again: they fall where the motion is slow or
steady, a base step (67 ms) is their resolution, and stretches around each of them covered three quarters
of a deadlift set (a rep every 3 s), which left nothing saved.

Caveat: between stretches the landmarks are linear interpolations of the base frames; the
track's meta says how many frames the model saw (``frames_analysed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from analyzer.features.filtering import fill_short_gaps, lowpass
from analyzer.io.video import VideoInfo, frame_times_ms
from analyzer.landmarks import INDEX
from analyzer.pose.athlete import box_of
from analyzer.pose.extract import (
    HIGH_RATE_FPS,
    WARM_CHUNK_FRAMES,
    ExtractOptions,
    Progress,
    Span,
    extract_spans,
    extract_track,
    prepare_worker,
)
from analyzer.track import PoseTrack
from analyzer.workers import WorkerPool, current_pool, default_workers, pool_in_use

__all__ = [
    "BASE_FPS",
    "agreeing",
    "applies",
    "athlete_at",
    "detail_rate",
    "extract_adaptive",
    "fast_spans",
    "full_rate",
    "merge_passes",
    "on_timeline",
    "plan_stretches",
]

BASE_FPS = 15.0
# Below this source rate the base pass saves too little to pay for the second pass.
MIN_SOURCE_FPS = HIGH_RATE_FPS
# Each event is looked at over +-EVENT_MARGIN_MS: the 6 Hz smoothing filter (forward and backward) takes 95 %
# of its weight at the event from within 100 ms of it, so the smoothed values there come from the second
# pass's frames.
EVENT_MARGIN_MS = 100.0
# Stretches closer than this are looked at as one: a fresh tracker costs a detector run and a seek, about
# what the model spends on the frames of such a gap.
MERGE_GAP_MS = 100.0
# Where the body's path bends more than this (torso lengths) between base frames, a straight line
# between them misses it: looked at in full. 0.06 torso lengths is about 3 cm on an adult, some
# 3 degrees of a thigh's angle.
FAST_DEVIATION_TORSO = 0.06
# The path is the base frames smoothed to this: a rep of a second or more moves below it, the model's
# jitter (a few px from frame to frame) above it.
PATH_CUTOFF_HZ = 3.0
FAST_JOINTS = tuple(
    f"{side}_{joint}" for side in ("left", "right") for joint in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
)
_FAST_INDEX = [INDEX[j] for j in FAST_JOINTS]
MIN_VISIBILITY = 0.5
# A second pass's frame is trusted where it and the base pass agree to this many torso lengths on the frames
# both saw (mean over the well-seen limb joints): the model's own frame-to-frame jitter is a few hundredths,
# a fresh detection gone wrong (the hips put at the shoulders) half a torso or more.
AGREE_TORSO = 0.1
# How far a base frame's evidence reaches, a base step and a half: a frame the base pass did not see is judged
# by the shared frames beside it up to this far, and a stretch is seeded from a base frame this close.
BASE_REACH_MS = 1.5 * 1000.0 / BASE_FPS

Events = Callable[[PoseTrack], Iterable[float]]


def applies(info: VideoInfo, options: ExtractOptions) -> bool:
    """Whether a file is analysed adaptively: a video above MIN_SOURCE_FPS, no stride or fps asked for."""
    return (
        options.adaptive
        and info.kind == "video"
        and info.fps >= MIN_SOURCE_FPS
        and options.stride == 1
        and options.fps is None
    )


def plan_stretches(
    events_ms: Iterable[float],
    fast: Iterable[Span],
    duration_ms: float,
    *,
    margin_ms: float = EVENT_MARGIN_MS,
    merge_gap_ms: float = MERGE_GAP_MS,
) -> list[Span]:
    """[start_ms, end_ms) stretches to look at in full: +-``margin_ms`` around each event and around
    each fast span, clipped to the clip, in time order, joined where closer than ``merge_gap_ms``."""
    wanted = sorted(
        [(t - margin_ms, t + margin_ms) for t in events_ms] + [(a - margin_ms, b + margin_ms) for a, b in fast]
    )
    stretches: list[list[float]] = []
    for start, end in wanted:
        start, end = max(0.0, start), min(duration_ms, end)
        if end <= start:
            continue
        if stretches and start - stretches[-1][1] < merge_gap_ms:
            stretches[-1][1] = max(stretches[-1][1], end)
        else:
            stretches.append([start, end])
    return [(a, b) for a, b in stretches]


def fast_spans(track: PoseTrack, deviation: float = FAST_DEVIATION_TORSO) -> list[Span]:
    """[t_ms, t_ms] around base frames where the body's path bends sharply between its neighbours:
    a well-seen joint's smoothed position lies more than ``deviation`` torso lengths off the straight
    line between the frames either side, so interpolating that line would miss it (a fast turn, a
    bounce, a jump). Steady movement, however fast, interpolates well and is not fast here.
    Measured in pixels, so that a 16:9 frame's x and y agree."""
    if len(track) < 3:
        return []
    scale = np.array(track.size if track.size else (1, 1), dtype=np.float64)
    t = track.t_ms
    xy = lowpass(t, fill_short_gaps(t, track.image[:, _FAST_INDEX, :2] * scale), cutoff_hz=PATH_CUTOFF_HZ)
    xy[track.visibility[:, _FAST_INDEX] < MIN_VISIBILITY] = np.nan
    torso_px = _median_torso_px(track, scale)
    if not np.isfinite(torso_px) or torso_px <= 0:
        return []
    w = ((t[1:-1] - t[:-2]) / (t[2:] - t[:-2]))[:, None, None]
    chord = (1.0 - w) * xy[:-2] + w * xy[2:]
    off = np.linalg.norm(xy[1:-1] - chord, axis=-1) / torso_px  # (T-2, J)
    bent = np.flatnonzero(np.nan_to_num(off).max(axis=1) > deviation) + 1
    return [(float(t[i - 1]), float(t[i + 1])) for i in bent]


def _median_torso_px(track: PoseTrack, scale: np.ndarray) -> float:
    xy = track.image[:, :, :2] * scale
    lengths = np.concatenate([
        np.linalg.norm(xy[:, INDEX[f"{side}_shoulder"]] - xy[:, INDEX[f"{side}_hip"]], axis=-1)
        for side in ("left", "right")
    ])
    return float(np.nanmedian(lengths)) if np.any(np.isfinite(lengths)) else float("nan")


def merge_passes(base: PoseTrack, detail: PoseTrack) -> PoseTrack:
    """The base frames and the detail frames that agree with them (:func:`agreeing`), in time order; a detail
    frame replaces the base frame of the same time."""
    keep = agreeing(base, detail)
    kept_detail = detail[keep]
    replaced = np.isin(base.t_ms, kept_detail.t_ms)
    kept = base[~replaced]
    order = np.argsort(np.concatenate([kept.t_ms, kept_detail.t_ms]), kind="stable")
    names = sorted(set(kept.channels) | set(detail.channels))

    def merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])[order]

    def channel(track: PoseTrack, name: str) -> np.ndarray:
        return track.channels.get(name, np.full(len(track), np.nan))

    return PoseTrack(
        t_ms=merged(kept.t_ms, kept_detail.t_ms),
        image=merged(kept.image, kept_detail.image),
        visibility=merged(kept.visibility, kept_detail.visibility),
        world=merged(kept.world, kept_detail.world),
        size=base.size,
        channels={k: merged(channel(kept, k), channel(kept_detail, k)) for k in names},
        meta={**base.meta, **detail.meta},
    )


def agreeing(base: PoseTrack, detail: PoseTrack, tolerance: float = AGREE_TORSO) -> np.ndarray:
    """Which detail frames to trust: the frames the base pass also saw (the base grid is every other tick of
    the detail's) where both found the athlete within ``tolerance`` torso lengths of each other (mean over the
    well-seen limb joints: one joint astray is enough to doubt a frame), and the frames whose nearest such
    frames on either side (within BASE_REACH_MS) all agree. A stretch is tracked afresh, and a fresh
    detection can be wrong where the continuous base track is not (a back squat's plates hiding the head put
    the hips at the shoulders for 0.4 s on a real clip); the base pass is then kept."""
    if not len(base) or not len(detail):
        return np.zeros(len(detail), dtype=bool)
    j = np.minimum(np.searchsorted(base.t_ms, detail.t_ms - 0.5), len(base) - 1)  # the first base frame not before
    shared = np.abs(base.t_ms[j] - detail.t_ms) < 0.5
    checked = np.flatnonzero(shared)
    ok = np.zeros(len(detail), dtype=bool)
    for i in checked:
        ok[i] = _same_pose(base, int(j[i]), detail, int(i), tolerance)
    trusted = ok.copy()
    for i in np.flatnonzero(~shared):
        near = checked[np.abs(detail.t_ms[checked] - detail.t_ms[i]) <= BASE_REACH_MS]
        sides = np.concatenate([near[near < i][-1:], near[near > i][:1]])
        trusted[i] = bool(len(sides)) and bool(ok[sides].all())
    return trusted


def _same_pose(a: PoseTrack, i: int, b: PoseTrack, k: int, tolerance: float) -> bool:
    """Whether frame ``i`` of ``a`` and frame ``k`` of ``b`` (the same picture) hold the same pose."""
    scale = np.array(a.size if a.size else (1, 1), dtype=np.float64)
    pa, pb = a.image[i, _FAST_INDEX, :2] * scale, b.image[k, _FAST_INDEX, :2] * scale
    seen = (a.visibility[i, _FAST_INDEX] >= MIN_VISIBILITY) & (b.visibility[k, _FAST_INDEX] >= MIN_VISIBILITY)
    torso = _median_torso_px(a[i : i + 1], scale)
    if not seen.any() or not np.isfinite(torso) or torso <= 0:
        return bool(np.all(np.isnan(a.image[i])) and np.all(np.isnan(b.image[k])))  # both without a pose
    return float(np.mean(np.linalg.norm(pa[seen] - pb[seen], axis=-1))) <= tolerance * torso


def athlete_at(track: PoseTrack, times_ms: Iterable[float]) -> dict[float, np.ndarray]:
    """The athlete's landmark box in the track's frame nearest each time that has one (none further than
    BASE_REACH_MS away): where a stretch tracked afresh must look for them, so that it does not
    take up whoever a fresh look at the frame would choose (an instructor beside the athlete, a reflection)."""
    seen = np.flatnonzero(track.has_pose)
    if not len(seen):
        return {}
    boxes = {}
    for t in times_ms:
        i = seen[np.argmin(np.abs(track.t_ms[seen] - t))]
        if abs(track.t_ms[i] - t) <= BASE_REACH_MS:
            boxes[t] = box_of(track.image[i])
    return boxes


def on_timeline(track: PoseTrack, t_ms: np.ndarray) -> PoseTrack:
    """The track at the times ``t_ms``: linear interpolation between the two nearest frames, NaN when
    either lacks the value (a missing person is never invented), the nearest frame past either end."""
    t_ms = np.asarray(t_ms, dtype=np.float64)
    src = track.t_ms
    left = np.clip(np.searchsorted(src, t_ms, side="right") - 1, 0, len(src) - 1)
    right = np.minimum(left + 1, len(src) - 1)
    span = src[right] - src[left]
    w = np.clip(np.divide(t_ms - src[left], span, out=np.zeros_like(t_ms), where=span > 0), 0.0, 1.0)

    def at(values: np.ndarray) -> np.ndarray:
        shape = (-1,) + (1,) * (values.ndim - 1)
        a, b, weight = values[left], values[right], w.reshape(shape)
        mixed = (1.0 - weight) * a + weight * b
        return np.where(weight == 0.0, a, np.where(weight == 1.0, b, mixed))

    return PoseTrack(
        t_ms=t_ms,
        image=at(track.image),
        visibility=at(track.visibility),
        world=at(track.world),
        size=track.size,
        channels={k: at(v) for k, v in track.channels.items()},
        meta=dict(track.meta),
    )


def extract_adaptive(
    path: str | Path,
    info: VideoInfo,
    events: Events,
    *,
    workers: int | None = None,
    options: ExtractOptions = ExtractOptions(),
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> PoseTrack:
    """The pose track of a video on its full frame timeline, the model run at BASE_FPS plus, at the clip's
    analysis rate, the stretches ``events`` (called with the base pass's track) and fast movement ask for.
    Both passes run on the pool in use, else on one started here for both: a pool's start-up (2-3 s:
    processes, MediaPipe, the model) is then paid once, and its warm workers share even short passes."""
    if current_pool() is not None:
        return _extract_adaptive(path, info, events, workers, options, progress, should_cancel)
    with WorkerPool(workers or default_workers(), warm_up=prepare_worker) as pool, pool_in_use(pool):
        pool.start()
        return _extract_adaptive(path, info, events, workers, options, progress, should_cancel)


def _extract_adaptive(
    path: str | Path,
    info: VideoInfo,
    events: Events,
    workers: int | None,
    options: ExtractOptions,
    progress: Progress | None,
    should_cancel: Callable[[], bool] | None,
) -> PoseTrack:
    timeline = frame_times_ms(path)
    duration_ms = float(timeline[-1]) + 1000.0 / info.fps

    def base_progress(done: int, total: int) -> None:
        if progress is not None:  # until the base pass is judged, guess a second pass of its size
            progress(done, 2 * total)

    base = extract_track(
        path, workers=workers, options=replace(options, fps=BASE_FPS), progress=base_progress,
        should_cancel=should_cancel, info=info, min_chunk_frames=WARM_CHUNK_FRAMES,
    )
    if not len(base):
        return base
    # The clip's last frames too: the base grid's last tick may fall up to a step before the end.
    wanted = [*events(on_timeline(base, timeline)), float(timeline[-1])]
    stretches = plan_stretches(wanted, fast_spans(base), duration_ms)

    def detail_progress(done: int, total: int) -> None:
        if progress is not None:
            progress(len(base) + done, len(base) + total)

    detail = (
        extract_spans(
            path, stretches, workers=workers, options=detail_rate(options), progress=detail_progress,
            should_cancel=should_cancel, info=info, min_chunk_frames=WARM_CHUNK_FRAMES,
            seeds=athlete_at(base, [start for start, _ in stretches]),
        )
        if stretches
        else PoseTrack.empty([], size=base.size)
    )
    merged = merge_passes(base, detail)
    if not len(merged):  # the stretches covered every base frame and none of theirs decoded
        return base
    # Only the frames that decoded: past the last one, the file is cut short (the report says so).
    track = on_timeline(merged, timeline[(timeline >= merged.t_ms[0]) & (timeline <= merged.t_ms[-1])])
    track.meta.update(
        adaptive={
            "base_fps": BASE_FPS,
            "full_rate_ms": round(sum(b - a for a, b in stretches)),
            "stretches": len(stretches),
        },
        frames_analysed=len(base) + len(detail),
    )
    return track


def detail_rate(options: ExtractOptions) -> ExtractOptions:
    """The second pass's options: the clip's analysis rate, as a run without an adaptive rate would take it
    (a high-rate clip's capped at analyzer.pose.extract.ANALYSIS_FPS)."""
    return replace(options, adaptive=False, fps=None, stride=1, full_rate=False)


def full_rate(options: ExtractOptions) -> ExtractOptions:
    """The options of a full-rate run of the same analysis (what the adaptive one stands in for)."""
    return replace(options, adaptive=False, fps=None, stride=1, full_rate=True)
