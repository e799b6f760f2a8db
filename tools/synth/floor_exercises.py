"""Issue 20's floor exercises: a pose for every depth ``p`` and their errors (see exercises.py for the frame).

- ``side_plank`` (hold, filmed from the front: the body lies along Y, its front
  turned to the yaw-0 camera, on the right forearm, the left arm up):
  ``hips_dropping`` bends the shoulder-hip-ankle line sideways, hips toward the
  floor: half lateral lumbar bend, half hip adduction.
- ``crunch``: lying on the back, knees bent, hands behind the head, the thorax
  curls up 55 deg.  ``neck_pull``: neck flexion (neck01..head) beyond the
  trunk's line near the top; ``sit_up``: the hip-shoulder line's angle off the
  floor at the top, reached by flexing at the hips (the whole back leaves the
  floor; below the crunch's own ~30 deg it changes nothing).
- ``bird_dog``: on hands and knees; one arm and the opposite leg reach out
  straight, held ``rep_s[1]`` s (3 s), sides alternating rep by rep (odd reps
  the left arm and right leg).  ``bird_dog_hips_rotate``: the pelvis rolls
  about the long axis, the lifted leg's hip rising (spread 3:2:1 over root,
  spine05, spine04, so the thorax stays level); ``bird_dog_back_sag``: lumbar
  extension with the thorax level (anterior pelvic tilt: the belly drops, the
  lifted leg rises above horizontal by as much); ``bird_dog_hold`` (s): the
  extension held only this long.
- ``leg_raise``: lying on the back, arms along the body, straight legs from
  8 deg off the floor to vertical and back.  ``leg_raise_back_arch``: lumbar extension (anterior
  pelvic tilt, the thorax flat) as the legs near the floor; ``leg_raise_lowering``
  (s): the legs lowered from vertical in this time.
- ``superman``: prone, arms overhead; arms, chest and legs lift (15 deg of back
  extension, 60 % lumbar).  ``superman_over_arch``: extension beyond that lift.
- ``cobra``: prone, hands under the shoulders, hips down; the back extends
  until the shoulders stand a forearm-propped (sphinx) height off the floor.
  ``cobra_over_arch``: extension beyond that (65 % lumbar), the arms straightening.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from scipy.spatial.transform import Rotation

from tools.synth.exercises import ErrorDef, Exercise, PoseContext, _arms, _legs, _rise, _segment, _with_depth
from tools.synth.kinematics import lerp, rx, ry, smoothstep, two_link
from tools.synth.poser import Placed, Poser, Rotations, _match, spine_rotations

WRIST_Z = 0.035  # wrist joint height over the floor with the palm flat
LEG_LOW_DEG = 8.0  # a leg raise's legs at the bottom, off the floor
CRUNCH_CURL_DEG = 55.0
SUPERMAN_LIFT_DEG = 15.0
ORIGIN = np.array([0.0, 0.0])
BACK = ("root", "pelvis", "spine05", "spine01", "spine02", "clavicle", "shoulder01")  # what a body on its back lies on


# --------------------------------------------------------------------------- helpers
@functools.lru_cache(maxsize=8)
def _group(poser: Poser, prefixes: tuple[str, ...]) -> np.ndarray:
    """Vertices moved mostly by bones whose names start with one of ``prefixes``."""
    part = np.asarray([poser.body.bones[i] for i in poser.body.part_of_vertex])
    return _match(part, prefixes)


def _lowest(placed: Placed, poser: Poser, prefixes: tuple[str, ...]) -> float:
    return float(placed.vertices[_group(poser, prefixes), 2].min())


def _rest_on(poser: Poser, placed: Placed, prefixes: tuple[str, ...]) -> np.ndarray:
    """Shift putting the lowest of these body parts on the floor and the root over the origin."""
    root = placed.heads[poser.body.index["root"]]
    return np.array([-root[0], -root[1], -_lowest(placed, poser, prefixes)])


def _mid(placed: Placed, poser: Poser, bone: str) -> np.ndarray:
    """(y, z) halfway between a left and right bone head (e.g. ``upperarm01``: the shoulders)."""
    i = poser.body.index
    return ((placed.heads[i[f"{bone}.L"]] + placed.heads[i[f"{bone}.R"]]) / 2)[1:]


def _turned(rot: Rotations, turn: np.ndarray) -> Rotations:
    return {bone: turn @ g for bone, g in rot.items()}


def _up(angle: float) -> np.ndarray:
    """(y, z) unit vector from -Y (the head's way lying down) raised ``angle`` degrees."""
    a = math.radians(angle)
    return np.array([-math.cos(a), math.sin(a)])


def _spread_lumbar(rot: Rotations, turn_of: Callable[[float], np.ndarray], amount: float) -> None:
    """Pre-rotate root, spine05 and spine04 by 3/3, 2/3 and 1/3 of ``amount`` (a twist undone in the lumbar)."""
    for bone, share in (("root", 1.0), ("spine05", 2 / 3), ("spine04", 1 / 3)):
        rot[bone] = turn_of(share * amount) @ rot[bone]


def _blend(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Rotation a fraction ``t`` of the way from ``a`` to ``b`` (slerp)."""
    step = Rotation.from_matrix(a.T @ b).as_rotvec()
    return a @ Rotation.from_rotvec(t * step).as_matrix()


def _palm_down(side: str) -> Rotations:
    """The hand flat on the floor under a vertical forearm, fingers ahead (as the push-up's)."""
    return {f"wrist.{side}": ry(-90.0 if side == "L" else 90.0) @ rx(-90.0)}


def _pointed(angle_back: float) -> np.ndarray:
    """Foot rotation for a face-down leg: toes pointed back along the floor (plantar flexion)."""
    return rx(90.0 + angle_back + 75.0)


# --------------------------------------------------------------------------- side plank
# The body's front (-Y) turned to +X (the yaw-0 camera), its left side up (+Z), its head to -Y.
_SIDE_LYING = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]])


def _side_plank(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    drop = err.get("hips_dropping", 0.0) + 1.5 * (p - 0.5)  # p is the breath: the hips move a little

    def make(tilt: float) -> Rotations:
        # In the body's own frame (standing): ry(+a) tips a segment toward its left (up, once lying).
        body: Rotations = {"root": np.eye(3), "spine05": ry(drop / 4), "spine04": ry(drop / 2)}
        for s, sign in (("L", 1.0), ("R", -1.0)):  # legs together, feet stacked
            leg = _segment(poser, f"upperleg01.{s}", f"lowerleg01.{s}", np.array([-sign * 0.07, 0.0, -1.0]))
            body[f"upperleg01.{s}"] = ry(-drop / 2) @ leg
            body[f"lowerleg01.{s}"] = body[f"upperleg01.{s}"]
        rot = _turned(body, rx(tilt) @ _SIDE_LYING)
        # The lower (right) arm props the body: upper arm vertical, forearm on the floor toward the camera.
        rot["upperarm01.R"] = _segment(poser, "upperarm01.R", "lowerarm01.R", np.array([0.0, 0.0, -1.0]))
        rot["lowerarm01.R"] = _segment(poser, "lowerarm01.R", "wrist.R", np.array([0.9, -0.3, -0.02]))
        for bone, child in (("upperarm01.L", "lowerarm01.L"), ("lowerarm01.L", "wrist.L")):
            rot[bone] = _segment(poser, bone, child, np.array([0.05, 0.0, 1.0]))  # the top arm reaches up
        return rot

    def gap(placed: Placed) -> float:  # forearm above the feet -> tip the head end down
        return poser.lowest(placed, "forearms") - poser.lowest(placed, "feet")

    placed, ctx.pitch = poser.solve_pitch(make, ctx.pitch or -20.0, gap, lever=1.4)
    return poser.on_floor(placed, ORIGIN, "root")


# --------------------------------------------------------------------------- lying on the back
def _supine(ctx: PoseContext, trunk: Rotations, feet_back: float | None, contact: tuple[str, ...]) -> Placed:
    """A body on its back resting on ``contact``; knees bent with the feet flat ``feet_back`` (m) from the hips
    (fixed for the clip) or, for None, the legs as ``trunk`` gives them."""
    poser = ctx.poser
    placed = poser.skin(trunk)
    shift = _rest_on(poser, placed, contact)
    if feet_back is None:
        return placed.shifted(shift)
    hip = _mid(placed, poser, "upperleg01") + shift[1:]
    if ctx.anchor is None:
        ctx.anchor = np.array([hip[0] - feet_back, poser.ankle_height])
    knee = two_link(hip, ctx.anchor, poser.thigh, poser.shin, bend=-1.0)
    rot = dict(trunk)
    rot.update(_legs(poser, hip, knee, ctx.anchor, np.eye(3)))
    return poser.skin(rot).shifted(shift)


def _hands_behind_head(poser: Poser, neck: np.ndarray) -> Rotations:
    """Elbows out, hands at the back of the head; ``neck``: a neck bone's world rotation (the hands go along
    with the head's bend part of the way, as hands pulling on it)."""
    out: Rotations = {}
    for s, sign in (("L", 1.0), ("R", -1.0)):
        upper = neck @ np.array([sign * 0.55, 0.1, 0.83])
        fore = neck @ np.array([-sign * 0.95, 0.3, 0.05])
        out[f"upperarm01.{s}"] = _segment(poser, f"upperarm01.{s}", f"lowerarm01.{s}", upper)
        out[f"lowerarm01.{s}"] = _segment(poser, f"lowerarm01.{s}", f"wrist.{s}", fore)
    return out


def _crunch_trunk(poser: Poser, p: float, err: dict[str, float]) -> Rotations:
    curl = CRUNCH_CURL_DEG * p
    rot = spine_rotations(-90.0, 0.0, curl, neck=8.0 * p + err.get("neck_pull", 0.0))
    heads = poser.fk_heads(rot)
    i = poser.body.index
    line = (heads[i["upperarm01.L"]] + heads[i["upperarm01.R"]] - heads[i["upperleg01.L"]] - heads[i["upperleg01.R"]])
    off_floor = math.degrees(math.atan2(line[2], line[1]))
    lift = max(err.get("sit_up", 0.0) - off_floor, 0.0)  # the hips flex: the whole back rises
    if lift:
        rot = spine_rotations(-90.0 + lift, 0.0, curl, neck=8.0 * p + err.get("neck_pull", 0.0))
    rot.update(_hands_behind_head(poser, rot["neck02"]))
    return rot


def _crunch(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    rot = _crunch_trunk(ctx.poser, p, err)
    return _supine(ctx, rot, feet_back=0.62 * (ctx.poser.thigh + ctx.poser.shin), contact=BACK)


def _leg_raise(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    arch = err.get("leg_raise_back_arch", 0.0)
    legs = rx(-90.0 - lerp(LEG_LOW_DEG, 90.0, p))
    arms = _arms(poser, np.array([-1.0, -0.08]), np.array([-1.0, -0.06]), lateral=0.2)

    def make(pitch: float) -> Rotations:
        # Arching: the pelvis tips forward by ``arch`` under a flat thorax, the lumbar extends by as much.
        rot = spine_rotations(-90.0 + pitch + arch, -arch, 0.0)
        rot.update(arms)
        rot["upperleg01.L"] = rot["upperleg01.R"] = legs
        return rot

    def gap(placed: Placed) -> float:  # the buttocks above the shoulder blades -> raise the head end
        return _lowest(placed, poser, ("root", "pelvis")) - poser.lowest(placed, "upper_back")

    placed, ctx.pitch = poser.solve_pitch(make, ctx.pitch or 0.0, gap, lever=0.5)
    return _supine(ctx, make(ctx.pitch), None, BACK)


# --------------------------------------------------------------------------- on hands and knees
def _bird_dog(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    arm, leg = ("L", "R") if (ctx.rep or 1) % 2 else ("R", "L")  # the reaching arm and the opposite leg
    sag = err.get("bird_dog_back_sag", 0.0)
    roll = err.get("bird_dog_hips_rotate", 0.0) * (1.0 if leg == "R" else -1.0)  # ry(+) lowers the +X (left) side

    def limbs() -> Rotations:
        out: Rotations = {}
        for s, sign in (("L", 1.0), ("R", -1.0)):
            reach = 90.0 * p if s == arm else 0.0  # from straight down to straight ahead
            d = np.array([sign * 0.1, -math.sin(math.radians(reach)), -math.cos(math.radians(reach))])
            out[f"upperarm01.{s}"] = _segment(poser, f"upperarm01.{s}", f"lowerarm01.{s}", d)
            out[f"lowerarm01.{s}"] = _segment(poser, f"lowerarm01.{s}", f"wrist.{s}", d)
            flat = _palm_down(s)[f"wrist.{s}"]  # the reaching hand turns from flat on the floor to in line
            out[f"wrist.{s}"] = _blend(flat, out[f"lowerarm01.{s}"], p) if s == arm else flat
            thigh = (90.0 + sag) * p if s == leg else 0.0  # from straight down to back, above level by the sag
            shin = lerp(90.0, 90.0 + sag, p) if s == leg else 90.0
            for bone, child, a in ((f"upperleg01.{s}", f"lowerleg01.{s}", thigh),
                                   (f"lowerleg01.{s}", f"foot.{s}", shin)):
                v = np.array([sign * 0.04, math.sin(math.radians(a)), -math.cos(math.radians(a))])
                out[bone] = _segment(poser, bone, child, v)
            out[f"foot.{s}"] = _pointed(shin - 90.0)
        return out

    limb_rot = limbs()

    def make(pitch: float) -> Rotations:
        # The thorax at ``pitch``; a sagging back tips the pelvis forward under it by ``sag``.
        rot = spine_rotations(pitch + sag, -sag, 0.0, neck=-20.0)
        _spread_lumbar(rot, ry, roll)
        rot.update(limb_rot)
        return rot

    def gap(placed: Placed) -> float:  # hands above the knees -> tip the head end down
        return poser.lowest(placed, "hands") - _lowest(placed, poser, ("lowerleg", "foot", "toe"))

    placed, ctx.pitch = poser.solve_pitch(make, ctx.pitch or 90.0, gap, lever=0.6)
    return poser.on_floor(placed, ORIGIN, "root")


# --------------------------------------------------------------------------- face down
def _prone_back(extension: float, lumbar_share: float, neck: float) -> Rotations:
    """Face down, pelvis level, the back extended by ``extension`` deg (``lumbar_share`` of it lumbar)."""
    return spine_rotations(90.0, -lumbar_share * extension, -(1.0 - lumbar_share) * extension, neck=neck)


def _superman(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    rot = _prone_back(SUPERMAN_LIFT_DEG * p + err.get("superman_over_arch", 0.0), 0.6, neck=-8.0 * p)
    thorax = 90.0 - (SUPERMAN_LIFT_DEG * p + err.get("superman_over_arch", 0.0))  # its pitch, 90 = flat
    reach = _up(90.0 - thorax + 8.0 * p)  # arms along the thorax, a little above it
    rot.update(_arms(poser, reach, reach, lateral=0.18))
    lift = 12.0 * p
    for s in ("L", "R"):
        rot[f"upperleg01.{s}"] = rx(90.0 + lift)
        rot[f"foot.{s}"] = _pointed(lift)
    return poser.on_floor(poser.skin(rot), ORIGIN, "root")


def _cobra_back(extension: float) -> Rotations:
    rot = _prone_back(extension, 0.65, neck=-0.3 * extension)
    for s in ("L", "R"):
        rot[f"upperleg01.{s}"] = rx(90.0)
        rot[f"foot.{s}"] = _pointed(0.0)
    return rot


def _cobra(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    contact = ("root", "pelvis", "upperleg")

    def shoulder_at(extension: float) -> np.ndarray:
        placed = poser.skin(_cobra_back(extension))
        return _mid(placed, poser, "upperarm01") + _rest_on(poser, placed, contact)[1:]

    if ctx.anchor is None:  # the sphinx height: upper arm upright on a forearm flat on the floor
        lo, hi = 0.0, 90.0
        for _ in range(12):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if shoulder_at(mid)[1] < poser.upper_arm + 0.06 else (lo, mid)
        ctx.pitch = (lo + hi) / 2
        ctx.anchor = np.array([shoulder_at(ctx.pitch)[0] + 0.04, WRIST_Z])  # hands under the shoulders
    rot = _cobra_back(ctx.pitch * p + err.get("cobra_over_arch", 0.0))
    placed = poser.skin(rot)
    shift = _rest_on(poser, placed, contact)
    shoulder = _mid(placed, poser, "upperarm01") + shift[1:]
    elbow = two_link(shoulder, ctx.anchor, poser.upper_arm, poser.forearm, bend=1.0)
    rot.update(_arms(poser, elbow - shoulder, ctx.anchor - elbow, lateral=0.2))
    rot.update(_palm_down("L") | _palm_down("R"))
    return poser.skin(rot).shifted(shift)


# --------------------------------------------------------------------------- envelopes and timing
def _near_floor(p: float, rising: bool) -> float:
    """1 with the legs at the floor, fading out by 40 % of the way up."""
    return 1.0 - smoothstep(0.0, 0.4, p)


def _bird_dog_timing(errors: dict[str, float], tempo: float) -> tuple[float, float, float, float]:
    down, hold, back, rest = (s * tempo for s in FLOOR_EXERCISES["bird_dog"].rep_s)
    return down, errors.get("bird_dog_hold", hold), back, rest


def _leg_raise_timing(errors: dict[str, float], tempo: float) -> tuple[float, float, float, float]:
    up, top, lower, rest = (s * tempo for s in FLOOR_EXERCISES["leg_raise"].rep_s)
    return up, top, errors.get("leg_raise_lowering", lower), rest


FLOOR_EXERCISES: dict[str, Exercise] = {
    "side_plank": Exercise(
        name="side_plank", kind="hold",
        errors={"hips_dropping": ErrorDef("hips_dropping", "side_plank.hips_dropping", 15.0,
                                          "shoulder-hip-ankle line bent sideways, hips toward the floor (deg)")},
        codes=("side_plank.hips_dropping",), rep_s=(0.0, 0.0, 0.0, 0.0), make=_side_plank, turned_deg=90.0,
    ),
    "crunch": Exercise(
        name="crunch", kind="reps",
        errors={
            "neck_pull": ErrorDef("neck_pull", "crunch.neck_pull", 45.0,
                                  "neck flexion beyond the trunk's line near the top (deg)"),
            "sit_up": ErrorDef("sit_up", "crunch.sit_up", 70.0,
                               "hip-shoulder line's angle off the floor at the top (deg): the hips flex"),
        },
        codes=("crunch.neck_pull", "crunch.sit_up"), rep_s=(1.0, 0.5, 1.1, 0.6), make=_crunch,
        envelope={"neck_pull": _rise(0.3), "sit_up": _with_depth},
    ),
    "bird_dog": Exercise(
        name="bird_dog", kind="reps",
        errors={
            "bird_dog_hips_rotate": ErrorDef("bird_dog_hips_rotate", "bird_dog.hips_rotate", 15.0,
                                             "pelvis roll about the long axis, the lifted leg's hip up (deg)"),
            "bird_dog_back_sag": ErrorDef("bird_dog_back_sag", "bird_dog.back_sag", 15.0,
                                          "lumbar extension under a level thorax, lifted leg above level (deg)"),
            "bird_dog_hold": ErrorDef("bird_dog_hold", "bird_dog.short_hold", 1.0,
                                      "the extension held only this long (s)", unit="s", clean=3.0),
        },
        codes=("bird_dog.hips_rotate", "bird_dog.back_sag", "bird_dog.short_hold"),
        rep_s=(1.2, 3.0, 1.1, 0.8), make=_bird_dog, timing=_bird_dog_timing,
        envelope={"bird_dog_hips_rotate": _rise(0.2), "bird_dog_back_sag": _rise(0.2)},
    ),
    "leg_raise": Exercise(
        name="leg_raise", kind="reps",
        errors={
            "leg_raise_back_arch": ErrorDef("leg_raise_back_arch", "leg_raise.back_arch", 15.0,
                                            "lumbar extension, pelvis tipped forward, as the legs near the floor "
                                            "(deg)"),
            "leg_raise_lowering": ErrorDef("leg_raise_lowering", "leg_raise.lowering_fast", 0.5,
                                           "the legs lowered from vertical in this time (s)", unit="s", clean=2.0),
        },
        codes=("leg_raise.back_arch", "leg_raise.lowering_fast"),
        rep_s=(1.4, 0.4, 2.0, 0.7), make=_leg_raise, timing=_leg_raise_timing,
        envelope={"leg_raise_back_arch": _near_floor},
    ),
    "superman": Exercise(
        name="superman", kind="reps",
        errors={"superman_over_arch": ErrorDef("superman_over_arch", "superman.over_arch", 20.0,
                                               "back extension beyond a modest lift (deg), 60 % lumbar")},
        codes=("superman.over_arch",), rep_s=(1.0, 1.5, 1.0, 0.8), make=_superman,
        envelope={"superman_over_arch": _with_depth},
    ),
    "cobra": Exercise(
        name="cobra", kind="reps",
        errors={"cobra_over_arch": ErrorDef("cobra_over_arch", "cobra.over_arch", 20.0,
                                            "back extension beyond the sphinx height (deg), 65 % lumbar")},
        codes=("cobra.over_arch",), rep_s=(1.3, 1.5, 1.2, 0.8), make=_cobra,
        envelope={"cobra_over_arch": _with_depth},
    ),
}
