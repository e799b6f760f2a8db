"""Skeleton tracks of two core exercises on the floor, built on tests.helpers.skeleton (same body, camera,
noise and ground truth): the bird dog, on hands and knees, and the leg raise, lying on the back.

Bird dog: the body kneels with the shins along the floor, the thighs vertical and the arms straight under
the shoulders (the trunk tipped up until the hands reach the floor); one arm swings forward to level while
the other side's leg swings back to level (the hip and the knee extend), is held, and returns; the sides
alternate. Its faults, as they happen on a body: the pelvis rolling about the long axis (the lifted leg's
hip rising, the leg going with it), and the lower back sagging (the pelvis tipping forward about the hip
joints while the lumbar spine extends as much, so the thorax keeps its line and the leg, fixed to the
pelvis, ends above level by that angle).

Leg raise: lying on the back, arms along the sides, the straight legs swing about the hips from the floor
to vertical and back. Its arch is the pelvis tipping forward about the hip joints (L5 rising off the floor)
with the lumbar spine extending and the thorax staying flat on the floor: the landmarks barely move, which
is why the rule reads the spine estimator's channels (given here, when asked for, as a video would).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analyzer.landmarks import INDEX
from tests.helpers.skeleton import (
    HAND,
    SUPINE_JOINT_HEIGHT,
    WRIST_ON_FLOOR,
    Body,
    GroundTruth,
    Pose,
    PoseTrack,
    Setup,
    _bisect,
    _finish,
    _hurry,
    _prepare,
    _rotate_about_x,
    _Timeline,
    _timeline,
    forward_kinematics,
    mid,
    min_jerk,
    place,
)

# The articles: hold the extension about 3 s a side; lower the legs slowly (clean: 2 s from vertical).
BIRD_DOG_HOLD_S = 3.0
LEG_RAISE_LOWER_S = 2.0
LEG_RAISE_RAISE_S = 1.2
# Knee and ankle centres of a shin lying along the floor, x height.
KNEELING_JOINT_HEIGHT = 0.035
# The spine estimator's spread on a frame (deg), as on held-out renders, and a body's own neutral lumbar
# and thoracic angles (a lumbar spine a few degrees arched, the thoracic a little rounded).
SPINE_NOISE_DEG = 4.0
NEUTRAL_LUMBAR_DEG = -6.0
NEUTRAL_THORACIC_DEG = 2.0
ARM_POINTS = ("elbow", "wrist", *HAND)
FOOT_POINTS = ("ankle", "heel", "foot_index")


def _turn_in_plane(points: np.ndarray, centre: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Points (T, K, 3) turned counter-clockwise in the sagittal plane (lab x toward y) about ``centre``
    (T, 3) by ``angle_deg`` (T,); z kept."""
    a = np.radians(angle_deg)[:, None]
    rel = points - centre[:, None, :]
    out = rel.copy()
    out[..., 0] = rel[..., 0] * np.cos(a) - rel[..., 1] * np.sin(a)
    out[..., 1] = rel[..., 0] * np.sin(a) + rel[..., 1] * np.cos(a)
    return out + centre[:, None, :]


def _indices(side: str, parts: tuple[str, ...]) -> list[int]:
    return [INDEX[f"{side}_{part}"] for part in parts]


def _on_all_fours(trunk: Pose, body: Body) -> np.ndarray:
    """Lab points of a body on hands and knees with ``trunk``'s pelvis and spine angles: the trunk tipped
    about the knees until the shoulders stand straight arms above the floor."""
    shoulder_y = WRIST_ON_FLOOR * body.height + body.m("upper_arm") + body.m("forearm")

    def build(lean: np.ndarray) -> np.ndarray:
        pose = trunk.with_(trunk_deg=lean)
        return place(forward_kinematics(pose, body), "ankle", 0.0, KNEELING_JOINT_HEIGHT * body.height)

    lean = _bisect(lambda lean: mid(build(lean), "shoulder")[:, 1], shoulder_y, 40.0, 100.0, len(trunk))
    return build(lean)


def _lift_limbs(
    lab: np.ndarray, arm: str, leg: str, p: np.ndarray, sag_deg: np.ndarray, roll_deg: np.ndarray
) -> np.ndarray:
    """``arm`` forward to level and the ``leg`` back to level, by progress ``p``; the leg ends ``sag_deg``
    above level (the pelvis tipped), its hip raised by a roll of the pelvis about the support hip."""
    out = lab.copy()
    shoulder = lab[:, INDEX[f"{arm}_shoulder"]]
    out[:, _indices(arm, ARM_POINTS)] = _turn_in_plane(lab[:, _indices(arm, ARM_POINTS)], shoulder, 90.0 * p)
    hip, knee = lab[:, INDEX[f"{leg}_hip"]], lab[:, INDEX[f"{leg}_knee"]]
    new_knee = _turn_in_plane(knee[:, None], hip, -(90.0 * p + sag_deg))[:, 0]
    foot = lab[:, _indices(leg, FOOT_POINTS)] + (new_knee - knee)[:, None, :]
    out[:, INDEX[f"{leg}_knee"]] = new_knee
    out[:, _indices(leg, FOOT_POINTS)] = _turn_in_plane(foot, new_knee, -sag_deg)
    support = lab[:, INDEX[f"{arm}_hip"]]  # the other leg's hip: the arm's side kneels
    towards_up = roll_deg if leg == "left" else -roll_deg  # the left side is at -z (skeleton.py)
    new_hip = _rotate_about_x(hip[:, None], support, towards_up)[:, 0]
    out[:, INDEX[f"{leg}_hip"]] = new_hip
    moved = _indices(leg, ("knee", *FOOT_POINTS))
    out[:, moved] += (new_hip - hip)[:, None, :]
    return out


def bird_dog(
    reps: int = 4,
    first_side: str = "left",
    hold_s: float = BIRD_DOG_HOLD_S,
    hip_roll_deg: float = 0.0,
    back_sag_deg: float = 0.0,
    faulty_side: str | None = None,
    reach_s: float = 1.0,
    rest_s: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Bird dogs on hands and knees, the head toward +x (a camera at yaw 90 films from the front, at 0
    from the left side): each rep one arm and the other side's leg reach out over ``reach_s``, are held
    ``hold_s`` and return; ``first_side`` "left" starts with the left arm and the right leg, then the sides
    alternate. ``hip_roll_deg``: the pelvis rolls about the long axis as the limbs extend, the lifted leg's
    hip rising (about the support hip). ``back_sag_deg``: lumbar extension as the limbs extend, the pelvis
    tipping forward by as much (the leg ends that far above level). ``faulty_side``: "left" or "right"
    puts the roll and the sag only into the reps lifting that arm (None: every rep). ``measures`` count the
    reps a side.
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, reach_s, hold_s, reach_s, rest_s)
    p = tl.phase()
    n = len(tl.t_s)
    first = 1 if first_side == "left" else -1
    starts = np.array([rep.start_ms for rep in tl.reps])
    rep_of_frame = np.clip(np.searchsorted(starts, tl.t_s * 1000, side="right") - 1, 0, None)
    side = first * (-1) ** rep_of_frame  # + the left arm and the right leg
    faulty = p if faulty_side is None else p * (side == (1 if faulty_side == "left" else -1))
    sag = back_sag_deg * faulty
    trunk = Pose(
        shank_deg=np.full(n, 90.0), knee_deg=90.0, foot_deg=180.0, pelvic_tilt_deg=-sag, lumbar_deg=-sag,
        arm_deg=0.0, forearm_deg=0.0, hand_deg=90.0,
    )
    lab = _on_all_fours(trunk, body)
    left = side > 0
    lifted = {
        True: _lift_limbs(lab, "left", "right", p, sag, hip_roll_deg * faulty),
        False: _lift_limbs(lab, "right", "left", p, sag, hip_roll_deg * faulty),
    }
    lab = np.where(left[:, None, None], lifted[True], lifted[False])
    sides = [int(side[np.searchsorted(tl.t_s * 1000, rep.turn_ms)]) for rep in tl.reps]
    measures = {
        "hold_s": hold_s,
        "left_arm_reps": sum(s > 0 for s in sides),
        "right_arm_reps": sum(s < 0 for s in sides),
    }
    errors = [
        ("bird_dog.hips_rotate", hip_roll_deg, "deg", faulty),
        ("bird_dog.back_sag", back_sag_deg, "deg", faulty),
        ("bird_dog.short_hold", max(0.0, BIRD_DOG_HOLD_S - hold_s), "s", p),
    ]
    return _finish("bird_dog", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def _arch_envelope(tl: _Timeline, p: np.ndarray, fade_s: float = 0.5) -> np.ndarray:
    """0..1: the arch grows as the legs come down (1 at the floor) and fades over ``fade_s`` of the rest
    after each rep; none before the first."""
    ends = np.array([rep.end_ms / 1000 for rep in tl.reps])
    last = np.searchsorted(ends, tl.t_s, side="right") - 1
    since = tl.t_s - ends[np.clip(last, 0, None)] if len(ends) else np.full(len(p), np.inf)
    fading = np.where((tl.seg == 0) & (last >= 0), 1.0 - min_jerk(since / fade_s), 0.0)
    return np.maximum(np.where(tl.seg == 3, 1.0 - p, 0.0), fading)


def leg_raise(
    reps: int = 3,
    back_arch_deg: float = 0.0,
    lower_s: float = LEG_RAISE_LOWER_S,
    raise_s: float = LEG_RAISE_RAISE_S,
    top_s: float = 0.5,
    rest_s: float = 1.0,
    spine_quality: float | None = None,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Leg raises lying on the back, head toward -x, arms along the sides: the straight legs swing about
    the hips from the floor to vertical in ``raise_s``, pause ``top_s`` and come down in ``lower_s``.

    ``back_arch_deg``: lumbar extension growing as the legs come down (all of it with the legs on the
    floor, fading over the rest after): the pelvis tips forward about the hip joints and the lumbar spine
    extends, the thorax staying flat on the floor (the split between the two found so that the shoulders
    stay down). ``spine_quality``: give the track the spine estimator's channels, as a video analysed with
    the mask would (the true lumbar angle plus the estimator's spread, at this quality); None: a bare pose
    track.
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, raise_s, top_s, lower_s, rest_s)
    p = tl.phase()
    n = len(tl.t_s)
    arch = back_arch_deg * _arch_envelope(tl, p)
    elevation = 90.0 * p
    lying = Pose(
        shank_deg=-90.0 - elevation, knee_deg=0.0, foot_deg=-90.0 - elevation, trunk_deg=np.full(n, -90.0),
        arm_deg=90.0, forearm_deg=90.0, hand_deg=90.0,
    )
    hip_at = SUPINE_JOINT_HEIGHT * body.height

    def build(tilt: np.ndarray) -> np.ndarray:  # the pelvis tipped forward by ``tilt``, the rest of the arch lumbar
        pose = lying.with_(pelvic_tilt_deg=-tilt, lumbar_deg=-arch, thoracic_deg=arch - tilt)
        return place(forward_kinematics(pose, body), "hip", 0.0, hip_at)

    flat = mid(place(forward_kinematics(lying, body), "hip", 0.0, hip_at), "shoulder")[:, 1]
    tilt = _bisect(lambda a: mid(build(a), "shoulder")[:, 1], flat, 0.0, arch, n)
    lab = build(tilt)
    track, truth = _finish(
        "leg_raise", lab, tl.t_s, setup, rng, body, tl.reps,
        [
            ("leg_raise.back_arch", back_arch_deg, "deg", arch / max(back_arch_deg, 1e-9)),
            ("leg_raise.lowering_fast", max(0.0, LEG_RAISE_LOWER_S - lower_s), "s", p),
            ("leg_raise.tempo", _hurry((LEG_RAISE_RAISE_S, LEG_RAISE_LOWER_S), (raise_s, lower_s)), "s", p),
        ],
        {"lower_s": lower_s, "arch_max_deg": float(np.max(arch)), "pelvic_tilt_max_deg": float(np.max(tilt))},
    )
    if spine_quality is not None:
        track.channels = {
            "spine_lumbar_flexion_deg": NEUTRAL_LUMBAR_DEG - arch + rng.normal(0, SPINE_NOISE_DEG, n),
            "spine_thoracic_flexion_deg": NEUTRAL_THORACIC_DEG + arch - tilt + rng.normal(0, SPINE_NOISE_DEG, n),
            "spine_pelvic_tilt_deg": tilt + rng.normal(0, SPINE_NOISE_DEG, n),
            "spine_quality": np.full(n, spine_quality),
        }
    return track, truth
