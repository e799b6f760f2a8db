"""Skeleton programs for two standing mobility exercises: the torso twist and the toe touch.

Built on tests.helpers.skeleton (its body, kinematics, timing, camera and noise), with the same lab frame:
x anterior, y up, z to the athlete's right.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from analyzer.landmarks import INDEX, LANDMARK_NAMES
from analyzer.track import PoseTrack
from tests.helpers.skeleton import (
    GroundTruth,
    Pose,
    Rep,
    Setup,
    _bisect,
    _finish,
    _hurry,
    _prepare,
    _split,
    _timeline,
    forward_kinematics,
    mid,
    min_jerk,
    place,
    trunk_lean_deg,
)

# A controlled twist turns the shoulders at about this peak speed (deg/s), the pace instructional clips show.
TWIST_CLEAN_SPEED = 90.0
# Feet planted: the pelvis turns with the shoulders by this share, the knees by this (the rest is the spine's).
PELVIS_SHARE = 0.3
KNEE_SHARE = 0.1
TWIST_END_PAUSE_S = 0.3
TWIST_CENTRE_REST_S = 0.8
# Minimum-jerk motion peaks at 1.875 times its mean speed.
MIN_JERK_PEAK = 1.875
TOE_TOUCH_HALF_S = 1.2


def _turned(points: np.ndarray, centre: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Points (T, K, 3) turned about the vertical through ``centre`` (T, 3) by ``angle_deg`` (T,), + toward
    the body's left (the front, +x, turning toward -z)."""
    a = np.radians(angle_deg)[:, None]
    rel = points - centre[:, None, :]
    x, z = rel[..., 0], rel[..., 2]
    out = rel.copy()
    out[..., 0], out[..., 2] = x * np.cos(a) + z * np.sin(a), -x * np.sin(a) + z * np.cos(a)
    return out + centre[:, None, :]


def _twist_profile(
    reps: int, amplitude_deg: float, peak_speed: float, fps: float
) -> tuple[np.ndarray, np.ndarray, list[Rep]]:
    """Frame times, the shoulders' turn per frame and the reps: facing forward, then per rep a turn to the
    left, across to the right and back to the front (minimum-jerk moves at ``peak_speed`` deg/s at their
    quickest, a short pause at either end), with a rest facing forward between reps."""
    knots: list[tuple[float, float]] = [(0.0, 0.0), (1.0, 0.0)]  # (time s, angle) where each move starts/ends
    reps_s = []
    for r in range(reps):
        start = knots[-1][0]
        moves = []
        for target in (amplitude_deg, -amplitude_deg, 0.0):
            t0, a0 = knots[-1]
            t1 = t0 + MIN_JERK_PEAK * abs(target - a0) / peak_speed
            moves.append((t0, t1))
            knots += [(t1, target)] + ([(t1 + TWIST_END_PAUSE_S, target)] if target else [])
        reps_s.append((start, sum(moves[1]) / 2, knots[-1][0]))  # the turn: crossing the front, left to right
        knots += [(knots[-1][0] + (TWIST_CENTRE_REST_S if r < reps - 1 else 1.0), 0.0)]
    t = np.arange(int(round(knots[-1][0] * fps))) / fps
    angle = np.zeros_like(t)
    for (t0, a0), (t1, a1) in zip(knots, knots[1:]):
        inside = (t >= t0) & (t < t1)
        angle[inside] = a0 + (a1 - a0) * min_jerk((t[inside] - t0) / (t1 - t0))
    return t, angle, [Rep(*(1000.0 * s for s in rep)) for rep in reps_s]


def torso_twist(
    reps: int = 3,
    peak_speed_deg_s: float = TWIST_CLEAN_SPEED,
    amplitude_deg: float = 45.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Standing torso twists, feet planted hip-width, arms held out in front at chest height, hands together.

    Each rep turns the shoulders ``amplitude_deg`` to the left, across to as far to the right and back to
    the front, every move at ``peak_speed_deg_s`` at its quickest (minimum-jerk: quickest through the
    front). The pelvis turns along by `PELVIS_SHARE`, the knees by `KNEE_SHARE`, the feet not at all; the
    head, arms and shoulders turn with the thorax. A camera at yaw 90 films it from the front, 0 from the
    side. Quicker than `TWIST_CLEAN_SPEED` is the fault (in the truth).
    """
    setup, rng, body = _prepare(setup, overrides)
    body = replace(body, grip_half_width=0.03)
    t, turn, rep_list = _twist_profile(reps, amplitude_deg, peak_speed_deg_s, setup.fps)
    pose = Pose(arm_deg=np.full(len(t), 75.0), forearm_deg=95.0, hand_deg=95.0)
    lab = place(forward_kinematics(pose, body), "foot_index")
    centre = mid(lab, "hip")
    share = {"hip": PELVIS_SHARE, "knee": KNEE_SHARE, "ankle": 0.0, "heel": 0.0, "foot_index": 0.0}
    for i, name in enumerate(LANDMARK_NAMES):
        part = _split(name)[0]
        lab[:, i : i + 1] = _turned(lab[:, i : i + 1], centre, share.get(part, 1.0) * turn)
    speed = np.abs(np.gradient(turn, t))
    measures = {"peak_speed_deg_s": float(speed.max()), "amplitude_deg": amplitude_deg}
    errors = [("torso_twist.too_fast", max(0.0, peak_speed_deg_s - TWIST_CLEAN_SPEED), "deg/s", np.ones(len(t)))]
    return _finish("torso_twist", lab, t, setup, rng, body, rep_list, errors, measures)


def toe_touch(
    reps: int = 3,
    speed: float = 1.0,
    spine_flexion_deg: float = 50.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Standing toe touches: from standing tall, arms hanging, bend forward until the fingers reach the toes,
    then stand back up (`TOE_TOUCH_HALF_S` down and up, before ``speed``).

    At the bottom the knees are soft (8 deg), the hips shift back over the heels (shins 5 deg back), the
    spine flexes ``spine_flexion_deg`` (lumbar and thoracic alike), the head hangs (30 deg of neck
    flexion), and the straight arms point at the toes: the hip hinges as far as makes the hands' knuckles
    reach 2 cm above the toes. Unlike a Romanian deadlift (flat back, hands at the shins, head in line),
    the shoulders end well below the hips. ``speed`` above 1 is the tempo fault (in the truth).
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, TOE_TOUCH_HALF_S / speed, 0.6 / speed, TOE_TOUCH_HALF_S / speed, 1.0 / speed)
    bent = Pose(
        shank_deg=-5.0, knee_deg=8.0, lumbar_deg=spine_flexion_deg / 2, thoracic_deg=spine_flexion_deg / 2,
        neck_deg=30.0,
    )
    reach = body.m("upper_arm") + body.m("forearm") + 0.050 * body.height  # shoulder to the knuckles

    def toes_and_shoulder(trunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pts = place(forward_kinematics(bent.with_(trunk_deg=trunk), body), "foot_index")
        toes = pts[:, INDEX["left_foot_index"], :2] + np.array([0.0, 0.02])
        return toes, pts[:, INDEX["left_shoulder"], :2]

    def gap(trunk: np.ndarray) -> np.ndarray:  # shoulder to the toes' top, past the arm's reach
        toes, shoulder = toes_and_shoulder(trunk)
        return np.linalg.norm(shoulder - toes, axis=-1) - reach

    hinge = _bisect(gap, 0.0, 40.0, 140.0, 1)
    toes, shoulder = toes_and_shoulder(hinge)
    point = toes - shoulder
    arm = float(np.degrees(np.arctan2(point[0, 0], -point[0, 1])))
    bottom = bent.with_(trunk_deg=hinge, arm_deg=arm, forearm_deg=arm, hand_deg=arm)
    p = tl.phase()
    lab = place(forward_kinematics(Pose().blend(bottom, p), body), "foot_index")
    turn = int(np.argmax(p))
    measures = {
        "trunk_lean_bottom_deg": trunk_lean_deg(lab)[turn],
        "hinge_deg": float(hinge[0]),
        "shoulder_below_hip_m": float(mid(lab, "hip")[turn, 1] - mid(lab, "shoulder")[turn, 1]),
        "wrist_height_bottom_m": float(lab[turn, INDEX["left_wrist"], 1]),
    }
    halves = (TOE_TOUCH_HALF_S, TOE_TOUCH_HALF_S)
    errors = [("toe_touch.tempo", _hurry(halves, tuple(h / speed for h in halves)), "s", np.ones(len(p)))]
    return _finish("toe_touch", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)
