"""Skeleton programs for whole-body, dynamic exercises: burpees and vertical jumps.

Why: their faults (hips sagging in a burpee's plank, a stiff landing) live in moments a fraction of a
second long, between phases the static programs of tests.helpers.skeleton never reach: the feet jumping
back under planted hands, the body in flight. Same lab frame, body, camera and noise as there.

The motion is keyframed: a few whole-body poses, each reached from the last over its own time, with
what touches the floor kept on it (the toes standing, the hands in the plank). The flight is ballistic:
the body leaves the floor at the speed its push gives it and comes back down under gravity, the push
and the landing's absorption starting and ending at the flight's speed (no jolt in the hips' path).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack
from tests.helpers.skeleton import (
    WRIST_ON_FLOOR,
    GroundTruth,
    Pose,
    Rep,
    Setup,
    _bend_for,
    _bisect,
    _finish,
    _prepare,
    _tip_until,
    forward_kinematics,
    hip_line_deviation_deg,
    mid,
    min_jerk,
    place,
)

GRAVITY = 9.81
# A clean burpee, standing to standing (the articles: slow enough to keep form).
BURPEE_S = 3.0
# Share of a burpee's time (less any flight) in each move: down to the hands, feet back, plank, feet in, up.
BURPEE_MOVES = (0.22, 0.16, 0.2, 0.16, 0.26)


@dataclass(frozen=True)
class _Key:
    """One keyframe: the pose reached, the seconds taken to reach it, how progress runs (``ease``:
    min-jerk from rest to rest; ``push``: from rest to full speed; ``catch``: from full speed to rest),
    and what is planted on the floor meanwhile (``toes`` or ``hands``)."""

    pose: Pose
    seconds: float
    ease: str = "min_jerk"
    anchor: str = "toes"


def _progress(tau: np.ndarray, ease: str) -> np.ndarray:
    if ease == "push":  # speeding up to the end: a take-off
        return 1.0 - np.cos(np.pi / 2 * tau)
    if ease == "catch":  # slowing down from the start: a landing absorbing the fall
        return np.sin(np.pi / 2 * tau)
    return min_jerk(tau)


def _play(start: Pose, keys: list[_Key], fps: float) -> tuple[np.ndarray, Pose, np.ndarray, np.ndarray]:
    """Frame times, the pose per frame, the index of the keyframe being approached (-1 before the first),
    and the progress toward it (0..1)."""
    ends = np.cumsum([k.seconds for k in keys])
    t = np.arange(int(round(ends[-1] * fps))) / fps
    k = np.minimum(np.searchsorted(ends, t, side="right"), len(keys) - 1)
    begins = ends - [key.seconds for key in keys]
    tau = np.clip((t - begins[k]) / np.maximum([key.seconds for key in keys], 1e-9)[k], 0.0, 1.0)
    names = [f.name for f in fields(Pose)]
    before = [start, *(key.pose for key in keys[:-1])]
    values = {n: np.empty_like(t) for n in names}
    for i, key in enumerate(keys):
        here = k == i
        w = _progress(tau[here], key.ease)
        for n in names:
            a, b = float(np.ravel(getattr(before[i], n))[0]), float(np.ravel(getattr(key.pose, n))[0])
            values[n][here] = a + (b - a) * w
    return t, Pose(**values), k, tau


def _ballistic(tau: np.ndarray, flight_s: float) -> np.ndarray:
    """Height (m) of a body thrown up at the speed that keeps it ``flight_s`` in the air, ``tau`` of the
    way through the flight: g t (T - t) / 2."""
    t = tau * flight_s
    return GRAVITY / 2 * t * (flight_s - t)


def _scalar(pose: Pose) -> Pose:
    """The first frame of a pose, as a one-frame pose (keyframes are single poses)."""
    return Pose(**{f.name: float(np.ravel(getattr(pose, f.name))[0]) for f in fields(Pose)})


# -- burpee ----------------------------------------------------------------------------------------
def _hands_down(body: Any) -> Pose:
    """The squat with the hands on the floor: thighs past parallel, heels down, the trunk leaning until the
    straight arms, slanting 15 deg forward, reach the floor (toes at x = 0)."""
    squat = Pose(shank_deg=30.0, knee_deg=140.0, hand_deg=90.0, arm_deg=15.0, forearm_deg=15.0)

    def wrist_y(trunk: np.ndarray) -> np.ndarray:
        pts = place(forward_kinematics(squat.with_(trunk_deg=trunk), body), "foot_index")
        return pts[:, INDEX["left_wrist"], 1]

    trunk = _bisect(wrist_y, WRIST_ON_FLOOR * body.height, 20.0, 89.0, 1)
    return squat.with_(trunk_deg=trunk)


def _straight_arm_plank(body: Any, sag_deg: float) -> Pose:
    """A straight-arm plank, hands under the shoulders, the hips ``sag_deg`` below the shoulder-ankle line."""
    shape = Pose(foot_deg=10.0, hand_deg=90.0)
    shape = shape.with_(**_bend_for(np.array([sag_deg]), shape, body))
    top = WRIST_ON_FLOOR * body.height + body.m("upper_arm") + body.m("forearm")
    pose, _ = _tip_until(shape, body, top)
    return _scalar(pose.with_(arm_deg=0.0, forearm_deg=0.0))


# The feet jumping back to the plank and in again clear the floor by this much at the top of their hop.
FEET_HOP_M = 0.08


def _pivot_on_hands(pose: Pose, body: Any, hands_x: float, toes_y: np.ndarray) -> np.ndarray:
    """Lab points of ``pose`` with the hands planted at ``hands_x`` on the floor, the whole body turned
    about them (arms as given) until the toes are ``toes_y`` above the floor: the feet travel over the
    floor, never through it, whatever the joints' blend does."""

    def planted(delta: np.ndarray) -> np.ndarray:
        return place(forward_kinematics(pose.tipped(delta), body), "wrist", hands_x, WRIST_ON_FLOOR * body.height)

    delta = _bisect(lambda d: planted(d)[:, INDEX["left_foot_index"], 1], toes_y, -60.0, 60.0, len(pose))
    return planted(delta)


def burpee(
    reps: int = 3,
    plank_sag_deg: float = 0.0,
    duration_s: float = BURPEE_S,
    jump_m: float = 0.0,
    rest_s: float = 0.4,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Burpees, standing to standing: squat down with the hands to the floor, jump the feet back to a
    straight-arm plank, jump them back in, stand up; then ``rest_s`` standing. The hands stay where they
    were planted while the feet move (the body pivots over them).

    ``plank_sag_deg``: the plank's hips that far below the shoulder-ankle line (exact in the landmarks,
    a hip extension with a lumbar arch), growing as the legs go back. ``duration_s``: one whole burpee,
    standing to standing (clean ``BURPEE_S``). ``jump_m``: a jump at the end, arms overhead, the feet this
    high off the floor at its top (part of ``duration_s``).
    """
    setup, rng, body = _prepare(setup, overrides)
    standing = Pose(foot_deg=0.0)
    down, plank = _scalar(_hands_down(body)), _straight_arm_plank(body, plank_sag_deg)
    flight = 2 * math.sqrt(2 * jump_m / GRAVITY)
    moves = [share * (duration_s - flight) for share in BURPEE_MOVES]
    keys = [_Key(standing, 1.0)]
    for _ in range(reps):
        keys += [_Key(down, moves[0]), _Key(plank, moves[1], anchor="hands"), _Key(plank, moves[2], anchor="hands"),
                 _Key(down, moves[3], anchor="hands")]
        if jump_m:
            reach = Pose(foot_deg=40.0, arm_deg=170.0, forearm_deg=175.0, hand_deg=180.0)
            keys += [_Key(reach, moves[4] * 0.7, ease="push"), _Key(reach, flight, anchor="air"),
                     _Key(standing, moves[4] * 0.3, ease="catch")]
        else:
            keys.append(_Key(standing, moves[4]))
        keys.append(_Key(standing, rest_s))
    per_rep = (len(keys) - 1) // max(reps, 1)
    keys[-1] = _Key(standing, 1.0)
    t, pose, k, tau = _play(standing, keys, setup.fps)
    hands_x = place(forward_kinematics(down, body), "foot_index")[0, INDEX["left_wrist"], 0]
    anchors = np.array([key.anchor for key in keys])[k]
    on_hands = anchors == "hands"
    moving_feet = on_hands & np.array([key.pose is not keys[i - 1].pose for i, key in enumerate(keys)])[k]
    hop = np.where(moving_feet, FEET_HOP_M * np.sin(np.pi * tau), 0.0)[on_hands]
    on_hands_pose = _pivot_on_hands(Pose(**{f.name: getattr(pose, f.name)[on_hands] for f in fields(Pose)}),
                                    body, hands_x, hop)
    lab = forward_kinematics(pose, body)
    lab[on_hands] = on_hands_pose
    in_air = anchors == "air"
    lab[~on_hands] = place(lab[~on_hands], "foot_index", 0.0, np.where(in_air, _ballistic(tau, flight), 0.0)[~on_hands])

    # the plank's share of the pose: its sag grows as the legs go back and goes as they come in
    is_plank = np.array([key.pose is plank for key in keys])
    was_plank = np.concatenate([[False], is_plank[:-1]])
    envelope = np.select(
        [is_plank[k] & was_plank[k], is_plank[k], was_plank[k]], [np.ones_like(tau), min_jerk(tau), 1 - min_jerk(tau)], 0.0
    )
    ends = np.cumsum([key.seconds for key in keys]) * 1000
    rep_list = []
    for r in range(reps):
        first = 1 + r * per_rep  # the key that leaves standing; the rep ends back standing, before the rest
        rep_list.append(Rep(float(ends[first - 1]), float((ends[first + 1] + ends[first + 2]) / 2),
                            float(ends[first + per_rep - 2])))
    planks = envelope > 0.99
    measures = {
        "plank_sag_deg": float(np.median(hip_line_deviation_deg(lab)[planks])) if planks.any() else math.nan,
        "duration_s": duration_s,
        "hands_x_m": hands_x,
    }
    errors = [
        ("burpee.plank_hip_sag", plank_sag_deg, "deg", envelope),
        ("burpee.too_fast", max(0.0, BURPEE_S - duration_s), "s", np.ones(len(t))),
    ]
    return _finish("burpee", lab, t, setup, rng, body, rep_list, errors, measures)


# -- vertical jump ---------------------------------------------------------------------------------
def jump(
    reps: int = 3,
    height_m: float = 0.3,
    landing_knee_deg: float = 60.0,
    dip_knee_deg: float = 85.0,
    pause_s: float = 0.0,
    rest_s: float = 1.2,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Vertical jumps from standing, arms swinging: dip (knees bent ``dip_knee_deg``, arms back), push up
    onto the toes and off the floor, fly ``height_m`` high (the toes' clearance at the top), land on the
    toes and let the heels and knees give, then stand up and rest ``rest_s``.

    ``landing_knee_deg``: the knees' flexion at the bottom of the landing, reached in the landing's first
    ~0.1-0.3 s (60: soft; 10: locked knees, a stiff landing). ``pause_s``: a hold at the bottom of the dip
    (a squat jump, no countermovement; 0: a countermovement jump). The push starts from rest and ends at
    the take-off speed, the landing's give starts at the touchdown speed: the hips' path has no jolt.
    """
    setup, rng, body = _prepare(setup, overrides)
    standing = Pose(foot_deg=0.0)
    dip = Pose(shank_deg=0.35 * dip_knee_deg, knee_deg=dip_knee_deg, trunk_deg=0.45 * dip_knee_deg,
               arm_deg=-45.0, forearm_deg=-40.0, hand_deg=-40.0)
    takeoff = Pose(foot_deg=45.0, trunk_deg=5.0, arm_deg=150.0, forearm_deg=155.0, hand_deg=160.0)
    landed = Pose(shank_deg=0.35 * landing_knee_deg, knee_deg=landing_knee_deg, trunk_deg=0.45 * landing_knee_deg,
                  arm_deg=45.0, forearm_deg=50.0, hand_deg=50.0)
    speed = math.sqrt(2 * GRAVITY * height_m)
    flight = 2 * speed / GRAVITY

    def hip_travel(a: Pose, b: Pose) -> float:  # how far the hips rise from a to b, toes on the floor
        pts = [place(forward_kinematics(p, body), "foot_index") for p in (a, b)]
        return float(mid(pts[1], "hip")[0, 1] - mid(pts[0], "hip")[0, 1])

    # a sine-shaped push (or give) covering ``travel`` ends (or starts) at speed pi/2 * travel / seconds
    push_s = float(np.clip(math.pi / 2 * hip_travel(dip, takeoff) / speed, 0.15, 0.5))
    give_s = float(np.clip(math.pi / 2 * -hip_travel(takeoff, landed) / speed, 0.08, 0.3))
    keys = [_Key(standing, 1.0)]
    for _ in range(reps):
        keys += [_Key(dip, 0.5), _Key(dip, pause_s), _Key(takeoff, push_s, ease="push"),
                 _Key(takeoff, flight, anchor="air"), _Key(landed, give_s, ease="catch"), _Key(standing, 0.7),
                 _Key(standing, rest_s)]
    keys[-1] = _Key(standing, 1.0)
    t, pose, k, tau = _play(standing, keys, setup.fps)
    in_air = np.array([key.anchor for key in keys])[k] == "air"
    lift = np.where(in_air, _ballistic(tau, flight), 0.0)
    lab = place(forward_kinematics(pose, body), "foot_index", 0.0, lift)
    ends = np.cumsum([key.seconds for key in keys]) * 1000
    per_rep = 7
    rep_list = []
    for r in range(reps):
        fly = 4 + r * per_rep  # the flight's key: take-off at its start, touchdown at its end
        rep_list.append(Rep(float(ends[fly - 1]), float((ends[fly - 1] + ends[fly]) / 2), float(ends[fly])))
    landing = np.array([key.pose is landed for key in keys])[k]
    envelope = np.where(landing, 1.0, 0.0)
    measures = {
        "flight_s": flight,
        "takeoff_speed_mps": speed,
        "landing_knee_deg": landing_knee_deg,
        "give_s": give_s,
        "push_s": push_s,
    }
    stiffness = max(0.0, 45.0 - landing_knee_deg)  # short of a soft landing's 45 deg of knee bend
    errors = [("jump.stiff_landing", stiffness, "deg", envelope)]
    return _finish("jump", lab, t, setup, rng, body, rep_list, errors, measures)
