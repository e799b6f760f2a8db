"""Adaptive frame rate: which stretches are looked at in full, how the passes merge onto the clip's
timeline, and that an adaptive analysis tells the same reps and faults as a full-rate one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analyzer.adaptive import (
    MIN_SOURCE_FPS,
    agreeing,
    applies,
    athlete_at,
    detail_rate,
    extract_adaptive,
    fast_spans,
    full_rate,
    merge_passes,
    on_timeline,
    plan_stretches,
)
from analyzer.features.filtering import fill_short_gaps, lowpass
from analyzer.io.video import VideoInfo, frame_times_ms, iter_frames, keyframe_times_ms, probe
from analyzer.landmarks import INDEX, NUM_LANDMARKS
from analyzer.pipeline import analyze_track, event_times_ms
from analyzer.pose.athlete import box_of
from analyzer.pose.extract import ANALYSIS_FPS, ExtractOptions, extract_track, for_clip, plan_groups
from analyzer.report import SourceInfo
from analyzer.track import PoseTrack
from tests.helpers import skeleton as sk
from tests.helpers.judging import realistic

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


def _standing(t_ms: np.ndarray, hip_y: np.ndarray) -> PoseTrack:
    """A body seen from the side whose hips (and shoulders with them) follow ``hip_y``."""
    n = len(t_ms)
    image = np.full((n, NUM_LANDMARKS, 3), 0.5)
    image[:, :, 2] = 0.0
    for side in ("left", "right"):
        image[:, INDEX[f"{side}_shoulder"], 1] = hip_y - 0.3
        image[:, INDEX[f"{side}_hip"], 1] = hip_y
        image[:, INDEX[f"{side}_ankle"], 1] = 0.9
    return PoseTrack(
        t_ms=t_ms, image=image, visibility=np.ones((n, NUM_LANDMARKS)), world=np.zeros((n, NUM_LANDMARKS, 3)),
        size=(1000, 1000),
    )


def test_stretches_surround_events_and_join_when_close() -> None:
    stretches = plan_stretches([1000.0, 1300.0, 5000.0, 9950.0], [], 10_000.0, margin_ms=200, merge_gap_ms=250)
    assert stretches == [(800.0, 1500.0), (4800.0, 5200.0), (9750.0, 10_000.0)]  # 1000/1300 overlap: one
    assert plan_stretches([1000.0, 1640.0], [], 10_000.0, margin_ms=200, merge_gap_ms=250) == [(800.0, 1840.0)]
    assert plan_stretches([1000.0, 1700.0], [], 10_000.0, margin_ms=200, merge_gap_ms=250) == [
        (800.0, 1200.0), (1500.0, 1900.0)
    ]
    assert plan_stretches([-500.0], [(3000.0, 3100.0)], 10_000.0, margin_ms=200) == [(2800.0, 3300.0)]


def test_steady_movement_is_not_fast_but_a_sudden_turn_is() -> None:
    t = np.arange(0, 4000, 1000 / 15)
    steady = _standing(t, 0.4 + 0.1 * t / 4000)  # a torso length in 12 s, in a straight line
    assert fast_spans(steady) == []
    bounce = 0.4 + 0.3 * np.clip(1 - np.abs(t - 2000) / 300, 0, None)  # a torso length down and up in 0.6 s
    spans = fast_spans(_standing(t, bounce))
    assert spans and all(1400 <= a < b <= 2600 for a, b in spans)
    assert min(a for a, _ in spans) < 2000 < max(b for _, b in spans)


def test_a_stretch_replaces_the_base_frames_where_the_passes_agree() -> None:
    base = _standing(np.arange(0.0, 1000.0, 100.0), np.full(10, 0.4))
    detail = _standing(np.arange(300.0, 500.0, 25.0), np.full(8, 0.41))  # the same pose, a little jitter
    merged = merge_passes(base, detail)
    expected_t = [0, 100, 200, *np.arange(300, 500, 25), 500, 600, 700, 800, 900]
    np.testing.assert_allclose(merged.t_ms, expected_t)
    inside = (merged.t_ms >= 300) & (merged.t_ms < 500)
    assert np.all(merged.image[inside, INDEX["left_hip"], 1] == 0.41)
    assert np.all(merged.image[~inside, INDEX["left_hip"], 1] == 0.4)


def test_a_stretch_that_disagrees_with_the_base_pass_is_not_trusted() -> None:
    """Tracked afresh, a stretch can start on a wrong detection (the hips put at the shoulders) and then come
    round: its frames count only from where the frames both passes saw agree."""
    base = _standing(np.arange(0.0, 1000.0, 100.0), np.full(10, 0.4))
    hips = np.where(np.arange(300.0, 700.0, 25.0) < 400.0, 0.2, 0.41)  # wrong until 400 ms, then right
    detail = _standing(np.arange(300.0, 700.0, 25.0), hips)
    trusted = agreeing(base, detail)
    t = detail.t_ms[trusted]
    assert t.min() == 400.0 and t.max() == 675.0  # from the first agreeing shared frame to the stretch's end
    merged = merge_passes(base, detail)
    assert np.all(merged.image[merged.t_ms < 400, INDEX["left_hip"], 1] == 0.4)  # the base pass kept there
    assert 300.0 in merged.t_ms and 325.0 not in merged.t_ms
    wrong = _standing(detail.t_ms, np.full(len(detail), 0.2))
    assert not agreeing(base, wrong).any()
    np.testing.assert_array_equal(merge_passes(base, wrong).image, base.image)


def test_a_stretch_starts_where_the_base_pass_last_saw_the_athlete() -> None:
    track = _standing(np.arange(0.0, 400.0, 1000 / 15), np.full(6, 0.4))
    track.image[3:] = np.nan  # gone after 200 ms
    boxes = athlete_at(track, [10.0, 180.0, 300.0])
    assert set(boxes) == {10.0, 180.0}  # 300 ms is over a base step and a half from the last pose (133 ms)
    np.testing.assert_allclose(boxes[10.0], box_of(track.image[0]))
    np.testing.assert_allclose(boxes[180.0], box_of(track.image[2]))


def test_timeline_interpolates_between_frames_and_never_invents_a_person() -> None:
    track = _standing(np.array([0.0, 100.0, 200.0, 300.0]), np.array([0.2, 0.4, 0.4, 0.4]))
    track.image[2] = np.nan  # nobody in the third frame
    out = on_timeline(track, np.arange(0.0, 350.0, 25.0))
    hip = out.image[:, INDEX["left_hip"], 1]
    np.testing.assert_allclose(hip[:5], [0.2, 0.25, 0.3, 0.35, 0.4])  # exact at frames, linear between
    assert np.all(np.isnan(hip[5:12]))  # next to the missing frame: unknown
    np.testing.assert_allclose(hip[12:], [0.4, 0.4])  # the last frame, and past it the nearest


def test_groups_split_the_stretches_in_time_order() -> None:
    spans = [(0.0, 3000.0), (4000.0, 5000.0), (6000.0, 8000.0)]
    assert plan_groups(spans, 2, 60.0) == [[(0.0, 3000.0)], [(4000.0, 5000.0), (6000.0, 8000.0)]]
    assert plan_groups(spans, 2, 5.0) == [spans]  # too few frames for two processes
    assert plan_groups([], 2, 60.0) == []


def test_only_high_rate_videos_without_stride_or_fps_are_adaptive() -> None:
    class Info:
        kind, fps = "video", MIN_SOURCE_FPS

    assert applies(Info(), ExtractOptions(adaptive=True))  # type: ignore[arg-type]
    assert not applies(Info(), ExtractOptions(adaptive=False))  # type: ignore[arg-type]
    assert not applies(Info(), ExtractOptions(adaptive=True, fps=30))  # type: ignore[arg-type]
    assert not applies(Info(), ExtractOptions(adaptive=True, stride=2))  # type: ignore[arg-type]
    Info.fps = 30.0
    assert not applies(Info(), ExtractOptions(adaptive=True))  # type: ignore[arg-type]
    assert full_rate(ExtractOptions(adaptive=True, fps=15)) == ExtractOptions(adaptive=False, full_rate=True)


def test_the_second_pass_runs_at_the_clips_analysis_rate() -> None:
    """A 60 fps clip's stretches are looked at 30 times a second, as a run without the adaptive rate would
    look at the whole clip; a 25 fps clip's at every frame."""
    clip60 = VideoInfo(Path("clip.mp4"), "video", 1920, 1080, 0, 60.0, 10.0, 600, "h264")
    clip25 = VideoInfo(Path("clip.mp4"), "video", 1920, 1080, 0, 25.0, 10.0, 250, "h264")
    detail = detail_rate(ExtractOptions(adaptive=True, fps=15))
    assert detail == ExtractOptions()
    assert for_clip(clip60, detail).fps == ANALYSIS_FPS and for_clip(clip25, detail).fps is None


def test_the_events_are_where_verdicts_are_read() -> None:
    """Each rep's turn, and a hold's edges: not a rep's start and end, nor a finding's spans (around every one
    of those, the stretches covered three quarters of a set and saved nothing)."""
    track, truth = sk.squat(reps=3, knee_cave=0.4, **realistic(21))
    assert event_times_ms(track, "squat") == pytest.approx([r.turn_ms for r in truth.reps], abs=150)
    plank, plank_truth = sk.plank(duration_s=10, **realistic(21))
    assert event_times_ms(plank, "plank") == pytest.approx(list(plank_truth.hold), abs=500)


def test_keyframes_are_frames_a_seek_lands_on() -> None:
    clip = SAMPLES / "pushup_clean.mp4"
    keyframes, frames = keyframe_times_ms(clip), frame_times_ms(clip)
    assert len(keyframes) and keyframes[0] == 0.0 and np.all(np.isin(keyframes, frames))
    first = next(iter_frames(clip, start_ms=float(keyframes[-1]), max_side=64))
    assert first.t_ms == keyframes[-1]


def test_frame_times_are_the_decoded_frames_times() -> None:
    clip = SAMPLES / "pushup_clean.mp4"
    decoded = [f.t_ms for f in iter_frames(clip, max_side=64)]
    np.testing.assert_allclose(frame_times_ms(clip), decoded, atol=1e-6)


@pytest.mark.slow
def test_adaptive_analysis_tells_the_same_reps_and_faults_as_full_rate() -> None:
    clip = SAMPLES / "pushup_hip_sag.mp4"
    info = probe(clip)
    options = ExtractOptions(segmentation=False)
    source = SourceInfo(file=clip.name, duration_s=info.duration_s, fps=info.fps)
    full = analyze_track(extract_track(clip, workers=1, options=full_rate(options)), "pushup", source=source)
    track = extract_adaptive(clip, info, lambda base: event_times_ms(base, "pushup"), workers=1, options=options)
    adaptive = analyze_track(track, "pushup", source=source)

    assert track.meta["adaptive"]["stretches"] > 0
    np.testing.assert_allclose(track.t_ms, full.track.t_ms)
    assert len(adaptive.report.reps) == len(full.report.reps) > 0
    assert sorted(f.code for f in adaptive.report.findings) == sorted(f.code for f in full.report.findings)


def test_smoothing_works_on_a_strided_selection_of_landmarks() -> None:
    """fast_spans smooths a fancy-indexed (not C-ordered) array: the filter must write into its result."""
    t = np.arange(0.0, 3000.0, 1000 / 60)
    noisy = np.random.default_rng(0).normal(size=(len(t), 33, 3))
    strided = noisy[:, [11, 12, 23], :2]
    assert not strided.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(lowpass(t, strided), lowpass(t, np.ascontiguousarray(strided)))
    assert lowpass(t, strided).std() < 0.5 * strided.std()
    np.testing.assert_allclose(fill_short_gaps(t, strided), strided)
