"""Issue 20's standing and mixed exercises, each with its faults of known size.

Registered into ``EXERCISES`` by exercises.py (import this module through
that one).  The codes and clear magnitudes are the rules' (the shared brief);
error names carry an exercise prefix where a bare name could clash, since
render.py makes one CLI flag per name.

- overhead press, ``press_back_arch`` (deg): lumbar + thoracic extension
  (40 % spine05-04, 60 % spine03-01) as the arms go overhead (0 below 40 % of
  the press, all of it at the top); the pelvis and legs keep still, so the
  trunk leans back.
- bent-over row, hinged 45 deg (the hip-shoulder chord from vertical), knees
  soft, arms from hanging to the hands at the lower ribs.
  ``row_rounded_back`` (deg): lumbar + thoracic flexion (40/60) for the whole
  set, the chord kept at the hinge; ``row_torso_swing`` (deg): the chord rises
  that much with each pull (with the hands' travel, all of it at the top).
- burpee: stand -> squat, hands flat on the floor -> the feet hop back to a
  straight-arm plank -> back to the squat -> stand (no jump at the end).
  ``burpee_hip_sag`` (deg): the trunk-leg angle opens below straight in the
  plank (half lumbar, half hip extension, as the push-up's sag), from 75 % of
  the way down.  ``burpee_duration`` (s): a whole burpee (down, plank, up)
  takes this long instead of 3 s (a speed fault: ``Exercise.timing``).
- jump (scripted, ballistic): still, dip with the arms back, push to the toes
  with the arms up, flight under gravity (0.45 s), touchdown on the toes, the
  landing's knee bend, stand up.  ``landing_bend`` (deg, smaller is worse):
  the knees' flexion at the deepest point after touchdown; 55 when not given
  (soft), ``jump.stiff_landing`` from 15 down.
- torso twist (scripted): per rep the shoulders turn 45 deg left, across to
  45 right and back to the front (minimum-jerk moves, short pauses at either
  end); the pelvis turns 30 % with them, the knees 10 %, the feet stay.
  ``twist_speed`` (deg/s): the shoulders' peak turning speed (90 / tempo when
  not given).
- toe touch: from standing, the spine flexes 50 deg (lumbar and thoracic
  alike), the head hangs, the hips hinge until the straight arms' knuckles
  reach 2 cm above the toes, and back.  ``toe_touch_quick_half`` (s, smaller is worse):
  the way down (to the middle of the short bottom pause) takes this long.
- back extension on a 45 deg hyperextension bench (drawn as boxes: pad, foot
  plate, frame): legs straight and anchored, the trunk from 75 deg below the
  legs' line up to it.  ``back_ext_over_arch`` (deg): it rises that far past
  the legs' line (the hip-shoulder chord exactly; 40 % of it lumbar
  extension, the rest at the hips), from half-way up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np

from tools.synth.exercises import (
    ErrorDef,
    Exercise,
    PoseContext,
    _arms,
    _down,
    _legs,
    _rise,
    _segment,
    _trunk_vector,
    _with_depth,
)
from tools.synth.kinematics import lerp, min_jerk, pitch_of, rx, ry, rz, two_link
from tools.synth.poser import Placed, Poser, Rotations, spine_rotations
from tools.synth.props import Mesh, beam, box

SIDES = (("L", 1.0), ("R", -1.0))
GRAVITY = 9.81
WRIST_ON_FLOOR = 0.035  # wrist head height with the palm flat on the floor (as the push-up's)


# --------------------------------------------------------------------------- helpers
def _leg_points(poser: Poser, shin_fwd: float, thigh_back: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Planar (y, z) hip, knee and ankle from the shin's forward and the thigh's backward tilt (deg)."""
    ankle = np.zeros(2)
    s, t = math.radians(shin_fwd), math.radians(thigh_back)
    knee = ankle + poser.shin * np.array([-math.sin(s), math.cos(s)])
    hip = knee + poser.thigh * np.array([math.sin(t), math.cos(t)])
    return hip, knee, ankle


def _chord_pitch(poser: Poser, lean: float, lumbar: float, thoracic: float) -> float:
    """Pelvis pitch that tips the hip-shoulder chord ``lean`` deg forward of vertical, whatever the bends."""
    chord = np.array([-math.sin(math.radians(lean)), math.cos(math.radians(lean))])
    return pitch_of(chord, _trunk_vector(poser, spine_rotations(0.0, lumbar, thoracic)))


def _mid(placed_heads: np.ndarray, poser: Poser, bone: str) -> np.ndarray:
    """(y, z) of the midpoint of a left/right bone pair's heads."""
    i = poser.body.index
    return ((placed_heads[i[f"{bone}.L"]] + placed_heads[i[f"{bone}.R"]]) / 2)[1:]


def _on_feet(poser: Poser, rot: Rotations, anchor_bone: str = "foot.L") -> Placed:
    return poser.on_floor(poser.skin(rot), np.zeros(2), anchor_bone, "feet")


def _turned(rot: Rotations, r: np.ndarray) -> Rotations:
    """Every world rotation turned by ``r`` (the whole body rigidly, about the root's head)."""
    return {k: r @ v for k, v in rot.items()}


def _blend_rotation(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Rotation a fraction ``t`` of the way from ``a`` to ``b`` (about their relative axis)."""
    rel = a.T @ b
    angle = math.acos(min(max((np.trace(rel) - 1.0) / 2.0, -1.0), 1.0))
    if angle < 1e-6:
        return a
    axis = np.array([rel[2, 1] - rel[1, 2], rel[0, 2] - rel[2, 0], rel[1, 0] - rel[0, 1]]) / (2 * math.sin(angle))
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    step = t * angle
    return a @ (np.eye(3) + math.sin(step) * k + (1 - math.cos(step)) * k @ k)


def _secant(f: Callable[[float], float], x0: float, x1: float, iterations: int = 6, tol: float = 0.002) -> float:
    """Root of ``f`` near x0 (metres of gap per degree unknown in sign and size)."""
    f0 = f(x0)
    if abs(f0) < tol:
        return x0
    for _ in range(iterations):
        f1 = f(x1)
        if abs(f1) < tol or f1 == f0:
            return x1
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
    return x1


def _hermite(u: float, end_slope: float) -> float:
    """0 -> 1 on [0, 1], starting at rest and ending at slope ``end_slope`` (a push that leaves at speed)."""
    u = min(max(u, 0.0), 1.0)
    return (end_slope - 2.0) * u ** 3 + (3.0 - end_slope) * u * u


# --------------------------------------------------------------------------- overhead press
def _overhead_press(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    arch = err.get("press_back_arch", 0.0)
    rot = spine_rotations(0.0, -0.4 * arch, -0.6 * arch)
    # rack: elbows forward-down and out, forearms up, hands at the shoulders; top: arms straight up
    rot.update(_arms(poser, _down(lerp(35.0, 180.0, p)), _down(lerp(170.0, 180.0, p)), lateral=0.28))
    return _on_feet(poser, rot)


# --------------------------------------------------------------------------- bent-over row
ROW_HINGE_DEG = 45.0


def _row(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    flex = err.get("row_rounded_back", 0.0)
    lumbar, thoracic = 0.4 * flex, 0.6 * flex
    lean = ROW_HINGE_DEG - err.get("row_torso_swing", 0.0)
    neck = -25.0 * max(0.0, 1.0 - flex / 20.0)  # gaze ahead-down; a rounding back lets the head drop
    rot = spine_rotations(_chord_pitch(poser, lean, lumbar, thoracic), lumbar, thoracic, neck)
    rot.update(_legs(poser, *_leg_points(poser, shin_fwd=12.0, thigh_back=40.0), np.eye(3)))
    heads = poser.fk_heads(rot)
    shoulder, hip = _mid(heads, poser, "upperarm01"), _mid(heads, poser, "upperleg01")
    trunk = shoulder - hip
    front = np.array([-trunk[1], trunk[0]]) / np.linalg.norm(trunk)  # the belly's side
    hanging = shoulder + np.array([0.0, -0.97 * (poser.upper_arm + poser.forearm)])
    ribs = hip + 0.55 * trunk + 0.12 * front
    hand = hanging + (ribs - hanging) * p
    elbow = two_link(shoulder, hand, poser.upper_arm, poser.forearm, bend=1.0)  # elbows up and back
    rot.update(_arms(poser, elbow - shoulder, hand - elbow, lateral=0.15))
    return _on_feet(poser, rot)


# --------------------------------------------------------------------------- burpee
BURPEE_SQUAT_END = 0.45  # share of the way down spent squatting to the hands; the rest kicks the feet back
BURPEE_REP_S = (1.2, 0.5, 1.3, 0.8)  # a whole burpee (down, plank, up) in 3 s at tempo 1
BURPEE_HOP_M = 0.08  # the feet leave the floor this high while they jump back


@dataclass(frozen=True)
class _Shape:
    """A pose as blendable numbers: spine (deg, spine_rotations), leg segment pitches (rx), arm
    directions (deg forward of straight down) and how flat the palms are (0 hanging, 1 on the floor)."""

    pelvis: float = 0.0
    lumbar: float = 0.0
    thoracic: float = 0.0
    neck: float = 0.0
    thigh: float = 0.0
    shin: float = 0.0
    foot: float = 0.0
    upper: float = 0.0
    fore: float = 0.0
    palms: float = 0.0

    def blend(self, other: _Shape, t: float) -> _Shape:
        return _Shape(**{f.name: lerp(getattr(self, f.name), getattr(other, f.name), t) for f in fields(self)})


def _shape_rotations(poser: Poser, s: _Shape) -> Rotations:
    rot = spine_rotations(s.pelvis, s.lumbar, s.thoracic, s.neck)
    for side, _ in SIDES:
        rot[f"upperleg01.{side}"], rot[f"lowerleg01.{side}"], rot[f"foot.{side}"] = rx(s.thigh), rx(s.shin), rx(s.foot)
    rot.update(_arms(poser, _down(s.upper), _down(s.fore), lateral=0.15))
    for side, sign in SIDES:  # palms down, fingers forward (as the push-up's hands)
        rot[f"wrist.{side}"] = _blend_rotation(rot[f"lowerarm01.{side}"], ry(-90.0 * sign) @ rx(-90.0), s.palms)
    return rot


def _at_wrist(poser: Poser, rot: Rotations, wrist: np.ndarray) -> Placed:
    placed = poser.skin(rot)
    return placed.shifted(wrist - placed.heads[poser.body.index["wrist.L"]])


def _burpee_keys(ctx: PoseContext) -> tuple[_Shape, np.ndarray, _Shape]:
    """Once per body: the squat with the hands flat on the floor, where the left wrist is, and the plank."""
    if "burpee" in ctx.cache:
        return ctx.cache["burpee"]
    poser = ctx.poser
    reach = poser.upper_arm + poser.forearm
    for lean in range(50, 90, 5):  # lean forward until the straight arms reach the floor (or as far as 85)
        pitch = _chord_pitch(poser, lean, 10.0, 10.0)
        squat = _Shape(pelvis=pitch, lumbar=10.0, thoracic=10.0, neck=-15.0, thigh=-105.0, shin=35.0, palms=1.0)
        placed = _on_feet(poser, _shape_rotations(poser, squat))
        drop = placed.heads[poser.body.index["upperarm01.L"], 2] - WRIST_ON_FLOOR
        if drop < reach * math.cos(math.radians(10.0)):
            break
    reach_fwd = math.degrees(math.acos(min(drop / reach, 1.0)))
    squat = replace(squat, upper=reach_fwd, fore=reach_fwd)
    wrist = _on_feet(poser, _shape_rotations(poser, squat)).heads[poser.body.index["wrist.L"]].copy()

    def plank(pitch: float) -> _Shape:
        return _Shape(pelvis=pitch, neck=-10.0, thigh=pitch, shin=pitch, foot=pitch, palms=1.0)

    def toes_gap(pitch: float) -> float:
        return poser.lowest(_at_wrist(poser, _shape_rotations(poser, plank(pitch)), wrist), "feet")

    keys = (squat, wrist, plank(_secant(toes_gap, 70.0, 74.0)))
    ctx.cache["burpee"] = keys
    return keys


def _burpee(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    squat, wrist, plank = _burpee_keys(ctx)
    if p <= BURPEE_SQUAT_END:  # standing -> squat, hands to the floor, feet planted
        return _on_feet(poser, _shape_rotations(poser, _Shape().blend(squat, p / BURPEE_SQUAT_END)))
    q = (p - BURPEE_SQUAT_END) / (1.0 - BURPEE_SQUAT_END)
    sag = err.get("burpee_hip_sag", 0.0)
    hip = plank.thigh + 0.5 * sag  # as the push-up's sag: half lumbar, half hip extension
    sagging = replace(plank, lumbar=-0.5 * sag, thigh=hip, shin=hip, foot=hip)
    shape, legs = squat.blend(sagging, q), squat.blend(sagging, 1.0 - (1.0 - q) ** 2)  # the legs shoot back first
    rot = _shape_rotations(poser, replace(shape, thigh=legs.thigh, shin=legs.shin, foot=legs.foot))
    hop = BURPEE_HOP_M * math.sin(math.pi * q)

    def feet_gap(turn: float) -> float:  # hands planted; the whole body turns about them
        return poser.lowest(_at_wrist(poser, _turned(rot, rx(turn)), wrist), "feet") - hop

    ctx.pitch = _secant(feet_gap, ctx.pitch or 0.0, (ctx.pitch or 0.0) + 1.0)
    return _at_wrist(poser, _turned(rot, rx(ctx.pitch)), wrist)


def _burpee_timing(errors: dict[str, float], tempo: float) -> tuple[float, float, float, float]:
    down, plank, up, rest = (s * tempo for s in BURPEE_REP_S)
    if "burpee_duration" in errors:  # the whole burpee squeezed into the given time
        k = errors["burpee_duration"] / (down + plank + up)
        down, plank, up = down * k, plank * k, up * k
    return down, plank, up, rest


# --------------------------------------------------------------------------- jump
JUMP_SOFT_BEND = 55.0  # a soft landing's knee flexion (deg) when none is given (landmarks read ~5 less)
JUMP_FLIGHT_S = 0.45
JUMP_STEPS = ("still", "dip", "push", "flight", "land", "hold", "recover")


@dataclass(frozen=True)
class _JumpPose:
    knee: float = 0.0  # knee flexion (deg): 45 % shin forward, 55 % thigh back
    foot: float = 0.0  # plantar flexion (deg): the heels up
    lean: float = 0.0  # trunk pitch (deg)
    upper: float = 0.0  # arm directions, deg forward of straight down
    fore: float = 0.0

    def blend(self, other: _JumpPose, t: float) -> _JumpPose:
        return _JumpPose(*(lerp(getattr(self, f.name), getattr(other, f.name), t) for f in fields(self)))


JUMP_STAND = _JumpPose()
JUMP_DIP = _JumpPose(knee=75.0, lean=35.0, upper=-50.0, fore=-45.0)
JUMP_TAKEOFF = _JumpPose(knee=4.0, foot=40.0, lean=5.0, upper=165.0, fore=170.0)


def _jump_landed(bend: float) -> _JumpPose:
    return _JumpPose(knee=bend, lean=0.45 * bend, upper=45.0, fore=60.0)


def _jump_times(bend: float) -> dict[str, float]:
    """Each step's duration (s); a stiffer landing stops the body in a shorter time."""
    return {"still": 0.25, "dip": 0.5, "push": 0.3, "flight": JUMP_FLIGHT_S, "land": 0.1 + 0.004 * bend,
            "hold": 0.15, "recover": 0.7}


def _jump_rotations(poser: Poser, j: _JumpPose) -> Rotations:
    rot = spine_rotations(j.lean, 0.0, 0.0, -0.5 * j.lean)
    rot.update(_legs(poser, *_leg_points(poser, 0.45 * j.knee, 0.55 * j.knee), rx(j.foot)))
    rot.update(_arms(poser, _down(j.upper), _down(j.fore), lateral=0.12))
    return rot


def _jump_placed(ctx: PoseContext, j: _JumpPose) -> Placed:
    """Standing on the balls of the feet (they stay where they are), the lowest foot point on the floor."""
    return _on_feet(ctx.poser, _jump_rotations(ctx.poser, j), "toe3-1.L")


def _hip_height(ctx: PoseContext, j: _JumpPose) -> float:
    key = ("hip", j)
    if key not in ctx.cache:
        ctx.cache[key] = float(_jump_placed(ctx, j).heads[0, 2])
    return ctx.cache[key]


def _jump(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    bend = err.get("landing_bend", JUMP_SOFT_BEND)
    landed = _jump_landed(bend)
    times = _jump_times(bend)
    t = p * sum(times.values())
    v0 = GRAVITY * JUMP_FLIGHT_S / 2.0  # take-off and touchdown speed
    for step in JUMP_STEPS:
        if t < times[step] or step == JUMP_STEPS[-1]:
            break
        t -= times[step]
    u = min(t / times[step], 1.0)
    if step == "still":
        pose = JUMP_STAND
    elif step == "dip":
        pose = JUMP_STAND.blend(JUMP_DIP, min_jerk(u))
    elif step == "push":  # leaves the floor at v0: the hips' speed at the end of the push
        rise = _hip_height(ctx, JUMP_TAKEOFF) - _hip_height(ctx, JUMP_DIP)
        pose = JUMP_DIP.blend(JUMP_TAKEOFF, _hermite(u, min(v0 * times["push"] / rise, 3.0)))
    elif step == "flight":
        tau = u * times["flight"]
        lift = v0 * tau - 0.5 * GRAVITY * tau * tau
        return _jump_placed(ctx, JUMP_TAKEOFF).shifted(np.array([0.0, 0.0, max(lift, 0.0)]))
    elif step == "land":  # touches down at v0 and stops within the knee bend
        drop = _hip_height(ctx, JUMP_TAKEOFF) - _hip_height(ctx, landed)
        pose = JUMP_TAKEOFF.blend(landed, 1.0 - _hermite(1.0 - u, min(v0 * times["land"] / max(drop, 1e-3), 3.0)))
    elif step == "hold":
        pose = landed
    else:
        pose = landed.blend(JUMP_STAND, min_jerk(u))
    return _jump_placed(ctx, pose)


def _jump_timing(errors: dict[str, float], tempo: float) -> tuple[float, float, float, float]:
    """Down to the landing's deepest point, its hold, standing up, the rest (physics: tempo only rests)."""
    times = _jump_times(errors.get("landing_bend", JUMP_SOFT_BEND))
    down = sum(times[s] for s in JUMP_STEPS[:5])
    return down, times["hold"], times["recover"], 1.0 * tempo


# --------------------------------------------------------------------------- torso twist
TWIST_AMPLITUDE_DEG = 45.0
TWIST_CLEAN_SPEED = 90.0  # deg/s, peak
MIN_JERK_PEAK = 1.875  # a minimum-jerk move's peak speed over its mean speed
TWIST_PAUSE = 27.0  # a pause at either end, in deg/(deg/s): 0.3 s at the clean speed, shorter when faster
# (duration in deg per deg/s, target angle): left, pause, across to the right, pause, back to the front
TWIST_MOVES = ((MIN_JERK_PEAK * TWIST_AMPLITUDE_DEG, TWIST_AMPLITUDE_DEG), (TWIST_PAUSE, TWIST_AMPLITUDE_DEG),
               (MIN_JERK_PEAK * 2 * TWIST_AMPLITUDE_DEG, -TWIST_AMPLITUDE_DEG), (TWIST_PAUSE, -TWIST_AMPLITUDE_DEG),
               (MIN_JERK_PEAK * TWIST_AMPLITUDE_DEG, 0.0))
TWIST_LENGTH = sum(d for d, _ in TWIST_MOVES)
# How much of the shoulders' turn each bone has in the room: the pelvis 30 %, the lumbar spine little, the
# thoracic spine the rest.
TWIST_SHARES = {"root": 0.3, "spine05": 0.35, "spine04": 0.4, "spine03": 0.6, "spine02": 0.8, "spine01": 1.0}


def _twist_angle(p: float) -> float:
    """The shoulders' turn (deg, + to the left) a fraction ``p`` through a rep."""
    t, angle = p * TWIST_LENGTH, 0.0
    for duration, target in TWIST_MOVES:
        if t < duration:
            return angle + (target - angle) * min_jerk(t / duration)
        t, angle = t - duration, target
    return angle


def _twist(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    turn = _twist_angle(p)
    rot: Rotations = {bone: rz(share * turn) for bone, share in TWIST_SHARES.items()}
    for side, _ in SIDES:
        rot[f"upperleg01.{side}"] = rot[f"lowerleg01.{side}"] = rz(0.1 * turn)
        rot[f"foot.{side}"] = np.eye(3)
    # arms out in front at chest height, hands together; they turn with the chest
    rot.update(_turned(_arms(poser, _down(88.0), _down(90.0), lateral=-0.42), rz(turn)))
    return _on_feet(poser, rot)


def _twist_timing(errors: dict[str, float], tempo: float) -> tuple[float, float, float, float]:
    speed = errors.get("twist_speed", TWIST_CLEAN_SPEED / tempo)
    half = TWIST_LENGTH / speed / 2.0  # the middle is the turn from left to right crossing the front
    return half, 0.0, half, 0.8 * tempo


# --------------------------------------------------------------------------- toe touch
TOE_TOUCH_REP_S = (1.1, 0.4, 1.3, 0.8)  # the way down to the middle of the pause: 1.3 s at tempo 1
TOE_TOUCH_FLEXION = 50.0  # spine flexion at the bottom (deg), lumbar and thoracic alike


def _toe_touch_rotations(poser: Poser, p: float, pitch: float, reach_fwd: float) -> Rotations:
    half = 0.5 * TOE_TOUCH_FLEXION * p
    rot = spine_rotations(pitch * p, half, half, 30.0 * p)
    rot.update(_legs(poser, *_leg_points(poser, -5.0 * p, 13.0 * p), np.eye(3)))  # soft knees, shins back
    rot.update(_arms(poser, _down(reach_fwd * p), _down(reach_fwd * p), lateral=0.08))
    return rot


def _toe_touch_bottom(ctx: PoseContext) -> tuple[float, float]:
    """Once per body: the hip hinge (deg) and arm angle that put the knuckles 2 cm above the toes."""
    if "toe_touch" in ctx.cache:
        return ctx.cache["toe_touch"]
    poser = ctx.poser
    i = poser.body.index
    reach = poser.upper_arm + poser.forearm + np.linalg.norm(poser.head("finger2-2.L") - poser.head("wrist.L"))

    def shoulder_and_toes(pitch: float) -> tuple[np.ndarray, np.ndarray]:
        heads = poser.fk_heads(_toe_touch_rotations(poser, 1.0, pitch, 0.0))
        lift = poser.ankle_height - heads[i["foot.L"], 2]  # feet flat: the ankle at its standing height
        toes = heads[i["toe3-1.L"], 1:] + np.array([0.0, lift + 0.02])
        return heads[i["upperarm01.L"], 1:] + np.array([0.0, lift]), toes

    lo, hi = 40.0, 170.0
    for _ in range(20):
        mid = (lo + hi) / 2
        shoulder, toes = shoulder_and_toes(mid)
        lo, hi = (mid, hi) if np.linalg.norm(shoulder - toes) > reach else (lo, mid)
    shoulder, toes = shoulder_and_toes(lo)
    d = toes - shoulder
    ctx.cache["toe_touch"] = (lo, math.degrees(math.atan2(-d[0], -d[1])))
    return ctx.cache["toe_touch"]


def _toe_touch(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    pitch, reach_fwd = _toe_touch_bottom(ctx)
    return _on_feet(ctx.poser, _toe_touch_rotations(ctx.poser, p, pitch, reach_fwd))


def _toe_touch_timing(errors: dict[str, float], tempo: float) -> tuple[float, float, float, float]:
    down, pause, up, rest = (s * tempo for s in TOE_TOUCH_REP_S)
    if "toe_touch_quick_half" in errors:  # dropped to the toes: down + half the (short) pause take this long
        quick = errors["toe_touch_quick_half"]
        down, pause = 0.9 * quick, 0.2 * quick
    return down, pause, up, rest


# --------------------------------------------------------------------------- back extension
BENCH_DEG = 45.0  # the legs' line from vertical on a common hyperextension bench
BACK_EXT_BOTTOM_DEG = 75.0  # the hanging trunk's flexion below the legs' line
PAD_COLOUR = (0.13, 0.13, 0.15)
FRAME_COLOUR = (0.55, 0.56, 0.6)


def _back_extension_rotations(poser: Poser, p: float, arch: float) -> Rotations:
    lumbar, thoracic = 8.0 * (1 - p) - 0.4 * arch, 12.0 * (1 - p)  # the hanging back rounds a little
    pelvis = _chord_pitch(poser, BENCH_DEG + BACK_EXT_BOTTOM_DEG * (1 - p) - arch, lumbar, thoracic)
    rot = spine_rotations(pelvis, lumbar, thoracic, neck=-10.0)
    for side, _ in SIDES:
        rot[f"upperleg01.{side}"] = rot[f"lowerleg01.{side}"] = rot[f"foot.{side}"] = rx(BENCH_DEG)
    rot.update(_turned(_folded_arms(poser), rx(pelvis + lumbar + thoracic)))  # turning with the chest
    return rot


def _folded_arms(poser: Poser) -> Rotations:
    """Arms folded on the chest of an upright body: upper arms down the sides, forearms across."""
    out: Rotations = {}
    for side, sign in SIDES:
        upper, fore = np.array([0.1 * sign, -0.3, -0.95]), np.array([-0.85 * sign, -0.45, 0.28])
        out[f"upperarm01.{side}"] = _segment(poser, f"upperarm01.{side}", f"lowerarm01.{side}", upper)
        out[f"lowerarm01.{side}"] = _segment(poser, f"lowerarm01.{side}", f"wrist.{side}", fore)
    return out


def _back_extension(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    if ctx.anchor is None:  # the ankles high enough that the hanging head clears the floor
        hanging = poser.skin(_back_extension_rotations(poser, 0.0, 0.0))
        ankle = hanging.heads[poser.body.index["foot.L"]]
        ctx.anchor = np.array([0.0, 0.0, max(0.3, 0.15 + ankle[2] - hanging.vertices[:, 2].min())])
    placed = poser.skin(_back_extension_rotations(poser, p, err.get("back_ext_over_arch", 0.0)))
    placed = placed.shifted(ctx.anchor - placed.heads[poser.body.index["foot.L"]])
    if "bench" not in ctx.cache:
        ctx.cache["bench"] = placed
    return placed


def _bench(ctx: PoseContext) -> list[Mesh]:
    """Pad under the front of the thighs, a foot plate under the soles, a frame down to the floor."""
    poser = ctx.poser
    first: Placed = ctx.cache["bench"]
    i = poser.body.index
    a = math.radians(BENCH_DEG)
    down_leg = np.array([0.0, math.sin(a), -math.cos(a)])  # hip -> ankle
    front = np.array([0.0, -math.cos(a), -math.sin(a)])  # the belly's side of the legs
    hip = (first.heads[i["upperleg01.L"]] + first.heads[i["upperleg01.R"]]) / 2
    ankle = (first.heads[i["foot.L"]] + first.heads[i["foot.R"]]) / 2
    part = np.asarray(poser.body.bones)[poser.body.part_of_vertex]
    thighs = first.vertices[np.char.startswith(part.astype(str), "upperleg")] - hip
    along = thighs @ down_leg
    surface = float((thighs[(along > 0.0) & (along < 0.3)] @ front).max())
    frame = np.stack([np.array([1.0, 0.0, 0.0]), -down_leg, front], axis=1)  # across, up the legs, out
    pad_thick = 0.1
    pad_centre = hip + down_leg * 0.2 + front * (surface + pad_thick / 2)
    pad = box(pad_centre, np.array([0.22, 0.19, pad_thick / 2]), frame, PAD_COLOUR)
    sole = ankle + down_leg * (poser.ankle_height + 0.02)
    plate = beam(sole - front * 0.05, sole + front * 0.22, 0.42, 0.03, FRAME_COLOUR)
    rail_top = pad_centre + front * (pad_thick / 2 + 0.02)
    rail_low = sole + front * 0.22
    rail = beam(rail_top, rail_low, 0.08, 0.06, FRAME_COLOUR)
    post = beam(rail_top, np.array([rail_top[0], rail_top[1], 0.0]), 0.08, 0.06, FRAME_COLOUR)
    foot = beam(np.array([rail_top[0], rail_top[1], 0.03]), np.array([rail_low[0], rail_low[1] + 0.1, 0.03]),
                0.5, 0.06, FRAME_COLOUR)
    low_post = beam(rail_low, np.array([rail_low[0], rail_low[1], 0.0]), 0.08, 0.06, FRAME_COLOUR)
    return [pad, plate, rail, post, foot, low_post]


# --------------------------------------------------------------------------- registry
STANDING_EXERCISES: dict[str, Exercise] = {
    "overhead_press": Exercise(
        name="overhead_press", kind="reps",
        errors={"press_back_arch": ErrorDef("press_back_arch", "overhead_press.back_arch", 20.0,
                                            "lumbar+thoracic extension at the top of the press (deg)")},
        codes=("overhead_press.back_arch",), rep_s=(1.0, 0.5, 1.2, 0.6), make=_overhead_press,
        envelope={"press_back_arch": _rise(0.4)},
    ),
    "bent_over_row": Exercise(
        name="bent_over_row", kind="reps",
        errors={
            "row_rounded_back": ErrorDef("row_rounded_back", "bent_over_row.rounded_back", 25.0,
                                         "lumbar+thoracic flexion, whole set (deg)"),
            "row_torso_swing": ErrorDef("row_torso_swing", "bent_over_row.torso_swing", 15.0,
                                        "the trunk rising with each pull (deg)"),
        },
        codes=("bent_over_row.rounded_back", "bent_over_row.torso_swing"), rep_s=(0.9, 0.4, 1.3, 0.8), make=_row,
        envelope={"row_torso_swing": _with_depth},
    ),
    "burpee": Exercise(
        name="burpee", kind="reps",
        errors={
            "burpee_hip_sag": ErrorDef("burpee_hip_sag", "burpee.plank_hip_sag", 15.0,
                                       "trunk-leg angle opening below straight in the plank (deg)"),
            "burpee_duration": ErrorDef("burpee_duration", "burpee.too_fast", 1.2,
                                        "a whole burpee in this time (s; clean 3)", unit="s", clean=3.0),
        },
        codes=("burpee.plank_hip_sag", "burpee.too_fast"), rep_s=BURPEE_REP_S, make=_burpee,
        envelope={"burpee_hip_sag": _rise(0.75)}, timing=_burpee_timing,
    ),
    "jump": Exercise(
        name="jump", kind="reps",
        errors={"landing_bend": ErrorDef("landing_bend", "jump.stiff_landing", 15.0,
                                         "knee flexion after touchdown (deg; soft 55 when not given)", clean=45.0)},
        codes=("jump.stiff_landing",), rep_s=(0.0, 0.0, 0.0, 1.0), make=_jump, timing=_jump_timing, scripted=True,
    ),
    "torso_twist": Exercise(
        name="torso_twist", kind="reps",
        errors={"twist_speed": ErrorDef("twist_speed", "torso_twist.too_fast", 300.0,
                                        "the shoulders' peak turning speed (deg/s; clean 90)", unit="deg/s",
                                        clean=TWIST_CLEAN_SPEED)},
        codes=("torso_twist.too_fast",), rep_s=(0.0, 0.0, 0.0, 0.8), make=_twist, timing=_twist_timing,
        scripted=True,
    ),
    "toe_touch": Exercise(
        name="toe_touch", kind="reps",
        errors={"toe_touch_quick_half": ErrorDef("toe_touch_quick_half", "toe_touch.tempo", 0.25,
                                                 "the way down in this time (s; clean 1.2+)", unit="s", clean=1.2)},
        codes=("toe_touch.tempo",), rep_s=TOE_TOUCH_REP_S, make=_toe_touch, timing=_toe_touch_timing,
    ),
    "back_extension": Exercise(
        name="back_extension", kind="reps",
        errors={"back_ext_over_arch": ErrorDef("back_ext_over_arch", "back_extension.over_arch", 15.0,
                                               "the trunk rising past the legs' line at the top (deg)")},
        codes=("back_extension.over_arch",), rep_s=(1.2, 0.6, 1.5, 1.0), make=_back_extension,
        envelope={"back_ext_over_arch": _rise(0.5)}, props=_bench,
    ),
}
