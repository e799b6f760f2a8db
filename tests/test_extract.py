"""Parallel pose extraction: the merged track matches a serial run, and progress is reported."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import analyzer.pose.extract as extract
from analyzer.io.video import VideoInfo, probe
from analyzer.pose.extract import ExtractOptions, extract_track, plan_chunks
from tests.helpers import media
from tests.helpers.paths import shared_clip

CLIP = "formfit__deadlift.mp4"  # 492 px wide: rows padded by PyAV (the contiguity trap)
# Tracking restarts at a chunk start: the model re-detects for a few frames.
JOIN_FRAMES = 5
# Two tracking chains of the same person differ by about this much (share of the frame).
TRACKING_JITTER = 0.015


def test_chunks_cover_the_clip_without_overlap() -> None:
    class Info:
        frame_count, fps, duration_s = 3000, 30.0, 100.0

    chunks = plan_chunks(Info(), 4, ExtractOptions())  # type: ignore[arg-type]
    assert len(chunks) == 4
    assert chunks[0][0] == 0 and chunks[-1][1] == float("inf")
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))
    assert plan_chunks(Info(), 64, ExtractOptions()) == plan_chunks(Info(), 20, ExtractOptions())  # >= 150 frames each


def test_a_warm_pool_shares_even_a_short_pass() -> None:
    """200 frames are one cold worker's work (starting a second costs more than it saves), but two warm ones'."""

    class Info:
        frame_count, fps, duration_s = 200, 30.0, 6.7

    assert len(plan_chunks(Info(), 2, ExtractOptions())) == 1  # type: ignore[arg-type]
    assert len(plan_chunks(Info(), 2, ExtractOptions(), extract.WARM_CHUNK_FRAMES)) == 2  # type: ignore[arg-type]
    spans = [(0.0, 1000.0), (3000.0, 4000.0)]
    assert extract.plan_groups(spans, 2, 30.0) == [spans]
    assert extract.plan_groups(spans, 2, 30.0, extract.WARM_CHUNK_FRAMES) == [[spans[0]], [spans[1]]]


def test_the_decoder_seeks_to_a_span_only_where_that_decodes_less() -> None:
    """From a keyframe 0.5 s before a span 3 s after the last one, a seek decodes a sixth of the gap's frames;
    a span 0.3 s after the last one, or one whose keyframe lies 4 s back, is reached by running on."""
    spans = [(1000.0, 1200.0), (4200.0, 4400.0), (4700.0, 4900.0), (9000.0, 9200.0)]
    keyframes = np.array([0.0, 3700.0])
    assert extract.decoding_runs(spans, keyframes) == [[spans[0]], spans[1:]]
    assert extract.decoding_runs(spans, np.array([0.0, 3700.0, 8500.0])) == [[spans[0]], spans[1:3], [spans[3]]]
    assert extract.decoding_runs(spans, np.zeros(0)) == [spans]  # keyframes unknown: one pass
    assert extract.decoding_runs([], keyframes) == []


@pytest.mark.clips
@pytest.mark.slow
def test_parallel_track_equals_serial_except_near_joins(monkeypatch: pytest.MonkeyPatch) -> None:
    clip = shared_clip(CLIP)
    options = ExtractOptions(segmentation=False)
    serial = extract_track(clip, workers=1, options=options)
    monkeypatch.setattr(extract, "MIN_CHUNK_FRAMES", 60)
    seen: list[tuple[int, int]] = []
    parallel = extract_track(clip, workers=2, options=options, progress=lambda d, t: seen.append((d, t)))

    np.testing.assert_array_equal(parallel.t_ms, serial.t_ms)
    assert parallel.meta["workers"] == 2
    join = int(np.searchsorted(serial.t_ms, probe(clip).duration_s * 1000 / 2))
    far = np.ones(len(serial), dtype=bool)
    far[join : join + JOIN_FRAMES] = False
    both = far & serial.has_pose & parallel.has_pose
    assert both.sum() > 0.85 * len(serial)
    diff = np.abs(parallel.image[both, :, :2] - serial.image[both, :, :2])
    # One pose slot tracks from the last landmarks without re-detecting, so a chain restarted at the
    # join never becomes bit-identical to the serial one again: the two differ by landmark jitter.
    assert np.nanpercentile(diff, 95) < TRACKING_JITTER and np.nanmax(diff) < 5 * TRACKING_JITTER
    assert serial.has_pose.mean() > 0.9  # the odd width did not blind the model
    assert seen and seen[-1][0] == len(serial)


def _info(fps: float, kind: str = "video") -> VideoInfo:
    return VideoInfo(Path("clip.mp4"), kind, 1920, 1080, 0, fps, 10.0, round(10 * fps), "h264")  # type: ignore[arg-type]


def test_a_high_rate_video_is_analysed_at_30_fps_unless_the_caller_chose() -> None:
    """A phone's 60 fps clip is looked at 30 times a second (the rate the checks were set on); a clip at
    up to 40 fps, an image folder, and a rate, stride, adaptive or full-rate asked for are left alone."""
    default = ExtractOptions()
    assert extract.for_clip(_info(59.94), default).fps == extract.ANALYSIS_FPS
    assert extract.expected_frames(_info(60.0), default) == 300  # of 600
    for info in (_info(30.0), _info(39.9), _info(60.0, kind="images")):
        assert extract.for_clip(info, default) == default
    for chosen in (ExtractOptions(full_rate=True), ExtractOptions(adaptive=True), ExtractOptions(fps=12.0),
                   ExtractOptions(stride=2)):
        assert extract.for_clip(_info(60.0), chosen) == chosen
    assert extract.expected_frames(_info(60.0), ExtractOptions(full_rate=True)) == 600


def test_a_60_fps_clip_is_tracked_at_30_fps_and_every_frame_on_request(tmp_path: Path) -> None:
    clip = media.make_video(tmp_path / "sixty.mp4", n_frames=24, fps=60)
    capped = extract_track(clip, workers=1, options=ExtractOptions(segmentation=False))
    every = extract_track(clip, workers=1, options=ExtractOptions(segmentation=False, full_rate=True))
    assert len(every) == 24 and len(capped) == 12
    assert np.allclose(np.diff(capped.t_ms), 1000.0 / 30.0, atol=1.0)
    assert capped.meta["fps_limit"] == extract.ANALYSIS_FPS and every.meta["fps_limit"] is None


def test_a_worker_keeps_opencv_to_one_thread(tmp_path: Path) -> None:
    """The workers fill every core: OpenCV's own thread pool beside each of them only competes for the cores."""
    clip = media.plain_clip(tmp_path / "grey.mp4", (64, 48), n_frames=3, fps=10.0)
    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(2)
        track = extract._track_chunk(clip, [(0.0, float("inf"))], ExtractOptions(segmentation=False), (64, 48))
        assert len(track) == 3 and cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(before)
