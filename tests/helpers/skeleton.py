"""Kinematic skeleton generator: MediaPipe-style pose tracks with exact ground truth.

Why: the rules must be tested on poses whose errors are known to the degree,
filmed from known angles, with the noise, gaps and visibility drops a real pose
model produces, and without pretending that landmarks show more than they do.

The body is a stick figure moving in its sagittal plane, with both body sides
offset sideways, so that a camera yaw projects it like a real body.

Lab frame (metres): x anterior (the way a standing athlete faces), y up, z to
the athlete's right (so the left side is at -z); the floor is y = 0.

Segment lengths are fractions of body height (Winter's anthropometry): shank
0.246 H, thigh 0.245 H, foot 0.152 H, upper arm 0.186 H, forearm 0.146 H, hip
joint to shoulder joint 0.30 H. MediaPipe has no spine points, so the trunk is
a chain the landmarks only see the ends of:

    hip joint -> pelvis (to L5/S1) -> lumbar -> thoracic (to C7) -> shoulder joint
                                                         C7 -> neck -> head (ear, eyes, nose, mouth)

What each `Pose` angle does to the landmarks:

* ``shank_deg``: shank tilt from vertical, knee toward +x (ankle dorsiflexion
  with a flat foot). Moves knee, hip and everything above.
* ``knee_deg``: knee flexion. Moves hip and everything above.
* ``trunk_deg``: inclination of the *neutral* trunk from vertical, forward
  positive: the hip hinge. With a straight spine the hip-shoulder line has
  exactly this lean.
* ``pelvic_tilt_deg``: posterior tilt (tuck) positive. Rotates the pelvis about
  the hip joints: the hip landmarks do not move (they are the joint centres);
  L5/S1 swings, which shifts the shoulders a little. Nearly invisible in
  landmarks, as on real bodies (see DESIGN.md: butt wink).
* ``lumbar_deg``, ``thoracic_deg``: spine flexion (negative = extension/arch).
  At the same hinge, flexion brings the shoulders and head forward and down and
  shortens the hip-shoulder distance (the chord of a bent spine); hips, knees
  and feet stay put. A deeper hinge leans the hip-shoulder line just as much but
  keeps its length and the head in line with it.
* ``neck_deg``: neck flexion relative to the thorax (head dropping positive,
  cranking up negative). Moves ears, eyes, nose, mouth.
* ``foot_deg``: foot angle from the floor, heel up positive.
* ``arm_deg``, ``forearm_deg``, ``hand_deg``: upper arm, forearm and hand
  directions in the lab, measured from straight down toward +x. Arms hang or
  press on the floor, so the lab frame is where they are naturally specified.

The camera (`Camera`) looks at the motion from yaw 0 (the athlete's left side)
through 90 (their front); image x is normalised by frame width and y by height,
so only ``x * w`` and ``y * h`` are in the same unit (pixels).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from analyzer.landmarks import INDEX, LANDMARK_NAMES
from analyzer.track import PoseTrack

# Where the landmark centres sit above the floor when that part rests on it
# (fractions of height): elbow on a forearm, flat hand's wrist, the shoulder
# and hip joints of a body lying on its back.
ELBOW_ON_FLOOR = 0.025
WRIST_ON_FLOOR = 0.02
SUPINE_JOINT_HEIGHT = 0.05
# Face points relative to the ear, in the head frame: (anterior, up, lateral) x H.
FACE = {
    "ear": (0.0, 0.0, 0.040),
    "nose": (0.060, -0.012, 0.0),
    "eye_inner": (0.055, 0.008, 0.009),
    "eye": (0.053, 0.008, 0.018),
    "eye_outer": (0.048, 0.008, 0.027),
    "mouth": (0.053, -0.030, 0.013),
}
# Hand points along the hand from the wrist, and sideways from the grip line, x H.
HAND = {"index": (0.050, 0.0), "pinky": (0.045, 0.012), "thumb": (0.030, -0.012)}
# A rounded back in a lift is lumbar and thoracic flexion with the pelvis tucking under by this share of
# it: with it the hip-shoulder line leans 9-15 deg more at 30-50 deg of flexion, as measured on rendered
# bodies (DESIGN.md: 6-16 deg); without it, 19-33 deg, more than real lifters show.
ROUNDING_PELVIS_TUCK = 0.35
# Butt wink: lumbar flexion per degree of posterior pelvic tilt. At 1.2 the thorax leans within 0.5 deg of
# where it was (DESIGN.md: under 3 deg lean, under 1 deg hip angle on rendered bodies): landmarks miss it.
BUTT_WINK_LUMBAR = 1.2
LIMB_JOINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
# The clean defaults of knobs that are a fault only one way: a shallower squat (thigh angle from
# vertical at the bottom, deg), more forward lean (deg), a quicker lowering of a bridge (s).
SQUAT_DEPTH_DEG = 95.0
# Shin tilt at the floor in a kettlebell deadlift: with no bar in the way the knees travel past the bell.
KETTLEBELL_SHANK_DEG = 15.0
SQUAT_LEAN_DEG = 40.0
BRIDGE_LOWER_S = 1.5


# -- body and pose ----------------------------------------------------------
# MediaPipe's image z is in units of the frame's width like x, but runs deeper than the
# geometry: ~3.5 times, measured against its world landmarks on real clips and renders.
# The analyzer's correction (features.view.IMAGE_Z_STRETCH) is the same number, so a view
# estimated from these tracks' image depth agrees with the camera whatever the two share: the
# test of that correction writes its own geometry out (tests/test_kinematics.py).
MEDIAPIPE_Z_DEPTH = 3.5


@dataclass(frozen=True)
class Body:
    """Anthropometry: ``height`` in metres, every other length a fraction of it."""

    height: float = 1.75
    foot: float = 0.152
    ankle_height: float = 0.039
    shank: float = 0.246
    thigh: float = 0.245
    pelvis_up: float = 0.060  # hip joint centre to L5/S1, along the pelvis ...
    pelvis_back: float = 0.030  # ... and behind it
    lumbar: float = 0.100
    thoracic: float = 0.140
    shoulder_fwd: float = (
        0.030  # shoulder joint in front of the spine (equals pelvis_back: neutral trunk is straight)
    )
    neck: float = 0.100  # C7 to the ear, along the neck ...
    ear_fwd: float = 0.030  # ... and in front of it
    upper_arm: float = 0.168  # MediaPipe shoulder to elbow: 0.55 of its trunk on real clips (Winter: 0.186)
    forearm: float = 0.146
    hand: float = 0.108
    hip_half_width: float = 0.055
    shoulder_half_width: float = 0.100
    stance_half_width: float = 0.055  # knees, ankles and feet
    grip_half_width: float = 0.100  # wrists and hands

    def m(self, name: str) -> float:
        """A length in metres."""
        return getattr(self, name) * self.height

    @classmethod
    def sample(cls, height: float, proportion_sd: float, rng: np.random.Generator) -> Body:
        """A body of ``height`` whose proportions vary by ``proportion_sd`` (relative SD), as people do."""
        base = cls(height=height)
        if proportion_sd <= 0:
            return base
        changes = {
            f.name: getattr(base, f.name) * float(np.clip(1 + rng.normal(0, proportion_sd), 0.85, 1.15))
            for f in fields(cls)
            if f.name != "height"
        }
        changes["shoulder_fwd"] = changes["pelvis_back"]  # keep a neutral trunk straight
        return replace(base, **changes)


@dataclass
class Pose:
    """Joint and segment angles in degrees, each a scalar or a (T,) series (see the module doc)."""

    shank_deg: ArrayLike = 0.0
    knee_deg: ArrayLike = 0.0
    trunk_deg: ArrayLike = 0.0
    pelvic_tilt_deg: ArrayLike = 0.0
    lumbar_deg: ArrayLike = 0.0
    thoracic_deg: ArrayLike = 0.0
    neck_deg: ArrayLike = 0.0
    foot_deg: ArrayLike = 0.0
    arm_deg: ArrayLike = 0.0
    forearm_deg: ArrayLike = 0.0
    hand_deg: ArrayLike = 0.0

    def __post_init__(self) -> None:
        names = [f.name for f in fields(self)]
        values = np.broadcast_arrays(*(np.atleast_1d(np.asarray(getattr(self, n), float)) for n in names))
        for name, value in zip(names, values):
            setattr(self, name, np.array(value, dtype=float))

    def __len__(self) -> int:
        return len(self.shank_deg)

    def with_(self, **changes: ArrayLike) -> Pose:
        return replace(self, **changes)

    def blend(self, other: Pose, weight: ArrayLike) -> Pose:
        """Field-wise interpolation: weight 0 gives self, 1 gives other."""
        w = np.asarray(weight, float)
        return Pose(
            **{
                f.name: getattr(self, f.name) + (getattr(other, f.name) - getattr(self, f.name)) * w
                for f in fields(self)
            }
        )

    def tipped(self, delta_deg: ArrayLike) -> Pose:
        """The same body shape rotated forward by ``delta_deg`` as a whole (arms stay as given in the lab)."""
        return self.with_(
            shank_deg=self.shank_deg + delta_deg,
            trunk_deg=self.trunk_deg + delta_deg,
            foot_deg=self.foot_deg + delta_deg,
        )

    @property
    def thorax_dir_deg(self) -> np.ndarray:
        """Direction of the thoracic segment (toward the head), degrees counter-clockwise from +x."""
        return 90 - self.trunk_deg + self.pelvic_tilt_deg - self.lumbar_deg - self.thoracic_deg


def _unit(theta_deg: np.ndarray) -> np.ndarray:
    t = np.radians(theta_deg)
    return np.stack([np.cos(t), np.sin(t)], axis=-1)


def _split(name: str) -> tuple[str, int]:
    """Landmark name -> (body part, side sign): left is -1 (at -z), right +1, centre 0."""
    if name.startswith(("left_", "right_")):
        side, part = name.split("_", 1)
    elif name.startswith("mouth_"):
        part, side = name.split("_")
    else:
        return name, 0
    return part, -1 if side == "left" else 1


def _lateral(body: Body) -> np.ndarray:
    """(33,) z of every landmark: the body's width, which the sagittal chain does not carry."""
    widths = {p: body.m("stance_half_width") for p in ("ankle", "heel", "foot_index", "knee")}
    widths |= {
        "hip": body.m("hip_half_width"),
        "shoulder": body.m("shoulder_half_width"),
        "elbow": body.m("shoulder_half_width"),
        "wrist": body.m("grip_half_width"),
    }
    widths |= {p: body.m("grip_half_width") + off * body.height for p, (_, off) in HAND.items()}
    widths |= {p: lat * body.height for p, (_, _, lat) in FACE.items()}
    return np.array([sign * widths[part] for part, sign in map(_split, LANDMARK_NAMES)])


def forward_kinematics(pose: Pose, body: Body) -> np.ndarray:
    """Lab-frame landmarks (T, 33, 3) of ``pose``, ankles at x = y = 0 (place them with `place`)."""
    m = body.m
    th_shank = 90 - pose.shank_deg
    th_pelvis = 90 - pose.trunk_deg + pose.pelvic_tilt_deg
    th_lumbar = th_pelvis - pose.lumbar_deg
    th_thorax = th_lumbar - pose.thoracic_deg
    th_neck = th_thorax - pose.neck_deg
    p: dict[str, np.ndarray] = {"ankle": np.zeros((len(pose), 2))}
    fwd, up = _unit(-pose.foot_deg), _unit(90 - pose.foot_deg)
    p["heel"] = -0.2 * m("foot") * fwd - m("ankle_height") * up
    p["foot_index"] = 0.8 * m("foot") * fwd - m("ankle_height") * up
    p["knee"] = m("shank") * _unit(th_shank)
    p["hip"] = p["knee"] + m("thigh") * _unit(th_shank + pose.knee_deg)
    l5 = p["hip"] + m("pelvis_up") * _unit(th_pelvis) - m("pelvis_back") * _unit(th_pelvis - 90)
    c7 = l5 + m("lumbar") * _unit(th_lumbar) + m("thoracic") * _unit(th_thorax)
    p["shoulder"] = c7 + m("shoulder_fwd") * _unit(th_thorax - 90)
    p["elbow"] = p["shoulder"] + m("upper_arm") * _unit(pose.arm_deg - 90)
    p["wrist"] = p["elbow"] + m("forearm") * _unit(pose.forearm_deg - 90)
    hand = _unit(pose.hand_deg - 90)
    for part, (along, _) in HAND.items():
        p[part] = p["wrist"] + along * body.height * hand
    head_up, head_fwd = _unit(th_neck), _unit(th_neck - 90)
    ear = c7 + m("neck") * head_up + m("ear_fwd") * head_fwd
    for part, (ant, upw, _) in FACE.items():
        p[part] = ear + body.height * (ant * head_fwd + upw * head_up)
    xy = np.stack([p[part] for part, _ in map(_split, LANDMARK_NAMES)], axis=1)
    z = np.broadcast_to(_lateral(body), xy.shape[:2])
    return np.concatenate([xy, z[..., None]], axis=-1)


def place(points: np.ndarray, landmark: str, x: ArrayLike = 0.0, y: ArrayLike = 0.0) -> np.ndarray:
    """Translate each frame so that ``landmark`` (e.g. ``"foot_index"``, both sides) is at lab (x, y)."""
    i = INDEX[f"left_{landmark}"]
    shift = np.stack(
        np.broadcast_arrays(np.asarray(x, float) - points[:, i, 0], np.asarray(y, float) - points[:, i, 1]),
        axis=-1,
    )
    out = points.copy()
    out[..., :2] += shift[:, None, :]
    return out


# -- measurements on lab points (ground truth, used by the programs and tests) --
def mid(points: np.ndarray, part: str) -> np.ndarray:
    """Midpoint of the left and right ``part`` (e.g. ``"hip"``), (T, 3)."""
    return (points[:, INDEX[f"left_{part}"]] + points[:, INDEX[f"right_{part}"]]) / 2


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees (180 = straight) for (..., D) points."""
    ba, bc = a - b, c - b
    cos = np.sum(ba * bc, -1) / (np.linalg.norm(ba, axis=-1) * np.linalg.norm(bc, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def hip_line_deviation_deg(points: np.ndarray, distal: str = "ankle") -> np.ndarray:
    """180 minus the shoulder-hip-``distal`` angle, signed: + when the hip lies on the body's front side
    of the shoulder-distal line (extension: plank sag, bridge hyperextension), - behind it (pike).

    Lab points only (it needs the sagittal plane); on a face-down body + is toward the floor.
    """
    s, h, d = mid(points, "shoulder")[:, :2], mid(points, "hip")[:, :2], mid(points, distal)[:, :2]
    line = s - d
    anterior = np.stack([line[:, 1], -line[:, 0]], axis=-1)  # superior rotated 90 deg clockwise
    side = np.sign(np.sum((h - d) * anterior, -1))
    return side * (180 - angle_deg(s, h, d))


def trunk_lean_deg(points: np.ndarray) -> np.ndarray:
    """Inclination of the mid-hip to mid-shoulder line from vertical (lab), forward positive."""
    v = mid(points, "shoulder") - mid(points, "hip")
    return np.degrees(np.arctan2(v[:, 0], v[:, 1]))


def knee_ankle_gap_ratio(points: np.ndarray) -> np.ndarray:
    """Distance between the knees over distance between the ankles, across the body (lab z)."""
    def gap(part: str) -> np.ndarray:
        return np.abs(points[:, INDEX[f"left_{part}"], 2] - points[:, INDEX[f"right_{part}"], 2])

    return gap("knee") / gap("ankle")


def hand_to_leg_gap(points: np.ndarray, side: str = "left") -> np.ndarray:
    """How far (lab x, + toward the front) the wrist is ahead of the thigh or shin at the wrist's own height,
    in leg lengths (thigh + shank); NaN where the wrist is above the hip or below the ankle."""
    p = {j: points[:, INDEX[f"{side}_{j}"], :2] for j in ("wrist", "hip", "knee", "ankle")}
    leg = np.linalg.norm(p["hip"] - p["knee"], axis=-1) + np.linalg.norm(p["knee"] - p["ankle"], axis=-1)
    gap = np.full(len(points), np.nan)
    for upper, lower in (("hip", "knee"), ("knee", "ankle")):
        a, b = p[upper], p[lower]
        s = (p["wrist"][:, 1] - a[:, 1]) / (b[:, 1] - a[:, 1])
        inside = (s >= 0) & (s <= 1) & np.isnan(gap)
        gap[inside] = (p["wrist"][:, 0] - (a[:, 0] + s * (b[:, 0] - a[:, 0])))[inside]
    return gap / leg


def neck_bend_deg(points: np.ndarray, side: str = "left") -> np.ndarray:
    """Angle of the shoulder-to-ear line off the hip-to-shoulder line in the sagittal plane (lab), + toward
    the front (head dropping)."""
    hip, shoulder, ear = (points[:, INDEX[f"{side}_{j}"], :2] for j in ("hip", "shoulder", "ear"))
    trunk, neck = shoulder - hip, ear - shoulder
    cross = trunk[:, 0] * neck[:, 1] - trunk[:, 1] * neck[:, 0]
    return -np.degrees(np.arctan2(cross, np.sum(trunk * neck, axis=-1)))


# -- camera -------------------------------------------------------------------
@dataclass(frozen=True)
class Camera:
    """A pinhole (or orthographic) camera looking at ``target`` from ``position`` (lab metres)."""

    yaw_deg: float
    position: tuple[float, float, float]
    target: tuple[float, float, float]
    focal_px: float
    size: tuple[int, int]
    orthographic: bool = False

    @property
    def distance(self) -> float:
        return float(np.linalg.norm(np.subtract(self.target, self.position)))

    @property
    def rotation(self) -> np.ndarray:
        """Rows: camera x (image right), y (image down), z (optical axis) in lab coordinates."""
        forward = np.subtract(self.target, self.position)
        forward = forward / np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 1.0, 0.0])
        right = right / np.linalg.norm(right)
        return np.stack([right, np.cross(forward, right), forward])

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """Lab points (..., 3) in camera coordinates (x right, y down, z away: MediaPipe's world axes)."""
        return (points - np.asarray(self.position)) @ self.rotation.T

    def depth(self, cam: np.ndarray) -> np.ndarray:
        return np.full(cam.shape[:-1], self.distance) if self.orthographic else cam[..., 2]

    def project(self, points: np.ndarray) -> np.ndarray:
        """Lab points (..., 3) -> normalised image x, y (..., 2): x in frame widths, y in frame heights."""
        cam = self.to_camera(points)
        w, h = self.size
        pix = self.focal_px * cam[..., :2] / self.depth(cam)[..., None] + np.array([w, h]) / 2
        return pix / np.array([w, h])

    @classmethod
    def framing(
        cls,
        points: np.ndarray,
        yaw_deg: float,
        size: tuple[int, int],
        fov_deg: float = 65.0,
        distance: float | None = None,
        height: float | None = None,
        orthographic: bool = False,
        fill: float = 0.8,
    ) -> Camera:
        """A camera at ``yaw_deg`` aimed at the middle of the motion; with no ``distance``, as near as keeps
        every point of the whole clip inside ``fill`` of the frame (static, like a phone on a tripod)."""
        pts = points.reshape(-1, 3)
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        target = (pts.min(0) + pts.max(0)) / 2
        look = np.array([math.sin(math.radians(yaw_deg)), 0.0, -math.cos(math.radians(yaw_deg))])
        focal = max(size) / 2 / math.tan(math.radians(fov_deg) / 2)
        cam_y = target[1] if height is None else height
        reach = float(np.max(np.linalg.norm((pts - target)[:, [0, 2]], axis=1)))

        def at(d: float) -> Camera:
            pos = target + d * look
            return cls(yaw_deg, (pos[0], cam_y, pos[2]), tuple(target), focal, size, orthographic)

        if distance is not None:
            return at(distance)
        d = reach + 1.0
        for _ in range(6):
            pix = at(d).project(pts) * np.array(size)
            scale = max(np.ptp(pix[:, 0]) / (fill * size[0]), np.ptp(pix[:, 1]) / (fill * size[1]))
            d = max(d * scale, reach + 0.5)
        return at(d)


# -- scene setup and realism ------------------------------------------------------
@dataclass(frozen=True)
class Setup:
    """Who is filmed, how, and how imperfect the pose model is. Defaults: exact (no noise, no gaps).

    ``noise_px``: Gaussian landmark noise in pixels (MediaPipe: ~2-4 px), 1.5x on the far side;
    world landmarks get the same noise in metres at the body's distance.
    ``missing_rate``: fraction of frames with no person (whole frame NaN), in runs of 1-4 frames.
    ``far_visibility``: visibility of the body side facing away from the camera in a side view.
    ``dropouts``: bursts (5-15 frames) in which one near-side joint drops to visibility 0.05-0.3
    and its position wanders (MediaPipe guesses occluded points).
    ``proportion_sd``: relative SD of segment lengths; ``camera_distance`` None frames the motion.
    """

    fps: float = 30.0
    size: tuple[int, int] = (1280, 720)
    yaw_deg: float = 0.0
    camera_distance: float | None = None
    camera_height: float | None = None
    fov_deg: float = 65.0
    orthographic: bool = False
    height_m: float = 1.75
    proportion_sd: float = 0.0
    noise_px: float = 0.0
    missing_rate: float = 0.0
    far_visibility: float = 0.5
    dropouts: int = 0
    seed: int = 0

    @classmethod
    def realistic(cls, **overrides: Any) -> Setup:
        """Typical phone-and-MediaPipe conditions."""
        base = cls(noise_px=3.0, missing_rate=0.02, dropouts=2, proportion_sd=0.03, far_visibility=0.45)
        return replace(base, **overrides)

    @property
    def view(self) -> str:
        yaw = abs((self.yaw_deg + 90) % 180 - 90)  # 0..90 from the nearest side view
        return "side" if yaw <= 30 else "front" if yaw >= 60 else "oblique"


class Rep(NamedTuple):
    """One repetition: leaves the rest position, reaches its extreme (``turn_ms``: the bottom of a squat,
    deadlift or push-up, the top of a bridge), and is back at rest."""

    start_ms: float
    turn_ms: float
    end_ms: float


@dataclass
class InjectedError:
    """A form error put into the motion: its finding ``code``, peak ``magnitude`` and where it shows.

    ``spans`` are the times (ms) the error is at least half its peak; ``onset_ms`` is when it starts.
    """

    code: str
    magnitude: float
    unit: str
    spans: list[tuple[float, float]]
    onset_ms: float


@dataclass
class GroundTruth:
    """What the generator put into a track. ``clean`` is the same track with no noise, gaps or dropouts;
    ``lab`` its noise-free lab-frame points (T, 33, 3); ``measures`` exact geometric values."""

    exercise: str
    reps: list[Rep]
    hold: tuple[float, float] | None
    errors: list[InjectedError]
    yaw_deg: float
    view: str
    fps: float
    body: Body
    camera: Camera
    measures: dict[str, float] = field(default_factory=dict)
    missing_ms: list[float] = field(default_factory=list)
    dropouts: list[tuple[str, float, float]] = field(default_factory=list)
    clean: PoseTrack | None = field(default=None, repr=False)
    lab: np.ndarray | None = field(default=None, repr=False)

    @property
    def codes(self) -> set[str]:
        return {e.code for e in self.errors}

    def error(self, code: str) -> InjectedError | None:
        return next((e for e in self.errors if e.code == code), None)


def _render(
    lab: np.ndarray, t_s: np.ndarray, setup: Setup, rng: np.random.Generator, exercise: str
) -> tuple[PoseTrack, PoseTrack, Camera, list[float], list[tuple[str, float, float]]]:
    """Film the lab points: (noisy track, clean track, camera, missing frame times, dropouts)."""
    cam = Camera.framing(
        lab,
        setup.yaw_deg,
        setup.size,
        setup.fov_deg,
        setup.camera_distance,
        setup.camera_height,
        setup.orthographic,
    )
    w, h = setup.size
    xyz = cam.to_camera(lab)
    depth = cam.depth(xyz)
    hip = (xyz[:, INDEX["left_hip"]] + xyz[:, INDEX["right_hip"]]) / 2
    hip_depth = (depth[:, INDEX["left_hip"]] + depth[:, INDEX["right_hip"]]) / 2
    image = np.empty_like(xyz)
    image[..., :2] = cam.project(lab)
    image[..., 2] = MEDIAPIPE_Z_DEPTH * cam.focal_px * (xyz[..., 2] - hip[:, None, 2]) / (hip_depth[:, None] * w)
    world = xyz - hip[:, None, :]
    # Occlusion: how much each landmark's body side faces away from the camera (0 near, 1 far).
    signs = np.array([sign for _, sign in map(_split, LANDMARK_NAMES)], float)
    away = np.clip(signs * math.cos(math.radians(setup.yaw_deg)), 0, 1)
    base_vis = 0.98 - (0.98 - setup.far_visibility) * away
    meta = {"source": "tests.skeleton", "exercise": exercise, "synthetic": True, "seed": setup.seed}
    clean = PoseTrack(
        t_ms=t_s * 1000,
        image=image,
        visibility=np.broadcast_to(base_vis, image.shape[:2]),
        world=world,
        size=setup.size,
        meta=meta,
    )

    n = len(t_s)
    vis = np.clip(base_vis + rng.normal(0, 0.02 + 0.05 * away, (n, len(signs))), 0, 1)
    sd_px = np.full((n, len(signs)), setup.noise_px) * (1 + 0.5 * away)
    dropouts = []
    near = -1 if math.cos(math.radians(setup.yaw_deg)) >= 0 else 1
    for _ in range(setup.dropouts):
        joint = str(rng.choice(LIMB_JOINTS))
        name = f"{'left' if near < 0 else 'right'}_{joint}"
        start = int(rng.integers(0, max(n - 5, 1)))
        stop = min(n, start + int(rng.integers(5, 16)))
        vis[start:stop, INDEX[name]] = rng.uniform(0.05, 0.3, stop - start)
        sd_px[start:stop, INDEX[name]] = 4 * max(setup.noise_px, 2.0)
        dropouts.append((name, float(t_s[start] * 1000), float(t_s[stop - 1] * 1000)))
    noise = rng.normal(0, 1, (n, len(signs), 3)) * sd_px[..., None]
    metres_per_px = hip_depth / cam.focal_px
    image = image + noise / np.array([w, h, w])
    world = world + rng.normal(0, 1, world.shape) * sd_px[..., None] * metres_per_px[:, None, None]

    missing = np.zeros(n, bool)
    while missing.sum() < round(setup.missing_rate * n):
        start = int(rng.integers(0, n))
        missing[start : start + int(rng.integers(1, 5))] = True
    image[missing], world[missing], vis[missing] = np.nan, np.nan, np.nan
    track = PoseTrack(
        t_ms=t_s * 1000, image=image, visibility=vis, world=world, size=setup.size, meta=dict(meta)
    )
    return track, clean, cam, [float(t) for t in t_s[missing] * 1000], dropouts


# -- timing ----------------------------------------------------------------------
def min_jerk(tau: ArrayLike) -> np.ndarray:
    """Minimum-jerk progress 0 -> 1 for tau in 0..1 (clipped): the smooth profile of human reaching."""
    t = np.clip(np.asarray(tau, float), 0, 1)
    return t**3 * (10 - 15 * t + 6 * t**2)


@dataclass
class _Timeline:
    """Frame times and, per frame, the segment (0 rest, 1 out, 2 extreme, 3 back) and progress in it."""

    t_s: np.ndarray
    seg: np.ndarray
    tau: np.ndarray
    reps: list[Rep]

    def phase(self, back_from: float = 0.0, back_to: float = 1.0) -> np.ndarray:
        """0 at rest, 1 at the extreme; on the way back, progress runs between ``back_from`` and ``back_to``
        of the segment (so that some joints can lead and others lag)."""
        p = np.where(self.seg == 2, 1.0, 0.0)
        out, back = self.seg == 1, self.seg == 3
        p[out] = min_jerk(self.tau[out])
        p[back] = 1 - min_jerk((self.tau[back] - back_from) / (back_to - back_from))
        return p


def _timeline(
    reps: int,
    fps: float,
    out_s: float,
    extreme_s: float,
    back_s: float,
    rest_s: float,
    lead_s: float = 1.0,
    tail_s: float = 1.0,
) -> _Timeline:
    """Rest, then ``reps`` cycles of out / pause at the extreme / back / rest."""
    segments: list[tuple[int, float]] = [(0, lead_s)]
    for r in range(reps):
        segments += [(1, out_s), (2, extreme_s), (3, back_s), (0, rest_s if r < reps - 1 else tail_s)]
    starts = np.cumsum([0.0] + [d for _, d in segments])
    t = np.arange(int(round(starts[-1] * fps))) / fps
    k = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(segments) - 1)
    durations = np.array([d for _, d in segments])
    seg = np.array([s for s, _ in segments])[k]
    tau = np.divide(t - starts[k], durations[k], out=np.zeros_like(t), where=durations[k] > 0)
    rep_list = [
        Rep(float(1000 * starts[1 + 4 * r]), float(1000 * (starts[2 + 4 * r] + extreme_s / 2)),
            float(1000 * starts[4 + 4 * r]))
        for r in range(reps)
    ]
    return _Timeline(t, seg, tau, rep_list)


def _hurry(clean_halves_s: tuple[float, float], halves_s: tuple[float, float]) -> float:
    """Seconds by which the quicker half of a rep (out or back) is quicker than in the clean program: the
    tempo fault, which every rep exercise is checked for."""
    return max(0.0, min(clean_halves_s) - min(halves_s))


def _spans(t_s: np.ndarray, envelope: np.ndarray) -> tuple[list[tuple[float, float]], float]:
    """Spans (ms) where ``envelope`` is at least half its peak, and the time it first rises above 1%."""
    peak = float(np.max(envelope)) if len(envelope) else 0.0
    if peak <= 0:
        return [], math.nan
    on = envelope >= 0.5 * peak
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(int), [0]])))
    spans = [(float(t_s[a] * 1000), float(t_s[b - 1] * 1000)) for a, b in zip(edges[::2], edges[1::2])]
    return spans, float(t_s[np.argmax(envelope > 0.01 * peak)] * 1000)


def _bisect(
    f: Callable[[np.ndarray], np.ndarray], target: ArrayLike, lo: ArrayLike, hi: ArrayLike, n: int, iters: int = 40
) -> np.ndarray:
    """Per-frame x in [lo, hi] (scalars or per frame) with f(x) = target, for f monotonic on the interval."""
    target = np.broadcast_to(np.asarray(target, float), (n,))
    a, b = np.full(n, lo), np.full(n, hi)
    rising = f(b) >= f(a)
    for _ in range(iters):
        c = (a + b) / 2
        below = (f(c) < target) == rising
        a, b = np.where(below, c, a), np.where(below, b, c)
    return (a + b) / 2


def _circle_meet(p0: np.ndarray, r0: float, p1: np.ndarray, r1: float, pick: Callable) -> np.ndarray:
    """Where circles (p0, r0) and (p1, r1) meet (T, 2); ``pick(a, b)`` -> bool mask choosing a over b."""
    d_vec = p1 - p0
    d = np.linalg.norm(d_vec, axis=-1, keepdims=True)
    along = (r0**2 - r1**2 + d**2) / (2 * d)
    across = np.sqrt(np.clip(r0**2 - along**2, 0, None))
    u = d_vec / d
    perp = np.stack([-u[:, 1], u[:, 0]], axis=-1)
    a, b = p0 + along * u + across * perp, p0 + along * u - across * perp
    return np.where(pick(a, b)[:, None], a, b)


def _prepare(setup: Setup | None, overrides: dict[str, Any]) -> tuple[Setup, np.random.Generator, Body]:
    setup = replace(setup or Setup(), **overrides)
    rng = np.random.default_rng(setup.seed)
    return setup, rng, Body.sample(setup.height_m, setup.proportion_sd, rng)


def _finish(
    exercise: str,
    lab: np.ndarray,
    t_s: np.ndarray,
    setup: Setup,
    rng: np.random.Generator,
    body: Body,
    reps: list[Rep],
    errors: list[tuple[str, float, str, np.ndarray]],
    measures: dict[str, float],
    hold: tuple[float, float] | None = None,
) -> tuple[PoseTrack, GroundTruth]:
    """Film it, write down the truth. ``errors``: (code, magnitude, unit, envelope), kept if nonzero."""
    track, clean, cam, missing, dropouts = _render(lab, t_s, setup, rng, exercise)
    injected = [InjectedError(code, mag, unit, *_spans(t_s, env)) for code, mag, unit, env in errors if mag]
    truth = GroundTruth(
        exercise,
        reps,
        hold,
        injected,
        setup.yaw_deg,
        setup.view,
        setup.fps,
        body,
        cam,
        {k: float(v) for k, v in measures.items()},
        missing,
        dropouts,
        clean,
        lab,
    )
    return track, truth


def _arch(bend_deg: np.ndarray) -> dict[str, np.ndarray]:
    """Body-line bend at the hip: extension (+, sag / hyperextension) is 60% hip, 40% lumbar arch;
    flexion (-, pike) is all hip. Returns the Pose fields (relative to straight legs)."""
    ext, flex = np.maximum(bend_deg, 0), np.minimum(bend_deg, 0)
    return {"trunk_deg": -(0.6 * ext + flex), "lumbar_deg": -0.4 * ext}


def _bend_for(
    deviation_deg: np.ndarray, shape: Pose, body: Body, distal: str = "ankle"
) -> dict[str, np.ndarray]:
    """The `_arch` bend whose landmark hip-line deviation is exactly ``deviation_deg`` (legs straight)."""
    n = len(deviation_deg)
    bend = _bisect(
        lambda b: hip_line_deviation_deg(forward_kinematics(shape.with_(**_arch(b)), body), distal),
        deviation_deg,
        -80.0,
        80.0,
        n,
    )
    return _arch(bend)


def _tip_until(shape: Pose, body: Body, shoulder_y: ArrayLike) -> tuple[Pose, np.ndarray]:
    """Rotate a face-down body about its toes (floor, x=0) until the shoulders reach ``shoulder_y``."""

    def height(delta: np.ndarray) -> np.ndarray:
        return mid(place(forward_kinematics(shape.tipped(delta), body), "foot_index"), "shoulder")[:, 1]

    pose = shape.tipped(_bisect(height, shoulder_y, 30.0, 110.0, len(shape)))
    return pose, place(forward_kinematics(pose, body), "foot_index")


# -- motion programs ---------------------------------------------------------------
def squat(
    reps: int = 3,
    depth_deg: float = SQUAT_DEPTH_DEG,
    butt_wink_deg: float = 0.0,
    forward_lean_deg: float = SQUAT_LEAN_DEG,
    knee_travel: float = 0.0,
    heel_lift_deg: float = 0.0,
    knee_cave: float = 0.0,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Bodyweight squats, arms reaching forward at the bottom.

    ``depth_deg``: thigh angle from vertical at the bottom (90 = parallel). ``forward_lean_deg``: neutral
    trunk lean at the bottom. ``knee_travel``: metres the knees pass the toes at the bottom (sets the shin).
    ``butt_wink_deg``: posterior pelvic tilt in the last 40% of the descent, with `BUTT_WINK_LUMBAR` times
    as much lumbar flexion, so the thorax keeps its angle: the landmarks barely move (DESIGN.md).
    ``heel_lift_deg``: heels rise with depth (foot rotating about the toes).
    ``knee_cave``: share by which the gap between the knees narrows with depth (0.3: the knees end 30%
    closer together than the ankles, which stay put). Only the knees move toward the midline: the thigh
    and shin keep their side-view projection and lengthen by under 1%, a stick figure's simplification.
    Seen only from the front (``yaw_deg`` near 90). Squatting deeper than ``SQUAT_DEPTH_DEG`` or leaning
    less than ``SQUAT_LEAN_DEG`` is no fault; shallower, leaning more or ``speed`` above 1 is (in the truth).
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 1.2 / speed, 0.3 / speed, 1.0 / speed, 0.8 / speed)
    arms = dict(arm_deg=90.0, forearm_deg=90.0, hand_deg=90.0)
    bottom = Pose(trunk_deg=forward_lean_deg, foot_deg=heel_lift_deg, **arms)

    def travel(shank: np.ndarray) -> np.ndarray:
        pts = forward_kinematics(bottom.with_(shank_deg=shank, knee_deg=depth_deg + shank), body)
        return pts[:, INDEX["left_knee"], 0] - pts[:, INDEX["left_foot_index"], 0]

    shank = _bisect(travel, knee_travel, -20.0, 70.0, 1)
    bottom = bottom.with_(shank_deg=shank, knee_deg=depth_deg + shank)
    p = tl.phase()
    wink = min_jerk((p - 0.6) / 0.4)
    pose = (
        Pose().blend(bottom, p).with_(pelvic_tilt_deg=butt_wink_deg * wink,
                                             lumbar_deg=BUTT_WINK_LUMBAR * butt_wink_deg * wink)
    )
    lab = place(forward_kinematics(pose, body), "foot_index")
    for side in ("left", "right"):
        lab[:, INDEX[f"{side}_knee"], 2] *= 1 - knee_cave * p
    turn = np.argmax(p)
    measures = {
        "depth_deg": depth_deg,
        "trunk_lean_bottom_deg": trunk_lean_deg(lab)[turn],
        "knee_past_toe_m": lab[turn, INDEX["left_knee"], 0] - lab[turn, INDEX["left_foot_index"], 0],
        "pelvic_tilt_bottom_deg": butt_wink_deg,
        "knee_gap_ratio_bottom": knee_ankle_gap_ratio(lab)[turn] / knee_ankle_gap_ratio(lab)[0],
    }
    errors = [
        ("squat.butt_wink", butt_wink_deg, "deg", wink),
        ("squat.heels_lifting", heel_lift_deg, "deg", p),
        ("squat.knee_cave", knee_cave, "fraction", p),
        ("squat.depth", max(0.0, SQUAT_DEPTH_DEG - depth_deg), "deg", p),
        ("squat.forward_lean", max(0.0, forward_lean_deg - SQUAT_LEAN_DEG), "deg", p),
        ("squat.tempo", _hurry((1.2, 1.0), (1.2 / speed, 1.0 / speed)), "s", np.ones(len(p))),
    ]
    return _finish("squat", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def overhead_press(
    reps: int = 3,
    back_arch_deg: float = 0.0,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Standing presses from the front rack (elbows forward and down, hands at the shoulders) to straight
    arms overhead. ``back_arch_deg``: lumbar and thoracic extension (60/40) growing with the press, exact at
    the top: the trunk leans back under the bar, the fault the articles name.
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 1.0 / speed, 0.4 / speed, 1.2 / speed, 0.8 / speed)
    p = tl.phase()
    pose = Pose(
        arm_deg=35.0 + 145.0 * p,
        forearm_deg=180.0 - 10.0 * (1 - p),
        hand_deg=180.0,
        lumbar_deg=-0.6 * back_arch_deg * p,
        thoracic_deg=-0.4 * back_arch_deg * p,
    )
    lab = place(forward_kinematics(pose, body), "foot_index")
    turn = np.argmax(p)
    measures = {"trunk_lean_top_deg": trunk_lean_deg(lab)[turn], "trunk_lean_rack_deg": trunk_lean_deg(lab)[0]}
    errors = [
        ("overhead_press.back_arch", back_arch_deg, "deg", p),
        ("overhead_press.tempo", _hurry((1.0, 1.2), (1.0 / speed, 1.2 / speed)), "s", np.ones(len(p))),
    ]
    return _finish("overhead_press", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def crunch(
    reps: int = 3,
    curl_deg: float = 30.0,
    neck_pull_deg: float = 0.0,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Crunches lying on the back, knees bent and feet flat, arms along the sides: the trunk curls up about
    the hips by ``curl_deg`` from the floor (30: a crunch; 60 and more: the whole back off the floor, a
    sit-up). ``neck_pull_deg``: the head bent toward the chest beyond the trunk's line at the top (hands
    pulling on the neck). Feet toward +x, head toward -x.
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 1.0 / speed, 0.4 / speed, 1.2 / speed, 0.8 / speed)
    p = tl.phase()
    lift = curl_deg * p
    legs = Pose(shank_deg=-35.0, foot_deg=0.0)

    def hip_y(knee: np.ndarray) -> np.ndarray:  # the hip joint's height with the ankle on its floor height
        return forward_kinematics(legs.with_(knee_deg=knee), body)[:, INDEX["left_hip"], 1] + body.m("ankle_height")

    knee = float(_bisect(hip_y, SUPINE_JOINT_HEIGHT * body.height, 60.0, 140.0, 1)[0])
    pose = legs.with_(
        knee_deg=knee,
        trunk_deg=-90.0 + lift,
        neck_deg=neck_pull_deg * p,
        arm_deg=90.0 - lift,
        forearm_deg=90.0 - lift,
        hand_deg=90.0 - lift,
    )
    lab = forward_kinematics(pose, body) + np.array([0.0, body.m("ankle_height"), 0.0])
    measures = {"curl_top_deg": curl_deg, "neck_pull_top_deg": neck_pull_deg}
    errors = [
        ("crunch.neck_pull", neck_pull_deg, "deg", p),
        ("crunch.sit_up", max(0.0, curl_deg - 45.0), "deg", p),
        ("crunch.tempo", _hurry((1.0, 1.2), (1.0 / speed, 1.2 / speed)), "s", np.ones(len(p))),
    ]
    return _finish("crunch", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def deadlift(
    reps: int = 3,
    rounded_back_deg: float = 0.0,
    hips_rise_first: float = 0.0,
    hinge_deg: float = 60.0,
    lockout_lean_deg: float = 0.0,
    bar_drift_m: float = 0.0,
    neck_deg: float = 0.0,
    bar_height_m: float = 0.225,
    speed: float = 1.0,
    kettlebell: bool = False,
    rest_s: float | None = None,
    bottom_s: float | None = None,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Conventional deadlifts from lockout: lower to the floor, pull back up; arms hang vertically.

    ``hinge_deg``: neutral trunk lean at the floor; the shins tilt so the bar is over mid-foot.
    ``rounded_back_deg``: total spine flexion at the floor (half lumbar, half thoracic, the pelvis tucking
    by `ROUNDING_PELVIS_TUCK` of it) at the *same* hinge: shoulders and head curl forward and down. To
    still reach the bar the knees bend less, so the hips sit higher, as in real rounded pulls.
    ``hips_rise_first`` (0..1): in the pull the knees extend ahead by that fraction of the pull while the
    shoulders keep their normal schedule, so the trunk tips toward horizontal as the hips come up.
    ``lockout_lean_deg``: leaning back at the top (half hip, half lumbar extension).
    ``bar_drift_m``: at the floor the straight arms swing forward until the hands (and the bar) hang that
    many metres ahead of where hanging arms put them, the body unchanged; it grows with the hinge.
    ``neck_deg``: neck flexion at the floor, growing with the hinge (+ the head drops toward the chest,
    - it cranks up to look ahead); standing tall the head is in line with the trunk.
    The measures give the landmark geometry the checks judge: ``hand_to_leg_gap_max`` (leg lengths) and
    ``neck_bend_change_max_deg`` (head off the trunk line, against standing at the start).
    ``kettlebell``: a kettlebell held in both hands (wrists ~4 cm apart) between the legs instead of a bar,
    the bell between the ankles: with no bar against them the shins tilt further forward, past the bell,
    so at the floor the wrists hang behind the shin line. ``rest_s``: standing tall between reps (default
    0.8 s), ``bottom_s``: the pause at the floor (default 0.4 s), both before ``speed``.
    """
    setup, rng, body = _prepare(setup, overrides)
    if kettlebell:
        body = replace(body, grip_half_width=0.012)
    rest, bottom_pause = (0.8 if rest_s is None else rest_s), (0.4 if bottom_s is None else bottom_s)
    tl = _timeline(reps, setup.fps, 1.5 / speed, bottom_pause / speed, 1.3 / speed, rest / speed)
    top = Pose(trunk_deg=-0.5 * lockout_lean_deg, lumbar_deg=-0.5 * lockout_lean_deg)
    shape = Pose(trunk_deg=hinge_deg, pelvic_tilt_deg=ROUNDING_PELVIS_TUCK * rounded_back_deg,
                 lumbar_deg=rounded_back_deg / 2, thoracic_deg=rounded_back_deg / 2)
    wrist_y = bar_height_m + 0.04  # the wrist sits above the bar held in the hand

    def wrist(knee: np.ndarray, shank: np.ndarray, trunk: ArrayLike = shape.trunk_deg) -> np.ndarray:
        """Wrist relative to mid-foot on the floor (to the ankle for a kettlebell), (n, 2)."""
        pts = forward_kinematics(shape.with_(knee_deg=knee, shank_deg=shank, trunk_deg=trunk), body)
        foot = (pts[:, INDEX["left_heel"]] + pts[:, INDEX["left_foot_index"]]) / 2
        if kettlebell:
            foot = pts[:, INDEX["left_ankle"]]
        return (pts[:, INDEX["left_wrist"]] - foot)[:, :2]

    def shank_over_bar(knee: np.ndarray) -> np.ndarray:  # the shin angle that puts the bar over mid-foot
        return _bisect(lambda s: wrist(knee, s)[:, 0], 0.0, -30.0, 60.0, len(knee), iters=30)

    if kettlebell:  # shins at KETTLEBELL_SHANK_DEG; the hinge that hangs the bell between the ankles

        def reach(trunk: np.ndarray) -> np.ndarray:  # the knee bend that brings the hands to the handle
            shank = np.full(len(trunk), KETTLEBELL_SHANK_DEG)
            return _bisect(lambda k: wrist(k, shank, trunk)[:, 1], wrist_y, 0.0, 150.0, len(trunk), iters=30)

        hinge = _bisect(lambda h: wrist(reach(h), np.full(1, KETTLEBELL_SHANK_DEG), h)[:, 0], 0.0, 10.0, 80.0, 1)
        shape = shape.with_(trunk_deg=hinge)
        bottom = shape.with_(knee_deg=reach(hinge), shank_deg=KETTLEBELL_SHANK_DEG)
    else:
        knee = _bisect(lambda k: wrist(k, shank_over_bar(k))[:, 1], wrist_y, 0.0, 150.0, 1, iters=30)
        bottom = shape.with_(knee_deg=knee, shank_deg=shank_over_bar(knee))
    p_trunk = tl.phase(back_from=0.5 * hips_rise_first)
    p_legs = tl.phase(back_to=1 - 0.5 * hips_rise_first)
    in_step = top.blend(bottom, p_trunk)  # everything on one schedule
    legs = top.blend(bottom, p_legs)
    pose = in_step.with_(knee_deg=legs.knee_deg, shank_deg=legs.shank_deg)
    arm_length = body.m("upper_arm") + body.m("forearm")
    swing = np.degrees(np.arcsin(min(bar_drift_m / arm_length, 1.0))) * p_trunk
    pose = pose.with_(arm_deg=swing, forearm_deg=swing, hand_deg=swing, neck_deg=neck_deg * p_trunk)
    if hips_rise_first:  # the shoulders keep their schedule, so the trunk tips over while the hips lead

        def shoulder_y(trunk: np.ndarray) -> np.ndarray:
            pts = place(forward_kinematics(pose.with_(trunk_deg=trunk), body), "foot_index")
            return mid(pts, "shoulder")[:, 1]

        target = mid(place(forward_kinematics(in_step, body), "foot_index"), "shoulder")[:, 1]
        # Only ever further forward than on the normal schedule: leaning back would lower the shoulders
        # too (height is not monotonic through upright) and put a lockout lean-back into the track.
        trunk = _bisect(shoulder_y, target, in_step.trunk_deg, hinge_deg + 40.0, len(pose))
        pose = pose.with_(trunk_deg=np.where(p_legs < p_trunk, trunk, pose.trunk_deg))
    lab = place(forward_kinematics(pose, body), "foot_index")
    turn = np.argmax(p_trunk)
    measures = {
        "trunk_lean_bottom_deg": trunk_lean_deg(lab)[turn],
        "knee_bottom_deg": bottom.knee_deg[0], "shank_bottom_deg": bottom.shank_deg[0],
        "hip_height_bottom_m": mid(lab, "hip")[turn, 1],
        "spine_flexion_bottom_deg": rounded_back_deg,
        "hand_to_leg_gap_max": float(np.nanmax(hand_to_leg_gap(lab))),
        "neck_bend_change_max_deg": float(np.max(np.abs(neck_bend_deg(lab) - neck_bend_deg(lab)[0]))),
    }
    errors = [
        ("deadlift.rounded_back", rounded_back_deg, "deg", p_trunk),
        ("deadlift.hips_rise_first", hips_rise_first, "fraction", p_trunk - p_legs),
        ("deadlift.lockout_hyperextension", lockout_lean_deg, "deg", 1 - p_trunk),
        ("deadlift.bar_drift", bar_drift_m, "m", p_trunk),
        ("deadlift.neck", abs(neck_deg), "deg", p_trunk),
        ("deadlift.tempo", _hurry((1.5, 1.3), (1.5 / speed, 1.3 / speed)), "s", np.ones(len(p_trunk))),
    ]
    return _finish("deadlift", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def plank(
    duration_s: float = 30.0,
    hip_sag_deg: float = 0.0,
    hip_pike_deg: float = 0.0,
    sag_onset_s: float | None = None,
    head_drop_deg: float = 0.0,
    ramp_s: float = 3.0,
    sway_deg: float = 0.0,
    lying_s: tuple[float, float] = (0.0, 0.0),
    get_up_s: float = 1.5,
    knees_down: bool = False,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """A forearm plank held for the whole clip: toes and elbows (under the shoulders) on the floor.

    ``hip_sag_deg`` / ``hip_pike_deg``: the hip's deviation from the shoulder-ankle line, exact in the
    landmarks (hip angle 180 - value), hips toward / away from the floor; sag is hip extension plus a
    lumbar arch. ``sag_onset_s``: the errors (sag, pike, head drop) appear from then, over ``ramp_s``;
    None: from the start. ``head_drop_deg``: neck flexion. ``sway_deg``: breathing wobble of the hip line.
    ``lying_s`` (before, after): seconds lying on the forearms (`_on_the_floor`) before the plank and after
    it; getting up and lowering back down take ``get_up_s`` each, outside the ``duration_s`` held (the
    truth's hold). ``knees_down``: the whole clip is a knee plank instead, which is no plank (no hold).
    """
    setup, rng, body = _prepare(setup, overrides)
    t = np.arange(int(round(duration_s * setup.fps))) / setup.fps
    envelope = np.ones_like(t) if sag_onset_s is None else min_jerk((t - sag_onset_s) / ramp_s)
    deviation = (hip_sag_deg - hip_pike_deg) * envelope + sway_deg * np.sin(2 * np.pi * t / 4.0)
    shape = Pose(
        foot_deg=np.full_like(t, 10.0),
        neck_deg=head_drop_deg * envelope,
        arm_deg=0.0,
        forearm_deg=90.0,
        hand_deg=90.0,
    )
    shape = shape.with_(**_bend_for(deviation, shape, body))
    _, lab = _tip_until(shape, body, (ELBOW_ON_FLOOR + body.upper_arm) * body.height)
    measures = {
        "hip_deviation_max_deg": np.max(hip_line_deviation_deg(lab)),
        "hip_deviation_min_deg": np.min(hip_line_deviation_deg(lab)),
    }
    errors = [
        ("plank.sagging_hips", hip_sag_deg, "deg", envelope),
        ("plank.piked_hips", hip_pike_deg, "deg", envelope),
        ("plank.head_dropping", head_drop_deg, "deg", envelope),
    ]
    hold: tuple[float, float] | None = (0.0, float(t[-1] * 1000 + 1000 / setup.fps))
    if knees_down:
        lab, hold = np.repeat(_on_the_floor(body, knees_down=True), len(t), axis=0), None
        errors = []
    elif any(lying_s):
        lab, t, hold = _from_and_to_the_floor(lab, body, setup.fps, lying_s, get_up_s)
        at = int(round(hold[0] * setup.fps / 1000))  # the faults are the hold's: none on the floor
        errors = [(code, mag, unit, np.pad(env, (at, len(t) - at - len(env)))) for code, mag, unit, env in errors]
    return _finish("plank", lab, t, setup, rng, body, [], errors, measures, hold)


# Where a knee resting on the floor has its centre (half the knee's depth), x height.
KNEE_ON_FLOOR = 0.03
# A foot lying on its outer edge has the ankle's centre this high above the floor, x height.
ANKLE_ON_SIDE = 0.025
LEG_POINTS = ("knee", "ankle", "heel", "foot_index")


def _rotate_about_x(points: np.ndarray, centre: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Points (T, K, 3) turned about the x axis through ``centre`` (T, 3) by ``angle_deg`` (T,): y toward z."""
    a = np.radians(angle_deg)[:, None]
    rel = points - centre[:, None, :]
    y, z = rel[..., 1], rel[..., 2]
    out = rel.copy()
    out[..., 1], out[..., 2] = y * np.cos(a) - z * np.sin(a), y * np.sin(a) + z * np.cos(a)
    return out + centre[:, None, :]


def side_plank(
    duration_s: float = 20.0,
    hip_drop_deg: float = 0.0,
    drop_onset_s: float | None = None,
    ramp_s: float = 3.0,
    sway_deg: float = 0.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """A forearm side plank held for the whole clip, on the left side, facing +x (a camera at yaw 90 films
    it from the front): the left elbow on the floor under the shoulder, the forearm pointing at the camera,
    the feet stacked on their edges, the right arm along the body.

    ``hip_drop_deg``: the midline (mid-shoulder, mid-hip, mid-ankle) bends at the hip by that much toward
    the floor, exact in the landmarks; from ``drop_onset_s`` over ``ramp_s`` (None: from the start).
    ``sway_deg``: breathing wobble of the bend.
    """
    setup, rng, body = _prepare(setup, overrides)
    t = np.arange(int(round(duration_s * setup.fps))) / setup.fps
    envelope = np.ones_like(t) if drop_onset_s is None else min_jerk((t - drop_onset_s) / ramp_s)
    bend = hip_drop_deg * envelope + sway_deg * np.sin(2 * np.pi * t / 4.0)
    standing = forward_kinematics(Pose(foot_deg=np.zeros_like(t)), body)  # x front, y head, z right
    hip = mid(standing, "hip")
    legs = [INDEX[f"{side}_{part}"] for side in ("left", "right") for part in LEG_POINTS]
    upper = [i for i in range(standing.shape[1]) if i not in legs and LANDMARK_NAMES[i] not in ("left_hip", "right_hip")]
    bent = standing.copy()  # both ends turned up toward the right side: the hip drops toward the left, the floor
    bent[:, upper] = _rotate_about_x(standing[:, upper], hip, bend / 2)
    bent[:, legs] = _rotate_about_x(standing[:, legs], hip, -bend / 2)
    lying = np.stack([bent[..., 0], bent[..., 2], -bent[..., 1]], axis=-1)  # right side up, the head toward -z
    ankle = lying[:, INDEX["left_ankle"]]
    shoulder_y = ELBOW_ON_FLOOR * body.height + body.m("upper_arm")

    def raised(tilt: np.ndarray) -> np.ndarray:  # the head end lifted about the bottom ankle
        pts = _rotate_about_x(lying, ankle, tilt)
        return pts + np.array([0.0, ANKLE_ON_SIDE * body.height, 0.0]) - np.stack(
            [np.zeros_like(tilt), pts[:, INDEX["left_ankle"], 1], np.zeros_like(tilt)], axis=-1
        )[:, None, :]

    lab = raised(_bisect(lambda tilt: raised(tilt)[:, INDEX["left_shoulder"], 1], shoulder_y, 0.0, 60.0, len(t)))
    elbow = lab[:, INDEX["left_shoulder"]] - np.array([0.0, body.m("upper_arm"), 0.0])
    lab[:, INDEX["left_elbow"]] = elbow
    lab[:, INDEX["left_wrist"]] = elbow + np.array([body.m("forearm"), 0.0, 0.0])
    for part, (along, sideways) in HAND.items():
        lab[:, INDEX[f"left_{part}"]] = lab[:, INDEX["left_wrist"]] + body.height * np.array([along, 0.0, sideways])
    midline = (mid(lab, "shoulder"), mid(lab, "hip"), mid(lab, "ankle"))
    measures = {"hip_drop_max_deg": float(np.max(180.0 - angle_deg(*midline)))}
    errors = [("side_plank.hips_dropping", hip_drop_deg, "deg", envelope)]
    hold = (0.0, float(t[-1] * 1000 + 1000 / setup.fps))
    return _finish("side_plank", lab, t, setup, rng, body, [], errors, measures, hold)


def _on_the_floor(body: Body, knees_down: bool) -> np.ndarray:
    """Lab points (1, 33, 3) of a body face down on its forearms (elbows on the floor under the shoulders,
    toes tucked under) with the knees on the floor: lying, the thighs on the floor too and the trunk propped
    up on the arms, or, ``knees_down``, a knee plank (hips in line between shoulders and knees)."""
    shape = Pose(foot_deg=100.0, arm_deg=0.0, forearm_deg=90.0, hand_deg=90.0)
    pts = forward_kinematics(shape, body)
    ankle_up = pts[0, INDEX["left_ankle"], 1] - pts[0, INDEX["left_foot_index"], 1]
    shank_dir = -np.degrees(np.arcsin((ankle_up - KNEE_ON_FLOOR * body.height) / body.m("shank")))

    def pose(lift: np.ndarray) -> Pose:  # thigh (and trunk) raised by ``lift`` deg from the floor
        thigh = lift if knees_down else np.zeros_like(lift)
        return shape.with_(shank_deg=90 - shank_dir, knee_deg=thigh - shank_dir, trunk_deg=90 - lift)

    def elbow_y(lift: np.ndarray) -> np.ndarray:
        return place(forward_kinematics(pose(lift), body), "foot_index")[:, INDEX["left_elbow"], 1]

    lift = _bisect(elbow_y, ELBOW_ON_FLOOR * body.height, 0.0, 60.0, 1)
    return place(forward_kinematics(pose(lift), body), "foot_index")


def _from_and_to_the_floor(
    plank: np.ndarray, body: Body, fps: float, lying_s: tuple[float, float], get_up_s: float
) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """The plank's lab points preceded and followed by lying on the forearms, getting up and lowering back
    down over ``get_up_s`` (a minimum-jerk blend of the points): (lab, t_s, the plank's hold in ms)."""
    floor = _on_the_floor(body, knees_down=False)
    before, after = (int(round(s * fps)) for s in lying_s)
    move = int(round(get_up_s * fps))
    up = min_jerk(np.arange(move) / move)
    weight = np.concatenate([np.zeros(before), up, np.ones(len(plank)), up[::-1], np.zeros(after)])
    held = np.concatenate([np.repeat(plank[:1], before + move, 0), plank, np.repeat(plank[-1:], move + after, 0)])
    lab = floor + (held - floor) * weight[:, None, None]
    start = (before + move) / fps * 1000
    return lab, np.arange(len(lab)) / fps, (start, start + len(plank) / fps * 1000)


def pushup(
    reps: int = 3,
    hip_sag_deg: float = 0.0,
    pike_deg: float = 0.0,
    range_fraction: float = 1.0,
    hands_ahead_m: float = 0.0,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Push-ups from straight arms (hands under the shoulders) to the chest near the floor.

    ``hip_sag_deg``: hip-line deviation toward the floor, growing as the body lowers (exact at the bottom).
    ``pike_deg``: hips held up by that much throughout. ``range_fraction``: fraction of the full descent.
    ``hands_ahead_m``: the hands this far ahead of the shoulders at the top (toward the head; - behind);
    the straight arms then lean by ``measures['hands_ahead_deg']``.
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 1.2 / speed, 0.2 / speed, 1.0 / speed, 0.6 / speed)
    p = tl.phase()
    n = len(tl.t_s)
    shape = Pose(foot_deg=np.full(n, 10.0), hand_deg=90.0)
    shape = shape.with_(**_bend_for(hip_sag_deg * p - pike_deg, shape, body))
    wrist_y = WRIST_ON_FLOOR * body.height
    arm_m = body.m("upper_arm") + body.m("forearm")
    top_y = wrist_y + math.sqrt(arm_m**2 - hands_ahead_m**2)
    low_y = top_y - range_fraction * (top_y - 0.075 * body.height)
    pose, lab = _tip_until(shape, body, top_y + (low_y - top_y) * p)
    hands_x = mid(lab, "shoulder")[np.argmin(p), 0] + hands_ahead_m  # the head is toward +x
    wrist = np.stack([np.full(n, hands_x), np.full(n, wrist_y)], axis=-1)
    shoulder = mid(lab, "shoulder")[:, :2]
    elbow = _circle_meet(
        shoulder, body.m("upper_arm"), wrist, body.m("forearm"), lambda a, b: a[:, 0] < b[:, 0]
    )
    arm, fore = elbow - shoulder, wrist - elbow
    pose = pose.with_(
        arm_deg=np.degrees(np.arctan2(arm[:, 0], -arm[:, 1])),
        forearm_deg=np.degrees(np.arctan2(fore[:, 0], -fore[:, 1])),
    )
    lab = place(forward_kinematics(pose, body), "foot_index")
    turn = np.argmax(p)
    measures = {
        "hip_deviation_bottom_deg": hip_line_deviation_deg(lab)[turn],
        "shoulder_drop_m": top_y - low_y,
        "hands_ahead_deg": math.degrees(math.asin(hands_ahead_m / arm_m)),
    }
    errors = [
        ("pushup.hands_forward", max(0.0, measures["hands_ahead_deg"]), "deg", np.ones(n)),
        ("pushup.hands_behind", max(0.0, -measures["hands_ahead_deg"]), "deg", np.ones(n)),
        ("pushup.hip_sag", hip_sag_deg, "deg", p),
        ("pushup.piking", pike_deg, "deg", np.ones(n)),
        ("pushup.partial_range", 1 - range_fraction, "fraction", p),
        ("pushup.tempo", _hurry((1.2, 1.0), (1.2 / speed, 1.0 / speed)), "s", np.ones(n)),
    ]
    return _finish("pushup", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def glute_bridge(
    reps: int = 3,
    hyperextension_deg: float = 0.0,
    lift_fraction: float = 1.0,
    lower_s: float = BRIDGE_LOWER_S,
    feet_forward_m: float = 0.0,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Glute bridges: lying on the back, feet flat, shoulders and feet fixed, hips lift and lower.

    At the top the shoulder-hip-knee angle is exactly 180 + ``hyperextension_deg`` (hips above the line;
    half of it is a lumbar arch). ``lift_fraction``: share of the hip extension from the floor to the
    straight line that is reached. Feet sit where the shins are vertical at a straight top (knees over
    heels), ``feet_forward_m`` further away. ``lower_s``: seconds to lower (before ``speed``).
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 1.0 / speed, 1.0 / speed, lower_s / speed, 0.8 / speed)
    p = tl.phase()
    n = len(tl.t_s)
    trunk = Pose(lumbar_deg=-0.5 * hyperextension_deg * p)

    def chord(pose: Pose) -> np.ndarray:  # hip -> shoulder of a standing trunk
        pts = forward_kinematics(pose, body)
        return (mid(pts, "shoulder") - mid(pts, "hip"))[:, :2]

    length = np.linalg.norm(chord(trunk), axis=-1)
    offset = np.degrees(np.arctan2(chord(trunk)[:, 1], chord(trunk)[:, 0])) - 90  # chord vs the hinge
    shoulder = np.array([0.0, SUPINE_JOINT_HEIGHT * body.height])
    shin_top = body.m("ankle_height") + body.m("shank")  # knee height with a vertical shin
    straight = float(np.linalg.norm(chord(Pose()))) + body.m("thigh")
    ankle = np.array(
        [math.sqrt(straight**2 - (shin_top - shoulder[1]) ** 2) + feet_forward_m, body.m("ankle_height")]
    )

    def build(phi: np.ndarray) -> tuple[Pose, np.ndarray]:
        hip = shoulder + length[:, None] * _unit(phi)
        knee = _circle_meet(
            np.broadcast_to(ankle, hip.shape),
            body.m("shank"),
            hip,
            body.m("thigh"),
            lambda a, b: a[:, 1] > b[:, 1],
        )
        th_shank = np.degrees(np.arctan2(*(knee - ankle).T[::-1]))
        th_thigh = np.degrees(np.arctan2(*(hip - knee).T[::-1]))
        pose = trunk.with_(
            shank_deg=90 - th_shank, knee_deg=(th_thigh - th_shank) % 360, trunk_deg=90 - (phi + 180 - offset)
        )
        elbow_drop = (SUPINE_JOINT_HEIGHT - ELBOW_ON_FLOOR) / body.upper_arm
        pose = pose.with_(
            neck_deg=pose.thorax_dir_deg - 180,
            arm_deg=90 - np.degrees(np.arcsin(elbow_drop)),
            forearm_deg=90.0,
            hand_deg=90.0,
        )
        return pose, place(forward_kinematics(pose, body), "ankle", *ankle)

    floor_phi = np.zeros(n)
    bottom_dev = hip_line_deviation_deg(build(floor_phi)[1], "knee")
    target = bottom_dev + p * (lift_fraction * -bottom_dev + hyperextension_deg)
    phi = _bisect(lambda f: hip_line_deviation_deg(build(f)[1], "knee"), target, 0.0, 60.0, n)
    _, lab = build(phi)
    turn = np.argmax(p)
    measures = {
        "hip_deviation_top_deg": hip_line_deviation_deg(lab, "knee")[turn],
        "hip_height_top_m": mid(lab, "hip")[turn, 1],
        "lower_s": lower_s / speed,
    }
    errors = [
        ("glute_bridge.hyperextension", hyperextension_deg, "deg", p),
        ("glute_bridge.low_lift", 1 - lift_fraction, "fraction", p),
        ("glute_bridge.knees_over_heels", feet_forward_m, "m", np.ones(n)),
        ("glute_bridge.lowering_fast", max(0.0, BRIDGE_LOWER_S - lower_s / speed), "s", p),
        ("glute_bridge.tempo", _hurry((1.0, BRIDGE_LOWER_S), (1.0 / speed, lower_s / speed)), "s", np.ones(n)),
    ]
    return _finish("glute_bridge", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)
