"""The back drawn over the picture: bowed by the spine estimator's angles (upper half thoracic, lower half
lumbar) on the back's side, on the annotated video where a check judged them, nowhere they are untrusted."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzer.draw.back_curve import BACK_SURFACE_OFFSET, SAMPLES, back_curve, outline_depth, spine_depth
from analyzer.draw.overlay import draw_overlay, overlay_plan
from analyzer.landmarks import INDEX
from analyzer.live.coach import LiveState, draw_live
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, realistic, with_back_outline


def test_a_neutral_spine_is_a_straight_line_behind_the_joints() -> None:
    assert np.allclose(spine_depth(0.0, 0.0), BACK_SURFACE_OFFSET)
    assert np.allclose(outline_depth(0.0), BACK_SURFACE_OFFSET)


@pytest.mark.parametrize("thoracic, lumbar", [(30.0, 0.0), (0.0, 30.0)])
def test_upper_and_lower_back_rounding_bulge_in_their_own_half(thoracic: float, lumbar: float) -> None:
    depth = spine_depth(lumbar, thoracic) - BACK_SURFACE_OFFSET
    assert np.all(depth[1:-1] > 0)
    assert (np.argmax(depth) < SAMPLES // 2) == bool(thoracic)


def test_an_even_bend_is_a_circular_arc() -> None:
    depth = spine_depth(20.0, 20.0) - BACK_SURFACE_OFFSET  # 40 deg in all
    assert depth.max() == pytest.approx(math.tan(math.radians(40.0) / 4) / 2, rel=0.01)  # sagitta / chord
    assert np.allclose(depth, depth[::-1], atol=1e-3)


def test_an_arched_lower_back_bows_toward_the_front() -> None:
    assert np.all(spine_depth(-20.0, 0.0)[1:-1] < BACK_SURFACE_OFFSET)


def _standing_side_on(facing: float) -> np.ndarray:
    """Pixel landmarks of a trunk upright at x = 100, the face toward +x (facing 1) or -x (-1)."""
    px = np.full((33, 2), np.nan)
    px[INDEX["left_shoulder"]], px[INDEX["left_hip"]] = (100.0, 100.0), (100.0, 300.0)
    px[INDEX["left_ear"]], px[INDEX["nose"]] = (100.0, 60.0), (100.0 + 25.0 * facing, 65.0)
    return px


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_the_curve_runs_from_shoulder_to_hip_on_the_back_side(facing: float) -> None:
    curve = back_curve(_standing_side_on(facing), "left", spine_depth(0.0, 40.0))
    assert curve[0, 1] == pytest.approx(100.0) and curve[-1, 1] == pytest.approx(300.0)
    behind = (curve[:, 0] - 100.0) * -facing  # away from the face
    assert np.all(behind > 0) and behind[SAMPLES // 4] > behind[-1]  # the upper back bulges most


def test_nothing_is_drawn_without_the_head_or_for_a_tiny_trunk() -> None:
    px = _standing_side_on(1.0)
    px[INDEX["nose"]] = np.nan
    assert back_curve(px, "left", spine_depth(0.0, 0.0)) is None
    tiny = _standing_side_on(1.0)
    tiny[INDEX["left_hip"]] = (100.0, 105.0)
    assert back_curve(tiny, "left", spine_depth(0.0, 0.0)) is None


def _deadlift_with_spine(thoracic_deg: float, quality: float):
    """A skeleton deadlift with the estimator's channels: the upper back rounding with the hinge."""
    track, truth = sk.deadlift(reps=2, **realistic(2))
    hinge = np.interp(track.t_ms, *zip(*sorted(
        (t, d) for r in truth.reps for t, d in ((r.start_ms, 0.0), (r.turn_ms, 1.0), (r.end_ms, 0.0)))))
    n = len(track)
    track = with_back_outline(track, truth, rounding_deg=0.0, seed=2)  # the mask traced the back
    track.channels |= {
        "spine_lumbar_flexion_deg": np.full(n, 2.0),
        "spine_thoracic_flexion_deg": thoracic_deg * hinge,
        "spine_pelvic_tilt_deg": 40.0 * hinge,
        "spine_quality": np.full(n, quality),
    }
    return analyse(track, "deadlift"), truth


def test_the_annotated_video_draws_the_estimators_back_where_it_judged_it() -> None:
    analysis, truth = _deadlift_with_spine(35.0, quality=0.9)
    plan = overlay_plan(analysis)
    assert plan.back_flexion is None and plan.spine_bend is not None
    bottom = truth.reps[0].turn_ms
    lumbar, thoracic = plan._blend(plan.spine_bend, bottom)
    assert lumbar == pytest.approx(2.0, abs=0.5) and thoracic == pytest.approx(35.0, abs=3.0)
    size = analysis.track.size
    blank = np.zeros((size[1], size[0], 3), np.uint8)
    rounded = draw_overlay(blank.copy(), bottom, plan, captions=False)
    plan.spine_bend[:] = 0.0
    straight = draw_overlay(blank.copy(), bottom, plan, captions=False)
    assert np.any(rounded != straight), "the drawn back bows with the estimated flexion"


def test_untrusted_angles_draw_no_back() -> None:
    analysis, truth = _deadlift_with_spine(35.0, quality=0.1)
    plan = overlay_plan(analysis)
    assert plan.spine_bend is None or not np.isfinite(plan.spine_bend).any()


def test_the_live_view_draws_the_back_it_is_given() -> None:
    landmarks = _standing_side_on(1.0) / np.array([640.0, 480.0])
    landmarks[np.isnan(landmarks)] = 0.5
    base = LiveState(t_ms=0.0, landmarks=landmarks, visibility=np.ones(33), kind="reps")
    plain = draw_live(np.full((480, 640, 3), 128, np.uint8), base)
    drawn = draw_live(np.full((480, 640, 3), 128, np.uint8), LiveState(
        t_ms=0.0, landmarks=landmarks, visibility=np.ones(33), kind="reps", spine_bend=(5.0, 40.0)))
    behind = np.any(drawn[100:300, 50:99] != plain[100:300, 50:99], axis=2)
    assert behind.any(), "the back is drawn behind the shoulder-hip line"
