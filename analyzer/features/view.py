"""Where the camera stood: the frame's aspect ratio when the source did not say, the body side nearer
the camera, and the camera's yaw (side, front or oblique view)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack

# Yaw (0 = camera looks at the body's side, 90 = at its front) bands.
SIDE_VIEW_MAX_YAW = 30.0
FRONT_VIEW_MIN_YAW = 60.0
# the limb joints whose visibility tells the nearer side
LIMB_JOINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index", "ear")


@dataclass
class ViewEstimate:
    kind: str  # side | front | oblique | unknown
    yaw_deg: float | None
    side: str  # body side nearer the camera: left | right


# Segment lengths relative to the trunk (shoulder to hip), between MediaPipe's
# landmarks rather than anatomical joint centres: the 90th percentile of each
# segment's length in 67 tracks of known frame size (31 real clips, 36 renders
# of varied bodies). MediaPipe's shoulder sits higher than the joint centre, so
# its upper arm is shorter against the trunk than in anthropometric tables
# (Winter: 0.64); with those tables planks came out one camera ratio off.
BODY_SEGMENTS = (
    ("shoulder", "elbow", 0.55),
    ("elbow", "wrist", 0.51),
    ("hip", "knee", 0.785),
    ("knee", "ankle", 0.81),
    ("shoulder", "hip", 1.0),
)
ASPECT_CANDIDATES = np.geomspace(0.3, 3.4, 241)
# Frames come from cameras: an estimate near a common aspect ratio is taken to be it.
COMMON_ASPECTS = (9 / 16, 3 / 4, 1.0, 4 / 3, 16 / 9)
SNAP_TOLERANCE = 0.2  # |log| distance, ~20 %
# The body's proportions often fit a wide band of ratios about as well (a forearm
# plank has one vertical segment); a camera's ratio that fits within this factor
# of the best is taken. On 67 tracks of known size (31 real, 36 rendered) it
# finds the ratio for 64 % (the best fit, snapped: 51 %), every real plank among
# them, with the factor anywhere in 1.5-2; a short piked plank needs 1.55.
COMMON_ASPECT_COST_RATIO = 2.0


def aspect_from_proportions(track: PoseTrack) -> float:
    """Width/height of the frame that makes the body's proportions most human.

    In normalised coordinates a horizontal limb is shrunk or stretched against
    a vertical one by the unknown aspect ratio; the ratio at which upper arm,
    forearm, thigh, shank and trunk keep their proportions is the frame's.
    Two costs, summed: the spread of each segment's longest projection (its
    90th percentile over the frames: a segment turned toward the camera looks
    shorter, never longer) and, at half weight, the spread over every frame's
    lengths, which keeps a body that is all vertical (where the first is flat)
    from drifting to an extreme. A common camera ratio that fits nearly as
    well as the best is preferred (``COMMON_ASPECT_COST_RATIO``).
    """
    segments: list[tuple[np.ndarray, float]] = []
    for side in ("left", "right"):
        for a, b, fraction in BODY_SEGMENTS:
            ia, ib = INDEX[f"{side}_{a}"], INDEX[f"{side}_{b}"]
            seen = (track.visibility[:, ia] >= 0.5) & (track.visibility[:, ib] >= 0.5)
            d = track.image[seen, ib, :2] - track.image[seen, ia, :2]
            d = d[np.isfinite(d).all(axis=1)]
            if len(d) >= 5:
                segments.append((d, fraction))
    if len(segments) < 3:
        return 1.0

    def cost(aspect: float) -> float:
        logs = [np.log(np.hypot(d[:, 0] * aspect, d[:, 1]) / fraction + 1e-12) for d, fraction in segments]
        longest = [np.percentile(v, 90) for v in logs]
        return float(np.var(longest) + 0.5 * np.var(np.concatenate(logs)))

    costs = np.array([cost(a) for a in ASPECT_CANDIDATES])
    common_cost, common = min((cost(a), a) for a in COMMON_ASPECTS)
    if common_cost <= COMMON_ASPECT_COST_RATIO * costs.min():
        return common
    return _snap(float(ASPECT_CANDIDATES[int(np.argmin(costs))]))


def _snap(aspect: float) -> float:
    """The nearest common camera aspect ratio, when the estimate is close to one."""
    nearest = min(COMMON_ASPECTS, key=lambda a: abs(np.log(aspect / a)))
    return nearest if abs(np.log(aspect / nearest)) <= SNAP_TOLERANCE else aspect


def frame_size(track: PoseTrack) -> tuple[float, float]:
    """(width, height) in pixels; when the source did not say, (aspect, 1) scaled to 1000 px high.

    The aspect ratio then comes from the world landmarks (image-plane spans
    against metric ones) or, without them, from the body's proportions.
    """
    if track.size is not None:
        return float(track.size[0]), float(track.size[1])
    if not track.has_world:
        return 1000.0 * aspect_from_proportions(track), 1000.0
    img, wld = track.image[..., :2], track.world[..., :2]
    dx_img = np.abs(img[:, :, 0] - np.nanmean(img[:, :, 0], axis=1, keepdims=True))
    dy_img = np.abs(img[:, :, 1] - np.nanmean(img[:, :, 1], axis=1, keepdims=True))
    dx_w = np.abs(wld[:, :, 0] - np.nanmean(wld[:, :, 0], axis=1, keepdims=True))
    dy_w = np.abs(wld[:, :, 1] - np.nanmean(wld[:, :, 1], axis=1, keepdims=True))
    ratio = (np.nansum(dx_w) / np.nansum(dx_img)) / (np.nansum(dy_w) / np.nansum(dy_img))
    aspect = _snap(float(ratio)) if np.isfinite(ratio) and ratio > 0 else 1.0
    return 1000.0 * aspect, 1000.0  # width / height = aspect


def near_side(track: PoseTrack) -> str:
    """The body side nearer the camera over the whole track (see :func:`nearer_side`)."""
    return nearer_side(track.visibility)


def nearer_side(visibility: np.ndarray) -> str:
    """The body side nearer the camera: higher mean visibility of its limb landmarks, over the frames of a
    (T, 33) array or in one (33,) frame."""
    def mean_vis(side: str) -> float:
        values = visibility[..., [INDEX[f"{side}_{j}"] for j in LIMB_JOINTS]]
        return float(np.nanmean(values)) if np.any(~np.isnan(values)) else 0.0

    return "left" if mean_vis("left") >= mean_vis("right") else "right"


# MediaPipe's image z is in the same units as x (the frame's width) but runs about
# 3.5 times too deep: with x scaled by this, the yaw from image landmarks is within
# 2 deg (median) of the world landmarks' and gives the same view on 65 of 68 tracks.
IMAGE_Z_STRETCH = 3.5


def estimate_view(track: PoseTrack, side: str) -> ViewEstimate:
    """Camera yaw: how much of the shoulder and hip lines face the camera.

    In MediaPipe world coordinates x runs across the image and z into it. The
    left-right axis of the body (shoulder to shoulder, hip to hip) lies along
    z when filmed from the side (yaw 0) and along x from the front (yaw 90).
    Tracks without world landmarks (other tools' CSVs) use the image x and z.
    """
    if track.has_world:
        points, across_scale = track.world, 1.0
    elif np.any(np.nan_to_num(track.image[..., 2]) != 0):
        points, across_scale = track.image, IMAGE_Z_STRETCH
    else:  # x and y only: no depth to tell a side view from a front view
        return ViewEstimate("unknown", None, side)
    yaws = []
    for a, b in (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip")):
        axis = points[:, INDEX[a]] - points[:, INDEX[b]]
        yaws.append(np.degrees(np.arctan2(np.abs(axis[:, 0]) * across_scale, np.abs(axis[:, 2]))))
    stacked = np.stack(yaws)
    counts = np.sum(~np.isnan(stacked), axis=0)
    if not counts.any():
        return ViewEstimate("unknown", None, side)
    yaw = float(np.median(np.nansum(stacked, axis=0)[counts > 0] / counts[counts > 0]))
    kind = "side" if yaw <= SIDE_VIEW_MAX_YAW else "front" if yaw >= FRONT_VIEW_MIN_YAW else "oblique"
    return ViewEstimate(kind, round(yaw, 1), side)
