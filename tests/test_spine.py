"""Back shape from the segmentation mask: synthetic side-view torsos with a known bend, and one real frame."""

from __future__ import annotations

import math

import av
import cv2
import mediapipe as mp
import numpy as np
import pytest
from mediapipe.tasks.python import BaseOptions, vision

import analyzer.pose.back_outline as spine
from analyzer.judging.measures import flexion_change
from analyzer.landmarks import INDEX
from analyzer.pose.model import model_path
from analyzer.pose.spine import ChordFrame
from tests.helpers.paths import shared_clip

W, H = 640, 480
CHORD = 200.0


def torso(angle_deg: float, side: int, bend: float, center=(320.0, 240.0)):
    """A side-view trunk whose back bulges by ``bend`` chord lengths (k<0: arched).

    Returns (mask, shoulder, hip, front_vector). ``side`` picks which normal of
    the shoulder->hip chord is the back, so both facing directions are drawn.
    """
    u = np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))])
    back = side * np.array([-u[1], u[0]])
    s = np.asarray(center) - 0.5 * CHORD * u
    t = np.linspace(-0.2, 1.35, 80)
    d_back = 0.25 + bend * 4 * t * (1 - t)
    outline = [s + CHORD * (ti * u + di * back) for ti, di in zip(t, d_back)]
    outline += [s + CHORD * (ti * u - 0.3 * back) for ti in t[::-1]]
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.round(np.array(outline)).astype(np.int32)], 1)
    return mask.astype(np.float32), tuple(s), tuple(s + CHORD * u), tuple(-back)


ANGLES = (0.0, 45.0, 80.0, 100.0, 180.0 + 45.0)  # plank, hinge, standing (both leans), upside-down hinge


@pytest.mark.parametrize("angle", ANGLES)
@pytest.mark.parametrize("side", (1, -1))
def test_sign_and_monotonic(angle: float, side: int) -> None:
    bends = (-0.06, -0.03, 0.0, 0.03, 0.06)
    res = []
    for k in bends:
        mask, s, h, front = torso(angle, side, k)
        res.append(spine.back_shape(mask, s, h, None, front))
    flex = [r["back_flexion"] for r in res]
    bend = [r["back_bend_deg"] for r in res]
    assert all(r["quality"] > 0.9 for r in res)
    assert np.all(np.diff(flex) > 0), flex
    assert np.all(np.diff(bend) > 0), bend
    assert flex[0] < -0.02 and flex[-1] > 0.02 and abs(flex[2]) < 0.01
    assert bend[0] < -5 and bend[-1] > 5 and abs(bend[2]) < 2


@pytest.mark.parametrize("angle", (45.0, 80.0))
def test_hollow_is_the_lordosis(angle: float) -> None:
    """An arched back has a hollow that deepens with the arch; a straight or rounded one has none."""
    hollow = []
    for k in (-0.06, -0.03, 0.0, 0.03):
        mask, s, h, front = torso(angle, 1, k)
        hollow.append(spine.back_shape(mask, s, h, None, front)["back_hollow_deg"])
    assert hollow[0] > hollow[1] > 10.0
    assert hollow[2] < 3.0 and hollow[3] < 3.0  # pixel steps only


def test_flexion_change_needs_bend_and_hollow_to_agree() -> None:
    """The rep value is the smaller of the bend's rise and the hollow's loss, frame by frame."""
    from types import SimpleNamespace

    n = 10
    series = {
        "img_back_bend_deg": np.r_[np.zeros(5), np.full(5, 30.0)],   # bend rises by 30 at the bottom
        "img_back_hollow_deg": np.r_[np.full(5, 20.0), np.full(5, 8.0)],  # hollow loses 12
        "img_quality": np.ones(n),
    }
    ctx = SimpleNamespace(features=_Series(series), t_ms=np.arange(n) * 1000 / 30)  # 30 fps: 100 ms is 3 frames
    frames = lambda c, rep: (np.arange(5, 10), np.arange(0, 5))  # noqa: E731  (judged, reference)
    assert flexion_change(frames, 0.5)(ctx, None).value == pytest.approx(12.0)
    del series["img_back_hollow_deg"]  # an older track: the bend alone
    assert flexion_change(frames, 0.5)(ctx, None).value == pytest.approx(30.0)
    series["img_quality"][5:8] = 0.2  # too few good frames at the bottom: not judged
    assert flexion_change(frames, 0.5)(ctx, None) is None


class _Series:
    def __init__(self, series: dict[str, np.ndarray]) -> None:
        self.series = series

    def __getitem__(self, name: str) -> np.ndarray:
        return self.series[name]


def test_integer_facing() -> None:
    # Standing (chord near vertical): +-1 for "chest toward +-x" decides.
    mask, s, h, front = torso(80.0, 1, 0.05)
    r = spine.back_shape(mask, s, h, None, int(np.sign(front[0])))
    assert r["back_flexion"] > 0.02
    wrong = spine.back_shape(mask, s, h, None, -int(np.sign(front[0])))
    assert not wrong["back_flexion"] > 0.02  # the chest side is not the back
    # Horizontal chord: the x-sign cannot say up or down.
    mask, s, h, _ = torso(0.0, 1, 0.05)
    assert math.isnan(spine.back_shape(mask, s, h, None, 1)["back_flexion"])


def test_knee_decides_when_facing_is_ambiguous() -> None:
    mask, s, h, front = torso(0.0, 1, 0.05)
    knee = tuple(np.asarray(h) + 0.8 * CHORD * np.asarray(front))  # thigh flexed to the front
    assert spine.back_shape(mask, s, h, knee, 1)["back_flexion"] > 0.02


@pytest.mark.parametrize("k", (-0.05, 0.05))
def test_noise_and_bar_do_not_flip_sign(k: float) -> None:
    rng = np.random.default_rng(0)
    for angle in (0.0, 45.0, 80.0):
        mask, s, h, front = torso(angle, 1, k)
        noisy = mask.copy()
        flip = rng.random(mask.shape) < 0.02
        noisy[flip] = 1.0 - noisy[flip]
        noisy = cv2.GaussianBlur(noisy, (3, 3), 0)
        # A barbell across the upper back and an arm hanging behind the lower back.
        u = (np.asarray(h) - s) / CHORD
        back = -np.asarray(front)
        bar = np.asarray(s) + CHORD * (0.08 * u + 0.27 * back)
        cv2.circle(noisy, tuple(np.round(bar).astype(int)), 8, 1.0, -1)  # bar + hands, ~4 cm
        arm0 = np.asarray(s) + CHORD * (0.6 * u + 0.45 * back)
        cv2.line(noisy, tuple(np.round(arm0).astype(int)),
                 tuple(np.round(arm0 + 0.5 * CHORD * u).astype(int)), 1.0, 10)
        r = spine.back_shape(noisy, s, h, None, front)
        assert np.sign(r["back_flexion"]) == np.sign(k), (angle, r)
        assert np.sign(r["back_bend_deg"]) == np.sign(k), (angle, r)


def test_not_measurable_is_nan() -> None:
    mask, s, h, front = torso(45.0, 1, 0.0)
    assert all(math.isnan(v) for v in spine.back_shape(np.zeros_like(mask), s, h, None, front).values())
    tiny = spine.back_shape(mask, s, (s[0] + 10, s[1] + 10), None, front)
    assert math.isnan(tiny["quality"])
    off = spine.back_shape(mask, (-50.0, 10.0), h, None, front)
    assert math.isnan(off["back_flexion"])
    assert math.isnan(spine.back_shape(mask, s, h, None, 0)["back_flexion"])  # facing the camera
    assert set(spine.back_shape(mask, s, h, None, front)) == set(spine.KEYS)


def test_uint8_mask_and_channel_axis() -> None:
    mask, s, h, front = torso(45.0, -1, 0.04)
    a = spine.back_shape(mask, s, h, None, front)
    b = spine.back_shape((mask * 255).astype(np.uint8)[..., None], s, h, None, front)
    assert a["back_flexion"] == pytest.approx(b["back_flexion"], abs=1e-3)


@pytest.mark.parametrize("angle", ANGLES)
@pytest.mark.parametrize("side", (1, -1))
def test_the_chord_grid_holds_the_trunk_in_its_own_frame(angle: float, side: int) -> None:
    """Rows run from the shoulder down the chord, columns across it toward the back, whatever the trunk's tilt
    and facing: a straight back fills the cells between its front (-0.3) and back (0.25) only, and a rounded
    one (0.08 chord lengths out at mid-chord) reaches further out in the middle rows only."""
    t, d = spine.GRID_T[:, None], spine.GRID_D[None, :]
    along = (t >= 0.0) & (t <= 1.2)
    for bend in (0.0, 0.08):
        mask, s, h, _ = torso(angle, side, bend)
        u = (np.asarray(h) - np.asarray(s)) / CHORD
        frame = ChordFrame(np.asarray(s), u, side * np.array([-u[1], u[0]]), CHORD, "left", 0.0)
        grid = spine.chord_grid(mask, frame)
        assert grid.shape == (len(spine.GRID_T), len(spine.GRID_D))
        back_edge = 0.25 + bend * 4 * t * (1 - t)
        inside = np.broadcast_to(along & (d > -0.25) & (d < back_edge - 0.03), grid.shape)
        outside = np.broadcast_to(along & ((d < -0.35) | (d > back_edge + 0.03)), grid.shape)
        assert grid[inside].min() > 0.95 and grid[outside].max() < 0.05
    assert grid[np.searchsorted(spine.GRID_T, 0.5), np.searchsorted(spine.GRID_D, 0.3)] > 0.95  # the bulge


@pytest.mark.parametrize("inside_share", (0.2, 0.5, 0.8))
def test_a_chord_grid_cell_holds_where_the_edge_crosses_it(inside_share: float) -> None:
    """A cell is the share of it inside the body, so an edge's place within a 0.05-chord cell survives: a
    straight back whose edge lies partway across one column fills that column by that share, the columns
    before it fully and the ones past it not at all, and a soft (blurred) edge reads as a sharp one."""
    column = int(np.searchsorted(spine.GRID_D, 0.1))
    edge = spine.GRID_D[column] - spine.GRID_STEP / 2 + inside_share * spine.GRID_STEP
    mask, s, h, _ = torso(45.0, 1, 0.0)
    u = (np.asarray(h) - np.asarray(s)) / CHORD
    back = np.array([-u[1], u[0]])
    yy, xx = np.mgrid[0:H, 0:W]
    across = ((xx - s[0]) * back[0] + (yy - s[1]) * back[1]) / CHORD
    sharp = (mask > 0.5) & (across < edge)  # the torso's back cut off partway across the column
    soft = cv2.GaussianBlur(sharp.astype(np.float32), (0, 0), 2.0)
    frame = ChordFrame(np.asarray(s), u, back, CHORD, "left", 0.0)
    rows = (spine.GRID_T >= 0.1) & (spine.GRID_T <= 1.1)
    for picture in (sharp.astype(np.float32), soft):
        grid = spine.chord_grid(picture, frame)[rows]
        assert grid[:, column] == pytest.approx(inside_share, abs=0.05)
        assert grid[:, column - 1].min() > 0.95 and grid[:, column + 1].max() < 0.05


def _landmarks(s, h, front, spread: float) -> np.ndarray:
    xy = np.full((33, 2), np.nan)
    s, h, f = np.asarray(s), np.asarray(h), np.asarray(front)
    f = f / np.hypot(*f)
    u = (h - s) / CHORD
    for side, off in (("left", 0.0), ("right", spread)):
        xy[INDEX[f"{side}_shoulder"]] = s + off * CHORD * f
        xy[INDEX[f"{side}_hip"]] = h + off * CHORD * f
        xy[INDEX[f"{side}_knee"]] = h + 0.9 * CHORD * u
    xy[INDEX["left_ear"]] = s - 0.3 * CHORD * u
    xy[INDEX["nose"]] = xy[INDEX["left_ear"]] + 0.1 * CHORD * f
    return xy


def test_from_landmarks_side_and_frontal() -> None:
    mask, s, h, front = torso(0.0, -1, 0.05)  # plank, back up
    vis = np.zeros(33)
    vis[[INDEX["left_shoulder"], INDEX["left_hip"], INDEX["left_knee"]]] = 1.0
    side = spine.back_shape_from_landmarks(mask, _landmarks(s, h, front, 0.05), vis)
    assert side["back_flexion"] > 0.02 and side["quality"] > 0.8
    # Shoulders a whole shoulder-width apart: seen from the front, the outline is the flank.
    frontal = spine.back_shape_from_landmarks(mask, _landmarks(s, h, front, 0.8), vis)
    assert all(math.isnan(v) for v in frontal.values())


@pytest.mark.clips
def test_real_deadlift_frames() -> None:
    """Hinge and standing frames of an instructional (neutral-spine) deadlift: the back is found
    with high quality and its shape barely changes, as a neutral spine should."""
    clip = shared_clip("formfit__deadlift.mp4")
    wanted = {0.1: None, 2.6: None, 5.0: None}  # hinge, standing, hinge (seconds)
    with av.open(str(clip)) as container:
        for frame in container.decode(container.streams.video[0]):
            for t in wanted:
                if wanted[t] is None and frame.time >= t:
                    wanted[t] = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
            if all(v is not None for v in wanted.values()):
                break
    opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model_path("full"))),
                                        running_mode=vision.RunningMode.IMAGE,
                                        output_segmentation_masks=True)
    out = {}
    with vision.PoseLandmarker.create_from_options(opts) as landmarker:
        for t, rgb in wanted.items():
            res = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
            assert res.pose_landmarks, f"no person at {t}s"
            h, w = rgb.shape[:2]
            lm = res.pose_landmarks[0]
            xy = np.array([[p.x * w, p.y * h] for p in lm])
            vis = np.array([p.visibility for p in lm])
            out[t] = spine.back_shape_from_landmarks(res.segmentation_masks[0].numpy_view(), xy, vis)
    for t, r in out.items():
        assert r["quality"] > 0.6, (t, r)
        assert all(math.isfinite(r[k]) for k in spine.KEYS), (t, r)
        assert abs(r["back_flexion"]) < 0.1, (t, r)  # neither strongly rounded nor arched
    flex = [r["back_flexion"] for r in out.values()]
    assert max(flex) - min(flex) < 0.04, out
