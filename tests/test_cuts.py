"""Cuts and fades in edited clips: measured on the picture, and never judged across.

The meter is tested on frames drawn here (a still room, a body moving in it, a cut, a fade); the
judging on a skeleton glute bridge cut from its top straight to lying flat, as a tutorial's editor
would, which without cut detection reads as "lowering too fast".
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.features.cuts import CHANGE_LIMIT, CHANNEL, MAX_TRANSITION_MS, blank_transitions, find_transitions
from analyzer.io.video import iter_frames
from analyzer.pose.estimator import PoseEstimator, track_frames
from analyzer.pose.scene import PictureChangeMeter, brightness, grey_thumbnail, sampled
from analyzer.track import PoseTrack
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, codes, realistic
from tests.helpers.paths import REPO

STEP_MS = 1000 / 30


def _room(seed: int, height: int = 360, width: int = 640) -> np.ndarray:
    """A textured still background (walls, floor, noise) as an RGB frame."""
    rng = np.random.default_rng(seed)
    base = np.linspace(60, 200, width, dtype=np.float64)[None, :, None] * np.ones((height, 1, 3))
    base[int(height * 0.7) :] *= 0.5
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


def _with_body(room: np.ndarray, x: int) -> np.ndarray:
    frame = room.copy()
    frame[80:300, x : x + 70] = (20, 20, 30)  # a dark figure a third of the frame high
    return frame


def _changes(frames: list[np.ndarray]) -> np.ndarray:
    meter = PictureChangeMeter()
    return np.array([meter(frame, i * STEP_MS) for i, frame in enumerate(frames)])


def test_a_body_moving_in_a_still_room_is_not_a_cut() -> None:
    room = _room(1)
    change = _changes([_with_body(room, 100 + 12 * i) for i in range(20)])  # a fast 12 px a frame
    assert np.isnan(change[0])
    assert np.nanmax(change) < CHANGE_LIMIT / 2


def test_a_cut_changes_the_whole_picture_at_once() -> None:
    first, second = _room(1), _room(2)[:, ::-1]
    frames = [_with_body(first, 200)] * 5 + [_with_body(second, 400)] * 5
    change = _changes(frames)
    assert change[5] > CHANGE_LIMIT * 3
    assert np.nanmax(np.delete(change, 5)) < 1.0


def test_a_fade_to_white_is_seen_in_every_frame_of_it() -> None:
    room = _with_body(_room(3), 250)
    weights = np.linspace(0, 1, 8)
    frames = [room] * 3 + [(room * (1 - w) + 255 * w).astype(np.uint8) for w in weights] + [np.full_like(room, 255)] * 3
    change = _changes(frames)
    assert np.all(change[4:11] > CHANGE_LIMIT)


def test_the_change_is_read_per_thirtieth_of_a_second() -> None:
    """The same fade sampled at 60 fps reads alike: half the change a frame, in half the time."""
    room = _room(4)
    meter_30, meter_60 = PictureChangeMeter(), PictureChangeMeter()
    darker = (room * 0.8).astype(np.uint8)
    halfway = (room * 0.9).astype(np.uint8)
    meter_30(room, 0.0)
    meter_60(room, 0.0)
    meter_60(halfway, STEP_MS / 2)
    assert meter_30(darker, STEP_MS) == pytest.approx(meter_60(darker, STEP_MS), rel=0.25)


@pytest.mark.parametrize("fps", [30.0, 25.0, 24.0, 15.0])
def test_a_cut_reads_as_a_cut_at_any_rate(fps: float) -> None:
    """A cut is one step in the picture however far apart the frames: at 24 fps, or a 30 fps clip analysed
    at a lower rate, it must read as at 30 (it was scaled down by the gap, and a 24 fps cut went unseen)."""
    first, second = _with_body(_room(6), 200), _with_body(_room(7)[:, ::-1], 380)
    meter, at_30 = PictureChangeMeter(), PictureChangeMeter()
    meter(first, 0.0)
    at_30(first, 0.0)
    assert meter(second, 1000.0 / fps) == pytest.approx(at_30(second, STEP_MS))


def test_transitions_are_widened_merged_and_long_runs_are_camera_motion() -> None:
    t = np.arange(0, 10_000, STEP_MS)
    change = np.zeros_like(t)
    change[60] = 40.0  # a hard cut at 2 s
    change[150:156] = 12.0  # a fade at 5 s
    change[158] = 9.0  # the same fade flickering on: one transition
    pan = (t >= 7000) & (t < 7000 + MAX_TRANSITION_MS + 200)
    change[pan] = 8.0
    change[5] = np.nan
    spans = find_transitions(t, change)
    assert len(spans) == 2
    (a0, a1), (b0, b1) = spans
    assert a0 < t[59] and a1 > t[60] and a1 - a0 > 300  # wider than any gap the filters bridge
    assert b0 < t[150] and b1 > t[158]


def _cut_bridge(seed: int) -> tuple[PoseTrack, float]:
    """A clean bridge set edited as a tutorial: from the top of rep 2 straight to lying, the rest played on."""
    track, truth = sk.glute_bridge(reps=3, **realistic(seed))
    top, rest = truth.reps[1].turn_ms, truth.reps[1].end_ms + 300
    keep = (track.t_ms <= top) | (track.t_ms >= rest)
    edited = track[np.flatnonzero(keep)]
    join = int(np.flatnonzero(edited.t_ms > top)[0])
    edited.t_ms = np.arange(len(edited)) * (1000 / truth.fps)
    edited.channels = {**edited.channels, CHANNEL: np.where(np.arange(len(edited)) == join, 60.0, 0.3)}
    return edited, float(edited.t_ms[join])


@pytest.mark.parametrize("seed", (1, 2))
def test_nothing_is_judged_across_a_cut(seed: int) -> None:
    edited, cut_ms = _cut_bridge(seed)
    without_channel = PoseTrack(
        t_ms=edited.t_ms, image=edited.image, visibility=edited.visibility, world=edited.world, size=edited.size
    )
    assert "glute_bridge.lowering_fast" in codes(analyse(without_channel, "glute_bridge"))  # the artefact
    analysis = analyse(edited, "glute_bridge")
    assert "glute_bridge.lowering_fast" not in codes(analysis)
    assert any("cuts or fades" in n and f"{cut_ms / 1000:.1f}" for n in analysis.report.notices)
    assert not any("body was lost" in n for n in analysis.report.notices)


def test_blanking_keeps_every_frame_and_time_and_the_original_track() -> None:
    track, _ = sk.glute_bridge(reps=2, **realistic(3))
    change = np.zeros(len(track))
    change[len(track) // 2] = 50.0
    track.channels = {**track.channels, CHANNEL: change}
    blanked, spans = blank_transitions(track)
    assert len(blanked) == len(track) and np.array_equal(blanked.t_ms, track.t_ms)
    inside = (track.t_ms >= spans[0][0]) & (track.t_ms <= spans[0][1])
    assert not blanked.has_pose[inside].any()
    assert blanked.has_pose[~inside].sum() == track.has_pose[~inside].sum()
    assert track.has_pose[inside].all()  # the caller's track is untouched


def test_the_estimator_measures_the_picture_change_of_every_frame() -> None:
    """Frames of one project clip, then of another (a hard cut): the pose track's channel sees the join."""
    def frames(name: str, start_ms: float) -> list[tuple[float, np.ndarray]]:
        clip = iter_frames(REPO / "sample_videos" / name, max_side=320)
        return [(start_ms + i * STEP_MS, f.rgb) for i, f in zip(range(8), clip)]

    shots = frames("deadlift_clean.mp4", 0.0) + frames("squat_clean.mp4", 8 * STEP_MS)  # both 480x640
    with PoseEstimator() as estimator:
        track = track_frames(shots, estimator, size=None)
    change = track.channels[CHANNEL]
    assert np.isnan(change[0]) and change[8] > CHANGE_LIMIT
    assert np.nanmax(np.delete(change, 8)) < CHANGE_LIMIT


def test_brightness_reads_the_same_on_the_sampled_pixels_as_on_the_whole_frame() -> None:
    room = _with_body(_room(5), 150)
    frame = np.ascontiguousarray(np.repeat(np.repeat(room, 3, axis=0), 3, axis=1))  # a large frame
    assert sampled(frame).shape[1] < frame.shape[1] // 2
    assert brightness(sampled(frame)) == pytest.approx(frame.mean() / 255.0, abs=0.01)
    assert brightness(np.zeros_like(frame)) == 0.0 and brightness(np.full_like(frame, 255)) == 1.0


@pytest.mark.parametrize("size", [(432, 768), (492, 720), (960, 540), (1080, 1920)])
def test_the_thumbnail_averages_whole_blocks_of_the_sampled_pixels(size: tuple[int, int]) -> None:
    """The frame is sampled to four times the thumbnail's size, so the area resize is by a whole number (OpenCV's
    fast path; at a fractional ratio it cost 0.6-0.7 ms a frame on 432-492 px wide phone frames)."""
    width, height = size
    frame = np.random.default_rng(width).integers(0, 256, (height, width, 3), dtype=np.uint8)
    picture, thumb = sampled(frame), grey_thumbnail(frame)
    assert picture.shape[:2] == (4 * thumb.shape[0], 4 * thumb.shape[1]) and thumb.shape[1] == 64
    np.testing.assert_array_equal(grey_thumbnail(picture), thumb)
