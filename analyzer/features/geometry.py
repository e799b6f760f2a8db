"""Angles and distances between landmarks, for (T, 2) pixel or (T, 3) world point series.

Pure functions of point arrays, NaN where a point is unknown: the features
(analyzer.features.kinematics) are built from them. Image y points down.
"""

from __future__ import annotations

import numpy as np

from analyzer.landmarks import INDEX


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees (180 = straight), for (..., D) point arrays.

    NaN where A or C coincides with B: a segment of no length has no direction (a degenerate
    track puts every landmark on one point), and NumPy is not asked to warn about it.
    """
    ba, bc = a - b, c - b
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(ba * bc, axis=-1) / (np.linalg.norm(ba, axis=-1) * np.linalg.norm(bc, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def signed_offset_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """180 minus angle ABC, positive when B lies below the line A-C in the image (y down).

    For a plank (A shoulder, B hip, C ankle) positive is sagging, negative
    piking; for a bridge (A shoulder, B hip, C knee) negative is the hip
    pushed above the line. Measured as the oriented angle at B, wrapped into
    [-180, 180) around a straight line, and signed by which way A->C points in
    the clip as a whole (not frame by frame): it runs continuously through any
    bend and only wraps when the body folds right back on itself. Deciding
    "below" per frame from A->C flipped the sign whenever that line stood
    near vertical (a bridge filmed close up read -166 and +179 on
    neighbouring frames).
    """
    ba, bc = a - b, c - b
    cross = ba[..., 0] * bc[..., 1] - ba[..., 1] * bc[..., 0]
    dot = ba[..., 0] * bc[..., 0] + ba[..., 1] * bc[..., 1]
    deviation = np.mod(np.degrees(np.arctan2(cross, dot)), 360.0) - 180.0
    return -deviation * _rightward(c - a)


def _rightward(direction: np.ndarray) -> float | np.ndarray:
    """+1 when ``direction`` (T, 2) points to +x over the clip (the median of the frames where it is
    more level than steep), -1 to -x; per frame where no frame is level enough to tell."""
    dx, dy = direction[..., 0], direction[..., 1]
    with np.errstate(invalid="ignore"):
        level = np.isfinite(dx) & (np.abs(dx) >= np.abs(dy))
    if direction.ndim == 2 and level.any():
        return 1.0 if float(np.median(dx[level])) >= 0 else -1.0
    return np.where(np.sign(dx) == 0, 1.0, np.sign(dx))


def inclination_from_vertical(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Angle of the segment lower->upper from straight up, degrees (0 upright, 90 level)."""
    d = upper - lower
    return np.degrees(np.arctan2(np.abs(d[..., 0]), -d[..., 1]))


def width_ratio(xy: np.ndarray, top: str, bottom: str) -> np.ndarray:
    """Gap between the left and right ``top`` landmarks over that between the ``bottom`` ones (x only);
    NaN, not infinity, where the bottom ones are at the very same x."""
    gap = {j: np.abs(xy[:, INDEX[f"left_{j}"], 0] - xy[:, INDEX[f"right_{j}"], 0]) for j in (top, bottom)}
    return np.divide(gap[top], gap[bottom], out=np.full(len(xy), np.nan), where=gap[bottom] > 0)


def gap_to_leg(point: np.ndarray, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Horizontal offset (px) of ``point`` from the leg (thigh or shin) at the point's own height.

    Where the bar or the hands are relative to the legs in a deadlift: on the
    shins or thighs is near zero. NaN when the point is above the hip or
    below the ankle.
    """
    gap = np.full(len(point), np.nan)
    for upper, lower in ((hip, knee), (knee, ankle)):
        dy = lower[:, 1] - upper[:, 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (point[:, 1] - upper[:, 1]) / dy
        inside = (s >= 0) & (s <= 1) & np.isnan(gap)
        leg_x = upper[:, 0] + s * (lower[:, 0] - upper[:, 0])
        gap[inside] = (point[:, 0] - leg_x)[inside]
    return gap


# A line through the hands and the toes steeper than this is no floor (standing, the hands raised).
FLOOR_MAX_TILT_DEG = 30.0


def above_floor(point: np.ndarray, wrist: np.ndarray, toes: np.ndarray) -> np.ndarray:
    """Signed distance (px, + up) of ``point`` from the line through the wrist and the toes.

    Face down (plank, push-up, lying prone) the hands and the toes are on the
    floor, so this is the point's height above it, whatever the camera's roll:
    a hip or knee resting on the floor reads its joint centre's ~5-10 cm, a
    plank's hips and knees are carried well above. NaN where the line is
    steeper than ``FLOOR_MAX_TILT_DEG`` (then the hands or the toes are not on
    the floor) or a point is unknown.
    """
    along = toes - wrist
    length = np.linalg.norm(along, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tilt = np.degrees(np.arctan2(np.abs(along[:, 1]), np.abs(along[:, 0])))
        # the line's normal, turned to point up in the image (y runs down)
        normal = np.stack([along[:, 1], -along[:, 0]], axis=-1) * np.where(along[:, 0] >= 0, 1.0, -1.0)[:, None]
        height = np.sum((point - wrist) * normal, axis=-1) / length
    return np.where(tilt <= FLOOR_MAX_TILT_DEG, height, np.nan)


def neck_bend(hip: np.ndarray, shoulder: np.ndarray, ear: np.ndarray, facing: int) -> np.ndarray:
    """Signed angle between the trunk line and the shoulder->ear line (+ = head toward the chest)."""
    trunk = shoulder - hip
    neck = ear - shoulder
    angle = np.degrees(np.arctan2(neck[..., 1], neck[..., 0]) - np.arctan2(trunk[..., 1], trunk[..., 0]))
    angle = (angle + 180.0) % 360.0 - 180.0
    return angle * facing


def lowest_foot_y(xy: np.ndarray) -> np.ndarray:
    """(T,) image y of the lowest of the heels and toes of both feet (y down: the largest), NaN where none
    is known. Only in flight are all four off the floor: on tiptoe the toes stay down, a step keeps one foot
    down (the far foot's points, when unseen, are left out)."""
    ys = xy[:, [INDEX[f"{side}_{part}"] for side in ("left", "right") for part in ("heel", "foot_index")], 1]
    known = np.isfinite(ys)
    return np.where(known.any(axis=1), np.nanmax(np.where(known, ys, -np.inf), axis=1), np.nan)


def turn_deg(world: np.ndarray, joint: str) -> np.ndarray:
    """(T,) how far the left-right ``joint`` line (world landmarks: x across the picture, z into it) has
    turned about the vertical from its mean direction over the clip, deg in [-180, 180): + toward the body's left.
    NaN without world landmarks."""
    across = world[:, INDEX[f"right_{joint}"]] - world[:, INDEX[f"left_{joint}"]]
    direction = np.degrees(np.arctan2(across[:, 2], across[:, 0]))
    known = np.isfinite(direction)
    if not known.any():
        return direction
    centre = np.degrees(np.angle(np.mean(np.exp(1j * np.radians(direction[known])))))
    return (direction - centre + 180.0) % 360.0 - 180.0


def diagonal_reach(xy: np.ndarray) -> np.ndarray:
    """(T,) px: how much higher the left wrist and the right ankle are than the right wrist and the left
    ankle, averaged; + the left arm and right leg lifted.

    Where one pair is unseen (a far limb hidden, seen obliquely) the other stands in for both, scaled by how
    the two compare where both are seen: an arm lifts less far than a leg, and the bare arm made a held
    reach drop by a third whenever the leg's landmark flickered out (a hold read as a string of short ones).
    """
    def y(name: str) -> np.ndarray:
        return xy[:, INDEX[name], 1]

    arm, leg = y("right_wrist") - y("left_wrist"), y("left_ankle") - y("right_ankle")
    both = np.isfinite(arm) & np.isfinite(leg)
    arm_power = float(np.sum(arm[both] ** 2))
    leg_per_arm = float(np.sum(arm[both] * leg[both])) / arm_power if arm_power > 0 else 1.0
    if leg_per_arm <= 0:  # the pairs at odds: no scaling
        leg_per_arm = 1.0
    alone_arm, alone_leg = arm * (1 + leg_per_arm) / 2, leg * (1 + 1 / leg_per_arm) / 2
    return np.where(np.isnan(arm), alone_leg, np.where(np.isnan(leg), alone_arm, (arm + leg) / 2))


def hip_roll(xy: np.ndarray) -> np.ndarray:
    """(T,) deg: the right-to-left hip line's angle above level in the picture, + the left hip higher."""
    left, right = xy[:, INDEX["left_hip"]], xy[:, INDEX["right_hip"]]
    return np.degrees(np.arctan2(right[:, 1] - left[:, 1], np.abs(left[:, 0] - right[:, 0])))


def lifted_leg_rise(xy: np.ndarray) -> np.ndarray:
    """(T,) deg: the hip-to-ankle line of the leg whose ankle is higher, above level (+ ankle above the hip)."""
    rises = []
    for side in ("left", "right"):
        hip, ankle = xy[:, INDEX[f"{side}_hip"]], xy[:, INDEX[f"{side}_ankle"]]
        rises.append(np.degrees(np.arctan2(hip[:, 1] - ankle[:, 1], np.abs(ankle[:, 0] - hip[:, 0]))))
    left_higher = np.nan_to_num(xy[:, INDEX["left_ankle"], 1], nan=np.inf) <= np.nan_to_num(
        xy[:, INDEX["right_ankle"], 1], nan=np.inf
    )
    return np.where(left_higher, rises[0], rises[1])


def kneeling_thigh(xy: np.ndarray) -> np.ndarray:
    """(T,) deg: the thigh of the knee lower in the picture (the one knelt on) from vertical."""
    left, right = xy[:, INDEX["left_knee"]], xy[:, INDEX["right_knee"]]
    left_lower = np.nan_to_num(left[:, 1], nan=-np.inf) >= np.nan_to_num(right[:, 1], nan=-np.inf)
    knee = np.where(left_lower[:, None], left, right)
    hip = np.where(left_lower[:, None], xy[:, INDEX["left_hip"]], xy[:, INDEX["right_hip"]])
    return inclination_from_vertical(knee, hip)


def off_vertical_3d(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """(T,) angle of the segment lower->upper (world points, y down) from straight up, deg (0 upright)."""
    d = upper - lower
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(np.hypot(d[:, 0], d[:, 2]), -d[:, 1]))
