"""Geometry and smoothing primitives the rules stand on."""

from dataclasses import replace

import numpy as np
import pytest

from analyzer.features.filtering import OneEuroFilter, fill_short_gaps, lowpass
from analyzer.features.geometry import inclination_from_vertical, joint_angle, signed_offset_angle
from analyzer.features.view import aspect_from_proportions, estimate_view
from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack
from tests.helpers import skeleton as sk
from tests.helpers.skeleton import Setup


def test_joint_angle_straight_and_right() -> None:
    a, b = np.array([0.0, 0.0]), np.array([1.0, 0.0])
    assert joint_angle(a, b, np.array([2.0, 0.0])) == pytest.approx(180.0)
    assert joint_angle(a, b, np.array([1.0, 1.0])) == pytest.approx(90.0)


@pytest.mark.parametrize("head_x", [1.0, -1.0])
def test_hip_below_line_is_positive_whichever_way_the_body_faces(head_x: float) -> None:
    shoulder, ankle = np.array([head_x, 0.0]), np.array([-head_x, 0.0])
    sag = signed_offset_angle(shoulder, np.array([0.0, 0.1]), ankle)  # y grows downward
    pike = signed_offset_angle(shoulder, np.array([0.0, -0.1]), ankle)
    expected = 2 * np.degrees(np.arctan(0.1))
    assert sag == pytest.approx(expected)
    assert pike == pytest.approx(-expected)


def test_inclination_from_vertical() -> None:
    hip = np.array([0.0, 0.0])
    assert inclination_from_vertical(hip, np.array([0.0, -1.0])) == pytest.approx(0.0)
    assert inclination_from_vertical(hip, np.array([1.0, 0.0])) == pytest.approx(90.0)
    assert inclination_from_vertical(hip, np.array([-1.0, -1.0])) == pytest.approx(45.0)


def test_short_gaps_filled_long_gaps_kept() -> None:
    t = np.arange(30) * 33.3
    x = np.linspace(0, 1, 30)
    x_holes = x.copy()
    x_holes[5:8] = np.nan  # 100 ms: bridged
    x_holes[15:27] = np.nan  # 400 ms: left unknown
    filled = fill_short_gaps(t, x_holes)
    np.testing.assert_allclose(filled[5:8], x[5:8])
    assert np.isnan(filled[15:27]).all()


def test_lowpass_removes_jitter_without_shifting() -> None:
    t = np.arange(300) * 1000 / 30
    slow = np.sin(2 * np.pi * 0.5 * t / 1000)  # a 2 s rep
    noisy = slow + np.random.default_rng(0).normal(0, 0.1, len(t))
    smooth = lowpass(t, noisy)
    assert np.std(smooth - slow) < 0.7 * np.std(noisy - slow)  # 6 Hz of a 15 Hz band passes
    lag = np.argmax(np.correlate(smooth - smooth.mean(), slow - slow.mean(), "full")) - (len(t) - 1)
    assert lag == 0


def test_one_euro_follows_a_step_and_damps_jitter() -> None:
    f = OneEuroFilter(min_cutoff_hz=1.0, beta=0.5)
    rng = np.random.default_rng(1)
    still = [f(i * 33.3, np.array([0.0 + rng.normal(0, 0.01)]))[0] for i in range(60)]
    assert np.std(still[10:]) < 0.01
    moved = [f((60 + i) * 33.3, np.array([1.0]))[0] for i in range(30)]
    assert moved[-1] == pytest.approx(1.0, abs=0.02)


def _without_world(track: PoseTrack, keep_z: bool = True) -> PoseTrack:
    image = track.image.copy()
    if not keep_z:
        image[..., 2] = 0.0
    return replace(track, image=image, world=np.full_like(track.world, np.nan), size=None)


@pytest.mark.parametrize("yaw, kind", [(0, "side"), (45, "oblique"), (85, "front")])
def test_view_from_world_landmarks_is_the_cameras_yaw(yaw: float, kind: str) -> None:
    """The skeleton filmed from a known yaw, with realistic noise: world landmarks are plain geometry."""
    track, _ = sk.squat(reps=2, setup=Setup.realistic(seed=1, yaw_deg=yaw))
    view = estimate_view(track, "left")
    assert view.kind == kind
    assert view.yaw_deg == pytest.approx(yaw, abs=8)
    assert estimate_view(_without_world(track, keep_z=False), "left").kind == "unknown"  # x and y alone cannot tell


# What MediaPipe's image z is, written out here: in frame widths like x, but about 3.5 times deeper than
# the geometry (measured against its own world landmarks on real clips). Neither imported from the
# analyzer (IMAGE_Z_STRETCH, its correction) nor taken from the skeleton (MEDIAPIPE_Z_DEPTH, its model of
# MediaPipe): both are that same number, so a skeleton track would pass whatever value they shared.
MEDIAPIPE_Z_PER_X = 3.5


@pytest.mark.parametrize("yaw, kind", [(0, "side"), (25, "side"), (45, "oblique"), (70, "front"), (90, "front")])
def test_view_from_image_depth_is_the_yaw_of_the_geometry(yaw: float, kind: str) -> None:
    """Without world landmarks (other tools' CSVs) the yaw comes from the image x and z.

    A body 3 m from a 1000 px lens on a 1280 px wide frame, shoulders 0.35 m and hips 0.20 m apart,
    turned ``yaw`` from side-on: each of those lines spans width x sin(yaw) across the image and
    width x cos(yaw) into it. The answer is the turn itself.
    """
    focal_px, frame_w, distance_m = 1000.0, 1280, 3.0
    turn = np.radians(yaw)
    image = np.full((10, len(INDEX), 3), np.nan)
    for part, width_m, y in (("shoulder", 0.35, 0.3), ("hip", 0.20, 0.55)):
        across = width_m * np.sin(turn) * focal_px / distance_m / frame_w
        depth = MEDIAPIPE_Z_PER_X * width_m * np.cos(turn) * focal_px / distance_m / frame_w
        image[:, INDEX[f"left_{part}"]] = (0.5 - across / 2, y, -depth / 2)
        image[:, INDEX[f"right_{part}"]] = (0.5 + across / 2, y, depth / 2)
    track = PoseTrack(t_ms=np.arange(10) * 1000 / 30, image=image, visibility=np.ones((10, len(INDEX))),
                      world=np.full((10, len(INDEX), 3), np.nan), size=(frame_w, 720))
    view = estimate_view(track, "left")
    assert view.kind == kind
    assert view.yaw_deg == pytest.approx(yaw, abs=0.5)


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (640, 480), (1080, 1080)])
@pytest.mark.parametrize("program", [sk.plank, sk.squat, sk.pushup])
def test_aspect_ratio_from_body_proportions(program, size: tuple[int, int]) -> None:  # noqa: ANN001
    kwargs = {"duration_s": 8} if program is sk.plank else {"reps": 3}
    track, _ = program(**kwargs, setup=Setup.realistic(seed=2, size=size))
    assert aspect_from_proportions(track) == pytest.approx(size[0] / size[1], rel=0.05)
