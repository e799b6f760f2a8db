"""One athlete followed with one pose slot: the choice among several people, the crop mapping,
and the track staying on the athlete when someone else is in view, walks in, or the picture goes.

The two-person clips are made here by putting two of the project's own sample videos side by
side (``sample_videos/``, rendered people, so no shared clip is needed).
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

import analyzer.pose.estimator as estimator_module
from analyzer.features.kinematics import compute_features
from analyzer.io.video import iter_frames
from analyzer.pose.athlete import REACQUIRE_AFTER_MS, AthleteSelector, Window, box_of, iou
from analyzer.pose.estimator import PoseEstimator, track_frames
from analyzer.pose.landmarker import DetectedPose
from analyzer.track import PoseTrack
from tests.helpers.paths import REPO

ATHLETE_CLIP = REPO / "sample_videos" / "squat_clean.mp4"
OTHER_CLIP = REPO / "sample_videos" / "deadlift_clean.mp4"
FPS = 24.0
N_FRAMES = 72
CANVAS_HEIGHT = 480
BACKGROUND = 128


# -- pure logic ---------------------------------------------------------------------------------


def _person(x0: float, y0: float, x1: float, y1: float, seed: int = 0) -> np.ndarray:
    """33 landmarks spread over a box (its corners included), z small."""
    rng = np.random.default_rng(seed)
    points = np.column_stack([rng.uniform(x0, x1, 33), rng.uniform(y0, y1, 33), rng.normal(0, 0.05, 33)])
    points[:2, :2] = [[x0, y0], [x1, y1]]
    return points


def _in_window(points: np.ndarray, window: Window) -> np.ndarray:
    """What a landmarker shown only ``window`` would return for ``points`` (frame-normalised)."""
    w, h = window.x1 - window.x0, window.y1 - window.y0
    return np.column_stack([
        (points[:, 0] * window.frame_width - window.x0) / w,
        (points[:, 1] * window.frame_height - window.y0) / h,
        points[:, 2] * window.frame_width / w,  # MediaPipe's z is on the scale of the image's width
    ])


def test_crop_landmarks_map_back_to_the_frame() -> None:
    width, height = 960, 540
    points = _person(0.40, 0.30, 0.55, 0.80)
    window = Window.around(box_of(points), width, height)
    assert 0 <= window.x0 < 0.40 * width and window.x1 > 0.55 * width and window.y1 == height  # margin, clipped
    np.testing.assert_allclose(window.landmarks_to_frame(_in_window(points, window)), points, atol=1e-12)


def test_whole_window_keeps_landmarks_and_scales_a_small_mask_up() -> None:
    window = Window.whole(64, 48)
    points = _person(0.1, 0.2, 0.6, 0.9)
    np.testing.assert_array_equal(window.landmarks_to_frame(points), points)
    small = np.zeros((24, 32), np.float32)
    small[6:18, 8:24] = 1.0
    mask = window.mask_to_frame(small)
    assert mask.shape == (48, 64) and mask[24, 32] == 1.0 and mask[2, 2] == 0.0


def test_crop_mask_is_placed_back_where_the_crop_was_cut() -> None:
    window = Window(x0=10, y0=5, x1=30, y1=25, frame_width=64, frame_height=48)
    crop_mask = np.ones((20, 20), np.float32)
    mask = window.mask_to_frame(crop_mask)
    assert mask.shape == (48, 64)
    assert mask[5:25, 10:30].all() and mask.sum() == 400  # background everywhere else
    rgb = np.full((48, 64, 3), 200, np.uint8)
    kept = window.keep_only(rgb)
    assert kept.shape == rgb.shape and kept[5:25, 10:30].min() == 200 and kept.sum() == 200 * 3 * 400


def test_first_choice_is_the_largest_most_central_person() -> None:
    selector = AthleteSelector()
    small_side = box_of(_person(0.80, 0.50, 0.95, 0.90))
    large_centre = box_of(_person(0.35, 0.10, 0.65, 0.95))
    assert selector.athlete_elsewhere(small_side, [small_side, large_centre]) == 1
    assert selector.athlete_elsewhere(large_centre, [small_side, large_centre]) is None


def test_a_passer_by_does_not_continue_the_athlete() -> None:
    selector = AthleteSelector()
    athlete = box_of(_person(0.30, 0.10, 0.60, 0.95))
    passer_by = box_of(_person(0.70, 0.10, 0.95, 0.95))
    selector.seen(athlete)
    assert not selector.follows(passer_by)
    assert selector.continuing([passer_by, athlete]) == 1
    assert selector.continuing([passer_by]) is None
    selector.forget_if_gone(10_000.0)  # seen in the last frame, however long ago that was
    assert selector.known
    selector.missed(1000.0)
    selector.forget_if_gone(1000.0 + REACQUIRE_AFTER_MS - 1)
    assert selector.known
    selector.forget_if_gone(1000.0 + REACQUIRE_AFTER_MS + 1)
    assert not selector.known and selector.follows(passer_by)


def test_a_tracker_that_slid_onto_someone_else_is_caught_at_the_next_check() -> None:
    selector = AthleteSelector()
    athlete = box_of(_person(0.10, 0.10, 0.40, 0.95))
    selector.seen(athlete)
    selector.confirm(athlete)
    # frame by frame the tracker's box slides right, onto the passer-by: each step overlaps the last
    for x in np.linspace(0.12, 0.60, 25):
        box = box_of(_person(x, 0.10, x + 0.30, 0.95))
        assert selector.follows(box)
        selector.seen(box)
    assert selector.athlete_elsewhere(box, [box, athlete]) == 1
    # a squat changes the athlete's box but keeps it on the anchor: the tracker is trusted
    squatting = box_of(_person(0.10, 0.40, 0.45, 0.95))
    assert selector.athlete_elsewhere(squatting, [squatting, box]) is None


# -- on rendered people ---------------------------------------------------------------------------


def _decoded(path, n: int) -> list[np.ndarray]:
    frames = []
    for frame in iter_frames(path):
        frames.append(frame.rgb)
        if len(frames) == n:
            break
    return frames


@pytest.fixture(scope="module")
def athlete_frames() -> list[np.ndarray]:
    return _decoded(ATHLETE_CLIP, N_FRAMES)


@pytest.fixture(scope="module")
def other_frames() -> list[np.ndarray]:
    return _decoded(OTHER_CLIP, N_FRAMES)


def _scaled(rgb: np.ndarray, height: int) -> np.ndarray:
    return cv2.resize(rgb, (round(rgb.shape[1] * height / rgb.shape[0]), height), interpolation=cv2.INTER_AREA)


def _side_by_side(athlete: np.ndarray, other: np.ndarray | None, other_width: int) -> np.ndarray:
    """The athlete on the left, the other person (or empty floor) on the right, feet on one line."""
    canvas = np.full((CANVAS_HEIGHT, athlete.shape[1] + other_width, 3), BACKGROUND, np.uint8)
    canvas[CANVAS_HEIGHT - athlete.shape[0] :, : athlete.shape[1]] = athlete
    if other is not None:
        canvas[CANVAS_HEIGHT - other.shape[0] :, athlete.shape[1] : athlete.shape[1] + other.shape[1]] = other
    return canvas


def _composite(
    athlete_frames: list[np.ndarray],
    other_frames: list[np.ndarray],
    *,
    athlete_share: float,
    other_share: float,
    other_from: int = 0,
    other_present: bool = True,
) -> Iterator[tuple[float, np.ndarray]]:
    """(t_ms, frame) of the two side by side, each at a share of the canvas height."""
    other_width = _scaled(other_frames[0], round(other_share * CANVAS_HEIGHT)).shape[1]
    for i, (a, o) in enumerate(zip(athlete_frames, other_frames)):
        shown = other_present and i >= other_from
        other = _scaled(o, round(other_share * CANVAS_HEIGHT)) if shown else None
        yield i * 1000.0 / FPS, _side_by_side(_scaled(a, round(athlete_share * CANVAS_HEIGHT)), other, other_width)


def _track(frames: Iterator[tuple[float, np.ndarray]]) -> PoseTrack:
    with PoseEstimator(segmentation=False) as estimator:
        return track_frames(frames, estimator, size=None)


def _on_the_athlete(track: PoseTrack, alone: PoseTrack) -> np.ndarray:
    """Per frame: the pose is the athlete's (its box overlaps the run on the athlete alone)."""
    both = track.has_pose & alone.has_pose
    on = np.zeros(len(track), dtype=bool)
    for i in np.flatnonzero(both):
        on[i] = iou(box_of(track.image[i]), box_of(alone.image[i])) >= 0.5
    return on


def _assert_follows_the_athlete(track: PoseTrack, alone: PoseTrack, dark: range = range(0)) -> None:
    lit = np.ones(len(alone), dtype=bool)
    lit[list(dark)] = False
    assert alone.has_pose[lit].mean() > 0.9, "the rendered athlete alone should be found"
    missed = np.flatnonzero(alone.has_pose & ~track.has_pose)
    assert missed.size == 0, f"frames where the athlete alone is found but not beside someone: {missed}"
    stray = np.flatnonzero(track.has_pose & ~_on_the_athlete(track, alone))
    assert stray.size == 0, f"frames where the track is on someone else: {stray}"


@pytest.mark.slow
def test_track_stays_on_the_larger_athlete_beside_someone_else(athlete_frames, other_frames) -> None:
    kwargs = {"athlete_share": 1.0, "other_share": 0.6}
    alone = _track(_composite(athlete_frames, other_frames, other_present=False, **kwargs))
    both = _track(_composite(athlete_frames, other_frames, **kwargs))
    _assert_follows_the_athlete(both, alone)


@pytest.mark.slow
def test_a_larger_person_walking_in_does_not_steal_the_track(athlete_frames, other_frames) -> None:
    kwargs = {"athlete_share": 0.7, "other_share": 1.0}
    alone = _track(_composite(athlete_frames, other_frames, other_present=False, **kwargs))
    entering = _track(_composite(athlete_frames, other_frames, other_from=N_FRAMES // 3, **kwargs))
    _assert_follows_the_athlete(entering, alone)


@pytest.mark.slow
@pytest.mark.parametrize("dark_frames", [3, 20])  # shorter and longer than REACQUIRE_AFTER_MS (24 fps)
def test_athlete_is_found_again_after_the_picture_goes_dark(athlete_frames, other_frames, dark_frames) -> None:
    kwargs = {"athlete_share": 1.0, "other_share": 0.6}
    gap = range(N_FRAMES // 2, N_FRAMES // 2 + dark_frames)

    def with_gap(frames: Iterator[tuple[float, np.ndarray]]) -> Iterator[tuple[float, np.ndarray]]:
        for i, (t_ms, rgb) in enumerate(frames):
            yield t_ms, np.zeros_like(rgb) if i in gap else rgb

    alone = _track(with_gap(_composite(athlete_frames, other_frames, other_present=False, **kwargs)))
    both = _track(with_gap(_composite(athlete_frames, other_frames, **kwargs)))
    assert not both.has_pose[list(gap)].any()
    assert both.has_pose[gap.stop], "found again on the first frame after the gap"
    _assert_follows_the_athlete(both, alone, dark=gap)


# -- the estimator's decisions, with scripted landmarkers -----------------------------------------


class ScriptedLandmarker:
    """Stands in for :class:`analyzer.pose.landmarker.Landmarker`: answers from ``script``
    (``(video, frame image) -> people``) and records what it was shown."""

    script = staticmethod(lambda video, rgb: [])
    shown: list[tuple[bool, np.ndarray]] = []

    def __init__(self, model_path, *, video: bool, num_poses: int, segmentation: bool = False, **_) -> None:
        self.video = video
        self.closed = False

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> list[DetectedPose]:
        ScriptedLandmarker.shown.append((self.video, rgb.copy()))
        return ScriptedLandmarker.script(self.video, rgb)

    def close(self) -> None:
        self.closed = True


def _pose(points: np.ndarray) -> DetectedPose:
    return DetectedPose(image=points, visibility=np.ones(33), world=np.zeros((33, 3)), mask=None)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> type[ScriptedLandmarker]:
    monkeypatch.setattr(estimator_module, "Landmarker", ScriptedLandmarker)
    ScriptedLandmarker.shown = []
    return ScriptedLandmarker


def test_lost_tracking_is_redetected_on_a_crop_and_the_tracker_reseeded(scripted) -> None:
    width, height = 200, 100
    athlete = _person(0.40, 0.20, 0.55, 0.90)
    frames = np.full((4, height, width, 3), 255, np.uint8)
    window = Window.around(box_of(athlete), width, height)
    in_crop = _in_window(athlete, window)

    def script(video: bool, rgb: np.ndarray) -> list[DetectedPose]:
        tracker_calls = sum(v for v, _ in scripted.shown)
        if video:
            return [] if tracker_calls == 3 else [_pose(athlete)]  # the tracker loses frame 2
        return [_pose(in_crop)] if rgb.shape[:2] != (height, width) else [_pose(athlete)]

    scripted.script = staticmethod(script)
    with PoseEstimator() as estimator:
        found = [estimator.process(rgb, i * 40.0) for i, rgb in enumerate(frames)]
    np.testing.assert_allclose(found[2].image, athlete, atol=1e-9)  # from the crop, back in the frame
    tracker_views = [rgb for video, rgb in scripted.shown if video]
    reseeded = tracker_views[3]
    assert (reseeded == 0).any() and reseeded[window.y0 : window.y1, window.x0 : window.x1].min() == 255
    assert all(np.isfinite(f.image).all() for f in found)


def test_a_tracker_that_jumps_to_someone_else_is_put_back_on_the_athlete(scripted) -> None:
    width, height = 200, 100
    athlete = _person(0.25, 0.05, 0.50, 0.95)
    passer_by = _person(0.75, 0.30, 0.95, 0.95)
    in_crop = _in_window(athlete, Window.around(box_of(athlete), width, height))

    def script(video: bool, rgb: np.ndarray) -> list[DetectedPose]:
        tracker_frames = sum(v for v, _ in scripted.shown)
        if video:
            if not rgb.any():
                return []  # the black frame that makes it forget
            return [_pose(passer_by if tracker_frames == 3 else athlete)]
        if rgb.shape[:2] == (height, width):
            return [_pose(passer_by), _pose(athlete)]
        return [_pose(in_crop)]

    scripted.script = staticmethod(script)
    with PoseEstimator() as estimator:
        found = [estimator.process(np.full((height, width, 3), 255, np.uint8), i * 40.0) for i in range(5)]
    boxes = [box_of(f.image) for f in found]
    assert all(iou(b, box_of(athlete)) > 0.5 for b in boxes)
    tracker_views = [rgb for video, rgb in scripted.shown if video]
    assert not tracker_views[3].any(), "after the jump the tracker is shown a black frame"
    assert (tracker_views[4] == 0).any(), "then only the athlete's surroundings"


def test_a_cut_to_the_only_person_in_view_is_kept_and_one_of_two_is_not(scripted) -> None:
    width, height = 200, 100
    before_cut = _person(0.25, 0.05, 0.50, 0.95)
    after_cut = _person(0.60, 0.50, 0.95, 0.95)
    bystander = _person(0.02, 0.10, 0.12, 0.60)

    def run(in_view_after_cut: list[np.ndarray]) -> list[bool]:
        def script(video: bool, rgb: np.ndarray) -> list[DetectedPose]:
            cut = sum(v for v, _ in scripted.shown) > 2
            if video:
                return [_pose(after_cut if cut else before_cut)]
            if rgb.shape[:2] != (height, width):
                return []  # nobody where the athlete was
            return [_pose(p) for p in (in_view_after_cut if cut else [before_cut])]

        scripted.script = staticmethod(script)
        scripted.shown = []
        with PoseEstimator() as estimator:
            frames = [estimator.process(np.full((height, width, 3), 255, np.uint8), i * 40.0) for i in range(4)]
        return [bool(np.isfinite(f.image).all()) for f in frames]

    assert run([after_cut]) == [True, True, True, True]
    assert run([after_cut, bystander]) == [True, True, False, False]


def test_a_restart_forgets_the_athlete_and_the_trackers_pose(scripted) -> None:
    """The adaptive rate's stretches: one estimator goes on after a jump in time as a new one would."""
    width, height = 200, 100
    athlete = _person(0.25, 0.05, 0.50, 0.95)

    def script(video: bool, rgb: np.ndarray) -> list[DetectedPose]:
        return [_pose(athlete)] if rgb.any() else []

    scripted.script = staticmethod(script)
    white = np.full((height, width, 3), 255, np.uint8)

    def finder_looks() -> int:
        return sum(not video for video, _ in scripted.shown)

    with PoseEstimator() as estimator:
        before = [estimator.process(white, t) for t in (0.0, 40.0)]
        looks_before = finder_looks()
        estimator.restart()
        after = estimator.process(white, 80.0)
    tracker_views = [rgb for video, rgb in scripted.shown if video]
    assert not tracker_views[2].any(), "the tracker is shown a black frame: it loses its pose"
    assert finder_looks() == looks_before + 1, "everyone in view is looked at again, as at the start"
    assert np.isfinite(before[1].channels["picture_change"]) and np.isnan(after.channels["picture_change"])
    np.testing.assert_allclose(after.image, athlete)


def test_a_restart_seeded_with_the_athlete_follows_them_not_whom_a_fresh_look_would_choose(scripted) -> None:
    """An adaptive stretch starts where the base pass saw the athlete: a fresh tracker that takes up the more
    prominent person beside them is put back on the athlete, and nobody else is looked for within a second."""
    width, height = 200, 100
    athlete = _person(0.05, 0.40, 0.20, 0.95)
    prominent = _person(0.35, 0.05, 0.75, 0.95)
    in_crop = _in_window(athlete, Window.around(box_of(athlete), width, height))

    def script(video: bool, rgb: np.ndarray) -> list[DetectedPose]:
        if video:
            return [_pose(prominent)] if rgb.all() else []  # a fresh detector: the larger, more central one
        return [_pose(prominent), _pose(athlete)] if rgb.shape[:2] == (height, width) else [_pose(in_crop)]

    scripted.script = staticmethod(script)
    white = np.full((height, width, 3), 255, np.uint8)

    def followed(seed: np.ndarray | None) -> tuple[list[np.ndarray], int]:
        scripted.shown = []
        with PoseEstimator() as estimator:
            estimator.restart(athlete=seed, t_ms=0.0)
            boxes = [box_of(estimator.process(white, t).image) for t in (0.0, 40.0, 80.0)]
        whole_looks = sum(not video and rgb.shape[:2] == (height, width) for video, rgb in scripted.shown)
        return boxes, whole_looks

    seeded, looks = followed(box_of(athlete))
    assert all(iou(b, box_of(athlete)) > 0.5 for b in seeded) and looks == 0
    unseeded, _ = followed(None)
    assert all(iou(b, box_of(prominent)) > 0.5 for b in unseeded)  # as at a clip's start


def test_everyone_is_looked_at_again_only_when_the_picture_around_the_athlete_changed(scripted) -> None:
    """A tripod's still room: nobody can have come in, so the periodic look is saved until something
    outside the athlete moves; the athlete's own movement does not count."""
    width, height = 320, 180
    athlete = _person(0.40, 0.10, 0.60, 0.95)

    def script(video: bool, rgb: np.ndarray) -> list[DetectedPose]:
        return [_pose(athlete)]

    scripted.script = staticmethod(script)
    room = np.full((height, width, 3), 90, np.uint8)
    moving_athlete = room.copy()
    moving_athlete[40:160, 140:180] = 250  # inside the athlete's box
    walked_in = room.copy()
    walked_in[30:170, 10:50] = 250  # someone at the left edge

    def looks(frames: list[np.ndarray]) -> list[float]:
        scripted.shown = []
        seen: list[float] = []
        with PoseEstimator() as estimator:
            for i, rgb in enumerate(frames):
                before = sum(not video for video, _ in scripted.shown)
                estimator.process(rgb, i * 100.0)
                if sum(not video for video, _ in scripted.shown) > before:
                    seen.append(i * 100.0)
        return seen

    assert looks([room] * 40) == [0.0]
    assert looks([room] * 20 + [moving_athlete] * 20) == [0.0]
    assert looks([room] * 25 + [walked_in] * 15) == [0.0, 2500.0]


def _shape_measured_frames(scripted, monkeypatch, times: list[float], missing: tuple[int, ...] = ()) -> list[int]:
    """The frames (indices) whose back shape the estimator measures, the athlete seen with a mask except on
    the ``missing`` frames."""
    athlete = _person(0.40, 0.20, 0.55, 0.90)
    with_mask = DetectedPose(image=athlete, visibility=np.ones(33), world=np.zeros((33, 3)),
                             mask=np.zeros((100, 200), np.float32))
    calls = iter(range(len(times)))
    shown = {"frame": -1}

    def script(video: bool, rgb: np.ndarray) -> list[DetectedPose]:
        if video:
            shown["frame"] = next(calls)
        return [] if shown["frame"] in missing else [with_mask]

    measured: list[int] = []
    monkeypatch.setattr(estimator_module, "_back_shape_channels",
                        lambda mask, frame: measured.append(shown["frame"]) or {"back_probe": 1.0})
    scripted.script = staticmethod(script)
    with PoseEstimator(max_people=1) as estimator:
        frames = [estimator.process(np.full((100, 200, 3), 255, np.uint8), t) for t in times]
    assert all(("back_probe" in f.channels) == (i in measured) for i, f in enumerate(frames))
    return measured


@pytest.mark.parametrize(("fps", "every"), [(30.0, 2), (25.0, 1), (60.0, 4), (50.0, 3), (20.0, 1), (15.0, 1)])
def test_the_back_shape_is_measured_about_fifteen_times_a_second(scripted, monkeypatch, fps: float, every: int) -> None:
    """Its channels are filled in between and low-passed at 6 Hz: every frame would only cost more; a 25 fps
    clip keeps every frame (every other would sample at 12.5 Hz)."""
    times = [i * 1000.0 / fps for i in range(30)]
    assert _shape_measured_frames(scripted, monkeypatch, times) == list(range(0, 30, every))


def test_a_frame_without_the_athlete_does_not_use_up_the_back_shape_s_turn(scripted, monkeypatch) -> None:
    times = [i * 1000.0 / 30 for i in range(8)]
    assert _shape_measured_frames(scripted, monkeypatch, times, missing=(2,)) == [0, 3, 5, 7]


def test_the_features_fill_the_back_shape_between_measured_frames() -> None:
    t = np.arange(60) * 1000.0 / 30
    angle = 10.0 + 5.0 * np.sin(2 * np.pi * t / 2000.0)
    measured = np.where(np.arange(60) % 2 == 0, angle, np.nan)
    track = PoseTrack(t_ms=t, image=np.tile(_person(0.3, 0.1, 0.7, 0.9), (60, 1, 1)), visibility=np.ones((60, 33)),
                      world=np.zeros((60, 33, 3)), size=(200, 100), channels={"spine_lumbar_flexion_deg": measured})
    filled = compute_features(track).series["img_spine_lumbar_flexion_deg"]
    assert np.isfinite(filled[:-1]).all()
    assert np.max(np.abs(filled[5:-5] - angle[5:-5])) < 0.5
