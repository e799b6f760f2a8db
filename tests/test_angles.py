"""The body-line angle (hip below the shoulder-ankle or shoulder-knee line) over the whole circle.

It once wrapped: a bridge filmed close up read -166 and +179 on neighbouring frames, because
"below the line" was decided frame by frame from which way the line pointed. These tests build
frames with a known offset and check the angle equals it, for every offset short of the body
folding back on itself, either way the body lies, under any camera tilt, and without a jump.
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.features.geometry import signed_offset_angle

OFFSETS = np.arange(-175.0, 176.0, 5.0)  # every bend short of folding back (+-180)


def frames(offsets_deg: np.ndarray, *, head_left: bool, tilt_deg: float) -> tuple[np.ndarray, ...]:
    """Shoulder, hip, ankle (T, 2) in image coordinates (y down): the hip ``offset`` degrees below
    the shoulder-ankle line (negative: above), the body lying left-to-right or right-to-left, the
    picture turned by ``tilt_deg``."""
    n = len(offsets_deg)
    half = np.tan(np.radians(offsets_deg) / 2)  # a hip at height h over the middle bends the line 2*atan(h)
    direction = -1.0 if head_left else 1.0
    shoulder = np.tile([0.0, 0.0], (n, 1))
    ankle = np.tile([2.0 * direction, 0.0], (n, 1))
    hip = np.stack([np.full(n, direction), half], axis=1)
    turn = np.radians(tilt_deg)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    return tuple(points @ rotation.T for points in (shoulder, hip, ankle))


@pytest.mark.parametrize("head_left", [False, True])
@pytest.mark.parametrize("tilt_deg", [-40.0, -10.0, 0.0, 25.0, 40.0])
def test_angle_equals_the_offset_all_round(head_left: bool, tilt_deg: float) -> None:
    shoulder, hip, ankle = frames(OFFSETS, head_left=head_left, tilt_deg=tilt_deg)
    got = signed_offset_angle(shoulder, hip, ankle)
    np.testing.assert_allclose(got, OFFSETS, atol=1e-6)


def test_a_sweep_through_every_bend_has_no_jump() -> None:
    sweep = np.linspace(-179.0, 179.0, 717)
    got = signed_offset_angle(*frames(sweep, head_left=True, tilt_deg=15.0))
    assert np.max(np.abs(np.diff(got))) < 1.0  # steps of 0.5 deg, never a wrap


def test_a_line_standing_near_vertical_in_some_frames_keeps_its_sign() -> None:
    """A close-up bridge: for a few frames the shoulder-knee line stands almost upright in the
    picture. "Below" is the clip's own, so the sign does not flip on those frames."""
    offsets = np.full(40, -12.0)  # a bridge pushed a little above the line
    shoulder, hip, knee = frames(offsets, head_left=False, tilt_deg=0.0)
    steep = frames(offsets[:5], head_left=False, tilt_deg=95.0)  # five frames: the line just past upright
    shoulder[10:15], hip[10:15], knee[10:15] = steep
    got = signed_offset_angle(shoulder, hip, knee)
    np.testing.assert_allclose(got, offsets, atol=1e-6)


def test_single_frame_is_judged_by_its_own_direction() -> None:
    shoulder, hip, ankle = (p[0] for p in frames(np.array([20.0]), head_left=True, tilt_deg=0.0))
    assert signed_offset_angle(shoulder, hip, ankle) == pytest.approx(20.0)
