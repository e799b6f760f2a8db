"""Geometry and smoothing primitives the rules stand on."""

from dataclasses import replace

import numpy as np
import pytest

from analyzer.features.filtering import OneEuroFilter, fill_short_gaps, lowpass
from analyzer.features.kinematics import (
    aspect_from_proportions,
    estimate_view,
    inclination_from_vertical,
    joint_angle,
    signed_offset_angle,
)
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
def test_view_from_image_depth_when_there_are_no_world_landmarks(yaw: float, kind: str) -> None:
    track, _ = sk.squat(reps=2, setup=Setup.realistic(seed=1, yaw_deg=yaw))
    with_world = estimate_view(track, "left")
    bare = estimate_view(_without_world(track), "left")
    assert with_world.kind == bare.kind == kind
    assert bare.yaw_deg == pytest.approx(with_world.yaw_deg, abs=8)
    assert estimate_view(_without_world(track, keep_z=False), "left").kind == "unknown"


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (640, 480), (1080, 1080)])
@pytest.mark.parametrize("program", [sk.plank, sk.squat, sk.pushup])
def test_aspect_ratio_from_body_proportions(program, size: tuple[int, int]) -> None:  # noqa: ANN001
    kwargs = {"duration_s": 8} if program is sk.plank else {"reps": 3}
    track, _ = program(**kwargs, setup=Setup.realistic(seed=2, size=size))
    assert aspect_from_proportions(track) == pytest.approx(size[0] / size[1], rel=0.05)
