"""The exercises: a pose for every depth ``p`` (0 = start, 1 = the working end) and their errors.

The first five are here; the others in ``floor_exercises.py`` and ``standing_exercises.py``, which build
on the helpers below and are registered at the end.

Each error is a magnitude in degrees applied to named bones, weighted by an
envelope ``w`` in [0, 1] that the timeline computes (butt wink only near the
bottom, bridge hyperextension only near the top, plank sag all the time):

- ``rounded_back`` (deadlift): lumbar + thoracic flexion, 40 % on spine05-04
  and 60 % on spine03-01, the pelvis re-solved so the shoulders stay over the
  mid-foot. ``upper_back_rounding`` / ``lower_back_rounding`` bend the thoracic
  or the lumbar part alone (negative: arched), so that a spine estimator
  learns to tell them apart (tools/spine).
- ``butt_wink`` (squat): posterior pelvic tilt; the lumbar spine (spine05-04)
  flexes by the same angle so the thorax keeps its lean and the thighs keep
  theirs (it is the pelvis alone that tucks under).
- ``sagging_hips`` / ``piked_hips`` (plank) and ``hip_sag`` / ``piking`` (push-up): the
  angle between trunk and legs opens below (sag: half lumbar extension, half
  hip extension) or above (pike: 3/4 hip flexion, 1/4 lumbar flexion) a
  straight line.
- ``hips_rise_first`` (deadlift): on the way up the trunk tips further
  forward than balance asks, most half-way up (the hips shoot up, the
  shoulders lag), zero at the floor and at lockout.
- ``hyperextension`` (glute bridge): lumbar extension (spine05-04) at the top
  of the bridge, half as a steeper thorax and half as anterior pelvic tilt, so
  the hips rise above the shoulder-knee line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from tools.synth.kinematics import lerp, rx, ry, smoothstep, two_link, two_link_toward
from tools.synth.poser import Placed, Poser, Rotations, spine_rotations
from tools.synth.props import BAR_RADIUS


@dataclass(frozen=True)
class ErrorDef:
    """One injectable error: its finding code and the magnitude from which the finding is clearly due."""

    name: str
    code: str
    clear_deg: float  # in ``unit``; the name stays for the degree errors that came first
    doc: str
    unit: str = "deg"  # "deg" bends bones; "s" or "deg/s" set a rep's timing (Exercise.timing)
    clean: float = 0.0  # the fault-free value: a clear value below it means smaller is worse (a duration)

    def verdict(self, magnitude: float) -> str | None:
        """"expected" at or past the clear magnitude, "borderline" between it and the fault-free value."""
        worse = magnitude - self.clean if self.clear_deg >= self.clean else self.clean - magnitude
        if worse <= 0:  # the other way (an arched back, a slower rep) is not this fault
            return None
        return "expected" if worse >= abs(self.clear_deg - self.clean) else "borderline"


@dataclass
class Exercise:
    name: str
    kind: str  # "reps" or "hold"
    errors: dict[str, ErrorDef]
    codes: tuple[str, ...]  # every finding code of this exercise the generator can steer
    rep_s: tuple[float, float, float, float]  # down, pause at the end, up, pause at the start (s)
    make: Callable[[PoseContext, float, dict[str, float]], Placed]
    # Error weight in [0, 1] from the depth and whether the body is on its way back up.
    envelope: dict[str, Callable[[float, bool], float]] = field(default_factory=dict)
    # A rep's (down, pause, up, pause) in s from its error magnitudes and the tempo (speed faults); None: rep_s.
    timing: Callable[[dict[str, float], float], tuple[float, float, float, float]] | None = None
    # True: ``p`` runs linearly from 0 to 1 over the whole rep and ``make`` scripts the motion (a jump's flight).
    scripted: bool = False
    # Static scene meshes (vertices, faces, colours) once the clip is posed: a bench, a pad.
    props: Callable[[PoseContext], list[tuple[np.ndarray, np.ndarray, np.ndarray]]] | None = None
    # The pose turns the body's front this far toward the yaw-0 camera (a side plank faces it: 90), so the
    # view formcheck should see is |yaw| off this, not off the side.
    turned_deg: float = 0.0

    def phases(self, errors: dict[str, float], tempo: float) -> tuple[float, float, float, float]:
        """One rep's (down, pause at the end, up, pause at the start) in seconds."""
        if self.timing is not None:
            return self.timing(errors, tempo)
        down, pause_end, up, pause_start = (s * tempo for s in self.rep_s)
        return down, pause_end, up, pause_start


class PoseContext:
    """Per-clip state an exercise needs between frames (solved pitches, fixed contacts)."""

    def __init__(self, poser: Poser) -> None:
        self.poser = poser
        self.pitch: float | None = None
        self.anchor: np.ndarray | None = None
        self.cache: dict = {}  # anything else solved once per clip (key poses, a bench's place)
        self.rep: int | None = None  # the frame's rep (render.py sets it): sides that alternate rep by rep
        self.style: dict[str, float] = {}  # how this person moves (ClipSpec.style; render.py sets it)
        self.barbell: dict | None = None  # the loaded barbell they lift (ClipSpec.barbell; render.py sets it)


# --------------------------------------------------------------------------- helpers
def _align(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Smallest rotation taking unit vector u to unit vector v."""
    u = u / np.linalg.norm(u)
    v = v / np.linalg.norm(v)
    c = float(np.dot(u, v))
    axis = np.cross(u, v)
    s = float(np.linalg.norm(axis))
    if s < 1e-9:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    k = axis / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    angle = math.atan2(s, c)
    return np.eye(3) + math.sin(angle) * kx + (1 - math.cos(angle)) * kx @ kx


def _segment(poser: Poser, a: str, b: str, direction: np.ndarray) -> np.ndarray:
    """World rotation that points the rest segment a->b along ``direction`` (3D)."""
    return _align(poser.head(b) - poser.head(a), np.asarray(direction, dtype=float))


def _sagittal(yz: np.ndarray, lateral: float) -> np.ndarray:
    """A 3D unit vector with x = ``lateral`` and its (y, z) along ``yz``."""
    yz = np.asarray(yz, dtype=float) / np.linalg.norm(yz)
    r = math.sqrt(max(1.0 - lateral * lateral, 0.0))
    return np.array([lateral, r * yz[0], r * yz[1]])


def _legs(poser: Poser, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, foot: np.ndarray) -> Rotations:
    """Both legs from planar hip/knee/ankle points (y, z), stance width kept; ``foot`` is the feet's rotation."""
    out: Rotations = {}
    for s in ("L", "R"):
        sign = 1.0 if s == "L" else -1.0
        out[f"upperleg01.{s}"] = _segment(poser, f"upperleg01.{s}", f"lowerleg01.{s}", _sagittal(knee - hip, sign * 0.06))
        out[f"lowerleg01.{s}"] = _segment(poser, f"lowerleg01.{s}", f"foot.{s}", _sagittal(ankle - knee, sign * 0.03))
        out[f"foot.{s}"] = foot
    return out


def _arms(poser: Poser, upper: np.ndarray, fore: np.ndarray, lateral: float = 0.12) -> Rotations:
    """Both arms along planar directions (y, z) for upper arm and forearm."""
    out: Rotations = {}
    for s in ("L", "R"):
        sign = 1.0 if s == "L" else -1.0
        out[f"upperarm01.{s}"] = _segment(poser, f"upperarm01.{s}", f"lowerarm01.{s}", _sagittal(upper, sign * lateral))
        out[f"lowerarm01.{s}"] = _segment(poser, f"lowerarm01.{s}", f"wrist.{s}", _sagittal(fore, sign * lateral * 0.5))
    return out


def _shoulders(poser: Poser, heads: np.ndarray) -> np.ndarray:
    """The midpoint of the two shoulder joints among bone ``heads`` (B, 3)."""
    i = poser.body.index
    return (heads[i["upperarm01.L"]] + heads[i["upperarm01.R"]]) / 2


def _trunk_vector(poser: Poser, rot: Rotations) -> np.ndarray:
    """Hip-joint -> shoulder (y, z) with the pelvis unpitched (bends included)."""
    heads = poser.fk_heads(rot)
    i = poser.body.index
    hip = (heads[i["upperleg01.L"]] + heads[i["upperleg01.R"]]) / 2
    return (_shoulders(poser, heads) - hip)[1:]


def _lean_over(poser: Poser, lumbar: float, thoracic: float, dy: float) -> float:
    """Pelvis pitch (deg) putting the shoulders ``dy`` metres along Y from the hip joints."""
    v = _trunk_vector(poser, spine_rotations(0.0, lumbar, thoracic))
    r = float(np.hypot(*v))
    alpha = math.atan2(v[1], v[0])
    c = min(max(dy / r, -1.0), 1.0)
    # y(phi) = r cos(phi + alpha); forward lean is the branch with phi in [0, 90].
    candidates = [math.degrees(math.acos(c) - alpha), math.degrees(-math.acos(c) - alpha)]
    candidates = [((x + 180.0) % 360.0) - 180.0 for x in candidates]
    return min(candidates, key=lambda x: abs(x - 45.0))


def _down(angle_fwd: float) -> np.ndarray:
    """(y, z) unit vector pointing down, swung forward (-Y) by ``angle_fwd`` degrees."""
    a = math.radians(angle_fwd)
    return np.array([-math.sin(a), -math.cos(a)])


def _standing(ctx: PoseContext, shin_fwd: float, thigh_back: float, lean_target_dy: float,
              lumbar: float, thoracic: float, pelvis_extra: float, neck: float,
              arms: Rotations | Callable[[Rotations], Rotations], lean_extra: float = 0.0,
              bar_at: Callable[[Rotations, Placed], np.ndarray] | None = None) -> Placed:
    """A standing pose from shin and thigh angles, the trunk leaning so the shoulders sit over the feet.

    ``lean_extra`` tips the whole trunk further forward than that balance asks (hips rising first). The
    person's style (``ctx.style``) scales the exercise's own bends and moves its balance point. ``arms``
    may depend on the trunk's rotations (hands on a bar across the back); ``bar_at`` places the barbell held
    from those rotations and the skinned body.
    """
    poser = ctx.poser
    shin_fwd *= ctx.style.get("knee", 1.0)
    thigh_back *= ctx.style.get("depth", 1.0)
    lean_target_dy += ctx.style.get("lean", 0.0)
    ankle = np.array([0.0, 0.0])
    knee = ankle + poser.shin * np.array([-math.sin(math.radians(shin_fwd)), math.cos(math.radians(shin_fwd))])
    hip = knee + poser.thigh * np.array([math.sin(math.radians(thigh_back)), math.cos(math.radians(thigh_back))])
    pitch = _lean_over(poser, lumbar, thoracic, lean_target_dy - (hip[0] - ankle[0]))
    pitch = max(pitch, 0.0) + lean_extra
    rot = spine_rotations(pitch + pelvis_extra, lumbar - pelvis_extra, thoracic, neck)
    rot.update(_legs(poser, hip, knee, ankle, np.eye(3)))
    rot.update(arms(rot) if callable(arms) else arms)
    placed = poser.skin(rot)
    if bar_at is not None:
        placed = replace(placed, bar=bar_at(rot, placed))
    return poser.on_floor(placed, np.array([0.0, 0.0]), "foot.L", "feet")


# A high bar rests on the upper trapezius: this high above the shoulder joints, on the back's surface.
BAR_ABOVE_SHOULDERS_M = 0.05
# Hands on a bar: the wrist joint this far below it (the palm wraps it), elbows down, back and out.
WRIST_BELOW_BAR_M = 0.03
ELBOW_POLE = np.array([0.4, 0.35, -1.0])  # in the thorax's frame, x toward the arm's own side
HANGING_WRIST_ABOVE_BAR_M = 0.08  # hanging arms: the bar in the fingers, below the wrist joints


def _bar_offset_at_rest(poser: Poser) -> np.ndarray:
    """The back-squat bar's centre from the shoulder joints' midpoint, in the thorax's frame (the body at rest)."""
    mid = _shoulders(poser, poser.body.rest_heads)
    height = mid[2] + BAR_ABOVE_SHOULDERS_M
    back = poser.body.rest.vertices[poser.groups["upper_back"]]
    near = back[(np.abs(back[:, 2] - height) < 0.02) & (np.abs(back[:, 0] - mid[0]) < 0.08)]
    surface = float(near[:, 1].max()) if len(near) else mid[1] + 0.09  # +Y is the back
    return np.array([0.0, surface + BAR_RADIUS - mid[1], BAR_ABOVE_SHOULDERS_M])


def _bar_on_back(ctx: PoseContext, rot: Rotations) -> np.ndarray:
    """Where a back squat's bar lies for the trunk posed by ``rot`` (it turns with the upper back)."""
    poser = ctx.poser
    if "bar_offset" not in ctx.cache:
        ctx.cache["bar_offset"] = _bar_offset_at_rest(poser)
    return _shoulders(poser, poser.fk_heads(rot)) + rot["spine01"] @ ctx.cache["bar_offset"]


def _holding_bar(ctx: PoseContext, rot: Rotations) -> Rotations:
    """Both arms reaching back to the bar on the upper back, hands ``grip`` metres either side of its centre."""
    poser = ctx.poser
    bar = _bar_on_back(ctx, rot)
    heads = poser.fk_heads(rot)
    thorax = rot["spine01"]
    out: Rotations = {}
    for s, sign in (("L", 1.0), ("R", -1.0)):
        shoulder = heads[poser.body.index[f"upperarm01.{s}"]]
        hand = bar + np.array([sign * ctx.barbell["grip"], 0.0, 0.0]) - WRIST_BELOW_BAR_M * thorax[:, 2]
        pole = thorax @ (ELBOW_POLE * np.array([sign, 1.0, 1.0]))
        elbow = two_link_toward(shoulder, hand, poser.upper_arm, poser.forearm, pole)
        out[f"upperarm01.{s}"] = _segment(poser, f"upperarm01.{s}", f"lowerarm01.{s}", elbow - shoulder)
        out[f"lowerarm01.{s}"] = _segment(poser, f"lowerarm01.{s}", f"wrist.{s}", hand - elbow)
    return out


def _bar_in_hands(poser: Poser, placed: Placed) -> np.ndarray:
    """A deadlift's bar: in the fingers of the hanging hands."""
    i = poser.body.index
    mid = (placed.heads[i["wrist.L"]] + placed.heads[i["wrist.R"]]) / 2
    return mid - np.array([0.0, 0.0, HANGING_WRIST_ABOVE_BAR_M])


# --------------------------------------------------------------------------- exercises
def _deadlift(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    flex = err.get("rounded_back", 0.0)
    lumbar = 0.4 * flex + err.get("lower_back_rounding", 0.0)
    thoracic = 0.6 * flex + err.get("upper_back_rounding", 0.0)
    flex = lumbar + thoracic
    hang = _arms(ctx.poser, _down(0.0), _down(0.0), lateral=0.16)
    # Clean lifters keep the gaze ahead (neck extends); a rounding back lets the head drop with it.
    neck = -19.0 * p * min(1.0, max(0.0, 1.0 - flex / 20.0))
    bar_at = (lambda rot, placed: _bar_in_hands(ctx.poser, placed)) if ctx.barbell else None
    return _standing(ctx, shin_fwd=20.0 * p, thigh_back=66.0 * p, lean_target_dy=-0.14,
                     lumbar=lumbar, thoracic=thoracic, pelvis_extra=0.0, neck=neck, arms=hang,
                     lean_extra=err.get("hips_rise_first", 0.0), bar_at=bar_at)


def _squat(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    wink = err.get("butt_wink", 0.0)
    motion = dict(shin_fwd=30.0 * p, thigh_back=98.0 * p, lean_target_dy=-0.02, lumbar=0.0, thoracic=0.0,
                  pelvis_extra=-wink, neck=-0.3 * 40.0 * p)
    if ctx.barbell:  # a back squat: the bar on the upper back, the hands holding it
        return _standing(ctx, **motion, arms=lambda rot: _holding_bar(ctx, rot),
                         bar_at=lambda rot, placed: _bar_on_back(ctx, rot))
    reach = _down(ctx.style.get("reach", 85.0) * p)
    return _standing(ctx, **motion, arms=_arms(ctx.poser, reach, reach, lateral=0.1))


def _prone_rotations(poser: Poser, pitch: float, hip_dev: float) -> Rotations:
    """Prone body at ``pitch`` (90 = horizontal, face down) with the trunk-leg angle bent by ``hip_dev``.

    hip_dev > 0 sags (half lumbar extension, half hip extension), < 0 pikes
    (3/4 hip flexion, 1/4 lumbar flexion).
    """
    if hip_dev >= 0:
        lumbar, hip = -0.5 * hip_dev, 0.5 * hip_dev
    else:
        lumbar, hip = 0.25 * -hip_dev, 0.75 * hip_dev
    rot = spine_rotations(pitch, lumbar, 0.0, neck=-10.0)
    rot["upperleg01.L"] = rot["upperleg01.R"] = rx(pitch + hip)
    return rot


def _plank(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    breath = 1.5 * (p - 0.5)  # p is the breath in a hold: the hips rise and fall a little
    dev = err.get("sagging_hips", 0.0) - err.get("piked_hips", 0.0) + breath
    arms = _arms(poser, np.array([0.0, -1.0]), np.array([-1.0, -0.03]), lateral=0.1)

    def make(pitch: float) -> Rotations:
        rot = _prone_rotations(poser, pitch, dev)
        rot.update(arms)
        return rot

    def gap(placed: Placed) -> float:  # forearms above the toes -> pitch the head end down
        return poser.lowest(placed, "forearms") - poser.lowest(placed, "toes")

    placed, ctx.pitch = poser.solve_pitch(make, ctx.pitch or 78.0, gap, lever=1.3)
    return poser.on_floor(placed, np.array([0.0, 0.0]), "foot.L")


def _pushup(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    dev = err.get("hip_sag", 0.0) - err.get("piking", 0.0)
    i = poser.body.index
    wrist_z = 0.035
    # Hand placement: the straight arm's lean at the top beyond the clean one (hands 3 cm ahead), + ahead.
    lean = math.radians(err.get("hands_forward", 0.0) - err.get("hands_behind", 0.0))
    reach = poser.upper_arm + poser.forearm
    top = reach * math.cos(lean) + wrist_z
    target = lerp(top, 0.24, p)

    def make(pitch: float) -> Rotations:
        rot = _prone_rotations(poser, pitch, dev)
        rot.update(_arms(poser, np.array([0.0, -1.0]), np.array([0.0, -1.0]), lateral=0.2))
        return rot

    def toes_down(placed: Placed) -> Placed:
        return poser.on_floor(placed, np.array([0.0, 0.0]), "foot.L", "toes")

    def gap(placed: Placed) -> float:  # shoulders too high -> pitch the head end down
        sh = toes_down(placed).heads[i["upperarm01.L"]]
        return float(sh[2] - target)

    placed, ctx.pitch = poser.solve_pitch(make, ctx.pitch or 70.0, gap, lever=1.35)
    placed = toes_down(placed)
    if ctx.anchor is None:  # hands go where the shoulders are at the top, fixed for the clip
        ctx.anchor = placed.heads[i["upperarm01.L"], 1:] + np.array([-0.03 - reach * math.sin(lean), 0.0])
    shoulder = placed.heads[i["upperarm01.L"], 1:]
    hand = np.array([ctx.anchor[0], wrist_z])
    elbow = two_link(shoulder, hand, poser.upper_arm, poser.forearm, bend=1.0)
    rot = make(ctx.pitch)
    rot.update(_arms(poser, elbow - shoulder, hand - elbow, lateral=0.2))
    palm_down = {f"wrist.{s}": ry(-90.0 if s == "L" else 90.0) @ rx(-90.0) for s in ("L", "R")}
    rot.update(palm_down)
    return toes_down(poser.skin(rot))


def _bridge(ctx: PoseContext, p: float, err: dict[str, float]) -> Placed:
    poser = ctx.poser
    i = poser.body.index
    hyper = err.get("hyperextension", 0.0)
    arms = _arms(poser, np.array([-1.0, -0.12]), np.array([-1.0, -0.1]), lateral=0.3)

    def trunk(theta: float, ext: float) -> Rotations:
        # Arching: the thorax lifts steeper off the floor by ext/2 and the pelvis tips the
        # other way by ext/2, so the lumbar spine extends by ``ext`` and the hips rise.
        thorax = -90.0 - theta - 0.5 * ext
        rot = spine_rotations(thorax + ext, -ext, 0.0)
        rot.update(arms)
        return rot

    def lying(theta: float, ext: float) -> Placed:
        placed = poser.skin(trunk(theta, ext))
        return poser.on_floor(placed, np.array([0.0, 0.0]), "spine01", "upper_back")

    def hip_of(placed: Placed) -> np.ndarray:
        return ((placed.heads[i["upperleg01.L"]] + placed.heads[i["upperleg01.R"]]) / 2)[1:]

    def shoulder_of(placed: Placed) -> np.ndarray:
        return _shoulders(poser, placed.heads)[1:]

    if ctx.anchor is None:
        # Top of a clean bridge: shoulder, hip and knee in line and the shin vertical (knees over heels).
        def ankle_height_at(theta: float) -> tuple[float, np.ndarray]:
            placed = lying(theta, 0.0)
            hip = hip_of(placed)
            line = hip - shoulder_of(placed)
            knee = hip + poser.thigh * line / np.linalg.norm(line)
            return knee[1] - poser.shin, knee

        lo, hi = 5.0, 45.0
        for _ in range(12):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if ankle_height_at(mid)[0] < poser.ankle_height else (lo, mid)
        ctx.pitch = (lo + hi) / 2
        knee = ankle_height_at(ctx.pitch)[1]
        ctx.anchor = np.array([knee[0], poser.ankle_height])
    theta = ctx.pitch * p
    placed = lying(theta, hyper)
    hip = hip_of(placed)
    ankle = ctx.anchor
    knee = two_link(hip, ankle, poser.thigh, poser.shin, bend=-1.0)
    rot = trunk(theta, hyper)
    rot.update(_legs(poser, hip, knee, ankle, np.eye(3)))
    return poser.on_floor(poser.skin(rot), np.array([0.0, 0.0]), "spine01", "upper_back")


def _rise(edge: float) -> Callable[[float, bool], float]:
    """Envelope that is 0 until depth ``edge`` and 1 at the end of the range."""
    return lambda p, rising: smoothstep(edge, 1.0, p)


def _with_depth(p: float, rising: bool) -> float:
    return p


def _early_ascent(p: float, rising: bool) -> float:
    """0 on the way down; on the way up, peaks half-way (the hips shoot up, the shoulders lag)."""
    return math.sin(math.pi * (1.0 - p)) if rising else 0.0


EXERCISES: dict[str, Exercise] = {
    "deadlift": Exercise(
        name="deadlift", kind="reps",
        errors={
            "rounded_back": ErrorDef("rounded_back", "deadlift.rounded_back", 25.0,
                                     "lumbar+thoracic flexion (deg), spine05..spine01"),
            "hips_rise_first": ErrorDef("hips_rise_first", "deadlift.hips_rise_first", 12.0,
                                        "extra trunk lean half-way up (deg): hips rise before the shoulders"),
            "upper_back_rounding": ErrorDef("upper_back_rounding", "deadlift.rounded_back", 25.0,
                                            "thoracic flexion alone (deg, spine03..spine01; < 0 extension)"),
            "lower_back_rounding": ErrorDef("lower_back_rounding", "deadlift.rounded_back", 25.0,
                                            "lumbar flexion alone (deg, spine05..spine04; < 0 arched)"),
        },
        codes=("deadlift.rounded_back", "deadlift.hips_rise_first"), rep_s=(1.3, 0.4, 1.1, 0.6), make=_deadlift,
        envelope={"rounded_back": _with_depth, "hips_rise_first": _early_ascent,
                  "upper_back_rounding": _with_depth, "lower_back_rounding": _with_depth},
    ),
    "squat": Exercise(
        name="squat", kind="reps",
        errors={"butt_wink": ErrorDef("butt_wink", "squat.butt_wink", 15.0,
                                      "posterior pelvic tilt at the bottom (deg), lumbar flexes with it")},
        codes=("squat.butt_wink",), rep_s=(1.4, 0.3, 1.1, 0.6), make=_squat,
        envelope={"butt_wink": _rise(0.55)},
    ),
    "plank": Exercise(
        name="plank", kind="hold",
        errors={
            "sagging_hips": ErrorDef("sagging_hips", "plank.sagging_hips", 12.0,
                                     "trunk-leg angle opening below straight (deg)"),
            # an upside-down V (ERRORS.md); real planks labelled correct close by up to ~28 deg
            "piked_hips": ErrorDef("piked_hips", "plank.piked_hips", 35.0,
                                   "trunk-leg angle closing above straight (deg)"),
        },
        codes=("plank.sagging_hips", "plank.piked_hips"), rep_s=(0.0, 0.0, 0.0, 0.0), make=_plank,
    ),
    "glute_bridge": Exercise(
        name="glute_bridge", kind="reps",
        errors={"hyperextension": ErrorDef("hyperextension", "glute_bridge.hyperextension", 15.0,
                                           "lumbar extension at the top (deg): thorax steeper, pelvis tipped")},
        codes=("glute_bridge.hyperextension",), rep_s=(1.0, 1.0, 2.0, 0.6), make=_bridge,
        envelope={"hyperextension": _rise(0.5)},
    ),
    "pushup": Exercise(
        name="pushup", kind="reps",
        errors={
            "hip_sag": ErrorDef("hip_sag", "pushup.hip_sag", 12.0,
                                "trunk-leg angle opening below straight (deg), whole set"),
            "piking": ErrorDef("piking", "pushup.piking", 12.0,
                               "trunk-leg angle closing above straight (deg), whole set"),
            "hands_forward": ErrorDef("hands_forward", "pushup.hands_forward", 25.0,
                                      "straight arm's lean at the top, hands ahead of the shoulders (deg)"),
            "hands_behind": ErrorDef("hands_behind", "pushup.hands_behind", 20.0,
                                     "straight arm's lean at the top, hands behind the shoulders (deg)"),
        },
        codes=("pushup.hip_sag", "pushup.piking", "pushup.hands_forward", "pushup.hands_behind"),
        rep_s=(1.2, 0.2, 1.0, 0.5), make=_pushup,
    ),
}

# The other exercises live in modules of their own (they import the helpers above).
from tools.synth.floor_exercises import FLOOR_EXERCISES  # noqa: E402
from tools.synth.standing_exercises import STANDING_EXERCISES  # noqa: E402

EXERCISES.update(STANDING_EXERCISES)
EXERCISES.update(FLOOR_EXERCISES)
