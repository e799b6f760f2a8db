"""The tracker's frame scaled to the athlete's size: steps, hysteresis over a rep, no enlarging, no aliasing,
and the same landmarks and back outline as at full size on a large figure."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import analyzer.pose.input_scale as input_scale_module
from analyzer.io.video import iter_frames
from analyzer.pose.estimator import PoseEstimator, track_frames
from analyzer.pose.input_scale import BAND, FIGURE_PX, MEMORY_MS, InputScale
from tests.helpers.paths import REPO

WIDTH, HEIGHT = 540, 960  # a phone's portrait frame as the decoder gives it


def _box(figure_px: float) -> np.ndarray:
    """A standing figure ``figure_px`` tall in the middle of the frame (normalised box)."""
    h = figure_px / HEIGHT
    return np.array([0.45, 0.5 - h / 2, 0.55, 0.5 + h / 2])


def _follow(scale: InputScale, sizes: list[float], start_ms: float = 0.0, step_ms: float = 33.3) -> list[float]:
    seen = []
    for i, size in enumerate(sizes):
        scale.update(_box(size), WIDTH, HEIGHT, start_ms + i * step_ms)
        seen.append(scale.scale)
    return seen


def test_a_large_figure_is_shown_at_about_the_models_size_never_below() -> None:
    for figure in FIGURE_PX * np.array([1.5, 2.0, 2.6, 3.3]):  # all above the band: shrunk
        scale = InputScale()
        _follow(scale, [figure])
        shown = figure * scale.scale
        assert FIGURE_PX <= shown < FIGURE_PX * 2 ** 0.25 + 1e-9, (figure, scale.scale)


def test_a_small_figure_is_never_enlarged() -> None:
    scale = InputScale()
    assert _follow(scale, [120.0, 200.0, 300.0 * BAND[1] / 1.5]) == [1.0, 1.0, 1.0]


def test_reps_do_not_move_the_scale() -> None:
    """A squat's box shrinks by a third at the bottom, once a second or so: the scale holds."""
    scale = InputScale()
    standing, bottom = 700.0, 700.0 * 0.6
    rep = [standing] * 10 + [standing - (standing - bottom) * abs(np.sin(np.pi * i / 30)) for i in range(30)]
    scales = _follow(scale, rep * 6)
    assert len(set(scales)) == 1 and scales[0] < 1.0


def test_the_scale_follows_someone_walking_up_at_once_and_walking_away_after_a_while() -> None:
    scale = InputScale()
    far = _follow(scale, [600.0] * 30)[-1]
    near = _follow(scale, [900.0], start_ms=1000.0)[-1]
    assert near < far  # nearer: smaller at once, before the mask over a larger figure costs more
    after = _follow(scale, [400.0] * 120, start_ms=1100.0)
    assert after[0] == near  # the largest size of the last MEMORY_MS still rules...
    first_change = next(i for i, s in enumerate(after) if s != near)
    assert first_change * 33.3 >= MEMORY_MS - 100  # ...until it is forgotten
    assert 400.0 * after[-1] >= FIGURE_PX


def test_shrinking_averages_fine_detail_instead_of_aliasing_it() -> None:
    """One-pixel stripes shrunk to a third come out grey; point sampling would keep hard stripes."""
    stripes = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    stripes[:, ::2] = 255
    scale = InputScale()
    scale.scale = 0.3
    out = scale.apply(stripes)
    assert out.shape == (round(HEIGHT * 0.3), round(WIDTH * 0.3), 3)
    assert abs(float(out.mean()) - 127.5) < 3 and float(out.std()) < 20


def test_full_scale_gives_the_frame_itself() -> None:
    frame = np.full((HEIGHT, WIDTH, 3), 7, np.uint8)
    assert InputScale().apply(frame) is frame


@pytest.mark.parametrize("clip", ["deadlift_rounded_back.mp4"])
def test_landmarks_and_back_outline_match_the_full_size_frame(clip: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sample's figure, enlarged to fill a 720x960 frame as in a phone's portrait clip, shrunk to the
    size the tracker needs: the same landmarks (within 1 % of the frame) and the same spine
    angles (within a degree or so) as the whole frame gives."""
    frames = [
        (f.t_ms, cv2.resize(f.rgb, (720, 960), interpolation=cv2.INTER_CUBIC))
        for f, _ in zip(iter_frames(REPO / "sample_videos" / clip), range(48))
    ]

    def run() -> tuple[np.ndarray, dict[str, np.ndarray]]:
        with PoseEstimator(segmentation=True) as estimator:
            track = track_frames(frames, estimator, None)
            return track.image, track.channels

    scaled_image, scaled = run()
    monkeypatch.setattr(input_scale_module, "FIGURE_PX", 1e9)  # never scaled: the frame as decoded
    whole_image, whole = run()
    height, width = frames[0][1].shape[:2]
    extent = np.nanmax(whole_image[:, :, :2], axis=1) - np.nanmin(whole_image[:, :, :2], axis=1)
    assert np.nanmedian(np.maximum(extent[:, 0] * width, extent[:, 1] * height)) > BAND[1] * FIGURE_PX  # it is shrunk
    assert np.nanpercentile(np.abs(scaled_image - whole_image)[:, :, :2], 90) < 0.01  # of the frame
    for key in ("spine_lumbar_flexion_deg", "spine_pelvic_tilt_deg", "spine_thoracic_flexion_deg", "back_bend_deg"):
        assert key in scaled
        assert np.nanmedian(np.abs(scaled[key] - whole[key])) < 1.5, key
