"""From a PoseTrack to per-frame features: joint angles, inclinations, body lines, view.

Angles in the image plane are computed in pixels (normalised x and y are
fractions of different lengths: on a 16:9 frame a step of 0.1 in x is 1.8
times a step of 0.1 in y). They are measured on the body side nearer the
camera, chosen by visibility, because the far side's landmarks are guesses.
Angles in 3D come from MediaPipe's world landmarks (metres, hip-centred) and
need no view, but their depth is noisier. Inclinations need gravity, which
only the upright image gives (world axes follow the camera, not the floor).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import median_filter

from analyzer.features.cuts import blank_transitions
from analyzer.features.filtering import MAX_GAP_MS, fill_short_gaps, lowpass, nan_runs, smoothing_settings
from analyzer.features.spine import spine_series
from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack

# Landmarks below this visibility are treated as unknown (MediaPipe places
# occluded points anyway; their positions are guesses).
MIN_VISIBILITY = 0.3
# A foot this close to the frame's edge (fraction of the frame) is partly cut off: its
# heel and toe points are guesses that wander apart, so the heel's lift is not measured.
FOOT_EDGE_MARGIN = 0.03
# Yaw (0 = camera looks at the body's side, 90 = at its front) bands.
SIDE_VIEW_MAX_YAW = 30.0
FRONT_VIEW_MIN_YAW = 60.0
LIMB_JOINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index", "ear")


@dataclass
class ViewEstimate:
    kind: str  # side | front | oblique | unknown
    yaw_deg: float | None
    side: str  # body side nearer the camera: left | right


@dataclass
class Features:
    """Per-frame feature series (T,), all NaN where not measurable.

    ``facing`` is +1 when the body's front (toes, or head when lying) points
    toward +x in the image, -1 toward -x. ``gaps_ms`` are spans with no usable
    pose longer than the bridging limit: rules must not judge inside them.
    ``cuts_ms`` are the edited clip's cuts and fades (blanked, see
    analyzer.features.cuts): nothing may be judged across them.
    """

    t_ms: np.ndarray
    series: dict[str, np.ndarray]
    view: ViewEstimate
    facing: int
    scale_px: float  # median torso length in pixels (shoulder to hip, near side)
    gaps_ms: list[tuple[float, float]] = field(default_factory=list)
    cuts_ms: list[tuple[float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # how the series were made (smoothing, visibility floor), written by the code that applied it
    settings: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.series[name]

    def between(self, start: int, stop: int) -> Features:
        """The features of frames [start, stop): e.g. the part of a clip where the set happens."""
        return Features(
            t_ms=self.t_ms[start:stop],
            series={k: v[start:stop] for k, v in self.series.items()},
            view=self.view,
            facing=self.facing,
            scale_px=self.scale_px,
            gaps_ms=[g for g in self.gaps_ms if g[1] >= self.t_ms[start] and g[0] <= self.t_ms[stop - 1]],
            cuts_ms=[c for c in self.cuts_ms if c[1] >= self.t_ms[start] and c[0] <= self.t_ms[stop - 1]],
            notes=list(self.notes),
            settings=dict(self.settings),
        )

    def __contains__(self, name: str) -> bool:
        return name in self.series

    @property
    def valid(self) -> np.ndarray:
        """(T,) frames where the near-side hip and shoulder are known."""
        return ~np.isnan(self.series["trunk_incline_deg"])


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
    """The body side nearer the camera: higher mean visibility of limb landmarks."""
    def mean_vis(side: str) -> float:
        idx = [INDEX[f"{side}_{j}"] for j in LIMB_JOINTS]
        values = track.visibility[:, idx]
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


def _median(values: np.ndarray) -> float:
    """The median of the known values, NaN (without NumPy's all-NaN warning) when none is known:
    a track may lack a landmark altogether (a CSV without hips, a face never seen)."""
    return float(np.nanmedian(values)) if np.any(np.isfinite(values)) else float("nan")


def _length(values: np.ndarray) -> float:
    """The median of known lengths, NaN if it is not positive: a body drawn as one point has no scale,
    and the series measured in its units are unknown rather than infinite."""
    length = _median(values)
    return length if length > 0 else float("nan")


def _width_ratio(xy: np.ndarray, top: str, bottom: str) -> np.ndarray:
    """Gap between the left and right ``top`` landmarks over that between the ``bottom`` ones (x only);
    NaN, not infinity, where the bottom ones are at the very same x."""
    gap = {j: np.abs(xy[:, INDEX[f"left_{j}"], 0] - xy[:, INDEX[f"right_{j}"], 0]) for j in (top, bottom)}
    return np.divide(gap[top], gap[bottom], out=np.full(len(xy), np.nan), where=gap[bottom] > 0)


def _facing(points: dict[str, np.ndarray]) -> int:
    """+1 if the body's front points to +x: by the toes when standing, else by the head."""
    toes = _median(points["foot_index"][:, 0] - points["heel"][:, 0])
    head = _median(points["nose"][:, 0] - points["hip"][:, 0])
    standing = _median(np.abs(points["shoulder"][:, 1] - points["hip"][:, 1])) > _median(
        np.abs(points["shoulder"][:, 0] - points["hip"][:, 0])
    )
    cue = toes if standing and np.isfinite(toes) else head
    return 1 if not np.isfinite(cue) or cue >= 0 else -1


def _clean_points(track: PoseTrack, scale: np.ndarray, smooth: bool) -> np.ndarray:
    """(T, 33, 2) pixel coordinates with unseen points removed, short gaps bridged, smoothed.

    A point outside the frame is the model's guess however visible it claims
    to be (a foot cut off by the frame's edge): it is unseen too.
    """
    xy = track.image[..., :2] * scale
    xy[(track.visibility < MIN_VISIBILITY) | ~_clear_of_edges(xy, scale, margin=0.0)] = np.nan
    xy = fill_short_gaps(track.t_ms, xy)
    return lowpass(track.t_ms, xy) if smooth else xy


def compute_features(track: PoseTrack, smooth: bool = True) -> Features:
    """All per-frame features the rules use, from one athlete's track (blanked at cuts and fades)."""
    track, cuts = blank_transitions(track)
    width, height = frame_size(track)
    scale = np.array([width, height])
    side = near_side(track)
    xy = _clean_points(track, scale, smooth)
    world = fill_short_gaps(track.t_ms, track.world)
    world = lowpass(track.t_ms, world) if smooth else world

    def near(j: str) -> np.ndarray:
        return xy[:, INDEX[f"{side}_{j}"]]

    def near3d(j: str) -> np.ndarray:
        return world[:, INDEX[f"{side}_{j}"]]

    def middle(j: str) -> np.ndarray:  # between the two sides: the body's midline, seen from the front
        return (xy[:, INDEX[f"left_{j}"]] + xy[:, INDEX[f"right_{j}"]]) / 2

    def lower(j: str) -> np.ndarray:  # the lower of the two in the picture: on the side, the floor's side
        a, b = xy[:, INDEX[f"left_{j}"]], xy[:, INDEX[f"right_{j}"]]
        return np.where((np.nan_to_num(a[:, 1]) >= np.nan_to_num(b[:, 1]))[:, None], a, b)

    points = {j: near(j) for j in LIMB_JOINTS}
    points["nose"] = xy[:, INDEX["nose"]]
    facing = _facing(points)
    torso = np.linalg.norm(points["shoulder"] - points["hip"], axis=-1)
    scale_px = _length(torso)
    leg = np.linalg.norm(points["hip"] - points["knee"], axis=-1) + np.linalg.norm(
        points["knee"] - points["ankle"], axis=-1
    )
    leg_px = _length(leg)
    p = points
    trunk_incline = inclination_from_vertical(p["hip"], p["shoulder"])
    foot_clear = _clear_of_edges(p["heel"], scale) & _clear_of_edges(p["foot_index"], scale)
    series: dict[str, np.ndarray] = {
        # joint angles, image plane, near side (180 = straight)
        "knee_deg": joint_angle(p["hip"], p["knee"], p["ankle"]),
        "hip_deg": joint_angle(p["shoulder"], p["hip"], p["knee"]),
        "elbow_deg": joint_angle(p["shoulder"], p["elbow"], p["wrist"]),
        "shoulder_deg": joint_angle(p["hip"], p["shoulder"], p["elbow"]),
        "ankle_deg": joint_angle(p["knee"], p["ankle"], p["foot_index"]),
        # the same from world landmarks (3D, view-independent, noisier)
        "knee_3d_deg": joint_angle(near3d("hip"), near3d("knee"), near3d("ankle")),
        "hip_3d_deg": joint_angle(near3d("shoulder"), near3d("hip"), near3d("knee")),
        "elbow_3d_deg": joint_angle(near3d("shoulder"), near3d("elbow"), near3d("wrist")),
        # inclinations against gravity (image vertical)
        "trunk_incline_deg": trunk_incline,
        # signed: + shoulders ahead of the hips (toward the front), - leaning back
        "trunk_lean_deg": trunk_incline * np.sign(facing * (p["shoulder"][:, 0] - p["hip"][:, 0]) + 1e-9),
        "shin_incline_deg": inclination_from_vertical(p["ankle"], p["knee"]),
        "leg_incline_deg": inclination_from_vertical(p["ankle"], p["hip"]),
        "neck_incline_deg": inclination_from_vertical(p["shoulder"], p["ear"]),
        # head relative to the trunk line: 0 in line, + head dropped toward the chest side
        "neck_bend_deg": _neck_bend(p["hip"], p["shoulder"], p["ear"], facing),
        # body lines: + hip below the line (sag), - above (pike / bridge hyperextension)
        "hip_below_ankle_line_deg": signed_offset_angle(p["shoulder"], p["hip"], p["ankle"]),
        "hip_below_knee_line_deg": signed_offset_angle(p["shoulder"], p["hip"], p["knee"]),
        # heights (up = +), in leg lengths, for rep counting and lift height
        "hip_height": -p["hip"][:, 1] / leg_px,
        "shoulder_height": -p["shoulder"][:, 1] / leg_px,
        "wrist_height": -p["wrist"][:, 1] / leg_px,
        "heel_height": np.where(foot_clear, -p["heel"][:, 1] / leg_px, np.nan),
        "heel_rise": np.where(foot_clear, (p["foot_index"][:, 1] - p["heel"][:, 1]) / leg_px, np.nan),  # heel above the toes
        "hip_above_ankle": (p["ankle"][:, 1] - p["hip"][:, 1]) / leg_px,
        # over where the feet stand (see _feet_level): the same wherever in the frame the lifter is
        "hip_above_feet": (_feet_level(track.t_ms, p["ankle"][:, 1]) - p["hip"][:, 1]) / leg_px,
        # the midline's body line (a side plank filmed from the front): + mid-hip below the line from the
        # mid-shoulder to the mid-ankle, toward the floor
        "mid_hip_below_line_deg": signed_offset_angle(middle("shoulder"), middle("hip"), middle("ankle")),
        # one shoulder above the other (lying on the side, seen from the front or back), in torso lengths
        "shoulders_stacked": np.abs(xy[:, INDEX["left_shoulder"], 1] - xy[:, INDEX["right_shoulder"], 1]) / scale_px,
        # on the side: the lower hip's height above the floor under the lower hand and foot, in leg lengths
        "lower_hip_above_floor": _above_floor(lower("hip"), lower("wrist"), lower("foot_index")) / leg_px,
        # the more bent of the two knees (180 = straight): a knee side plank rests on the lower one
        "knee_min_deg": np.fmin(
            joint_angle(*(xy[:, INDEX[f"left_{j}"]] for j in ("hip", "knee", "ankle"))),
            joint_angle(*(xy[:, INDEX[f"right_{j}"]] for j in ("hip", "knee", "ankle"))),
        ),
        # the straight arm's lean from vertical, + with the wrists ahead of the shoulders (toward the
        # head in a push-up), - behind them: 0 with the hands right under the shoulders
        "hands_ahead_deg": inclination_from_vertical(p["wrist"], p["shoulder"])
        * np.sign(facing * (p["wrist"][:, 0] - p["shoulder"][:, 0]) + 1e-9),
        # hands ahead of the legs at their own height (toward the body's front), in leg lengths
        "hand_to_leg_gap": facing * _gap_to_leg(p["wrist"], p["hip"], p["knee"], p["ankle"]) / leg_px,
        # the knee's height above the floor a face-down body rests on (see _above_floor), in leg lengths
        "knee_above_floor": _above_floor(p["knee"], p["wrist"], p["foot_index"]) / leg_px,
        # the more upright arm segment: ~0 when the body rests on the arms (plank, push-up:
        # upper arm or forearm vertical), ~90 when the arms lie on the floor (superman)
        "arm_support_incline_deg": np.fmin(
            inclination_from_vertical(p["elbow"], p["shoulder"]), inclination_from_vertical(p["wrist"], p["elbow"])
        ),
        # + nose higher than the ear (lying face up), - face down; in torso lengths
        "face_up": (p["ear"][:, 1] - p["nose"][:, 1]) / scale_px,
        # front view: knee gap relative to ankle gap (< 1: knees moving in)
        "knee_ankle_width_ratio": _width_ratio(xy, "knee", "ankle"),
        # the shoulder line and the hip line turned about the vertical (world landmarks, view-independent),
        # against their mean direction over the clip: + the body turning to its left, deg (a torso twist)
        "shoulder_yaw_deg": _turn_deg(world, "shoulder"),
        "hip_yaw_deg": _turn_deg(world, "hip"),
        # the near leg (hip to ankle) off the vertical in 3D, deg (world landmarks, their y the camera's down:
        # gravity for a level camera): ~0 standing, whatever the view; legs tipped toward the camera show here
        "leg_incline_3d_deg": _off_vertical_3d(near3d("ankle"), near3d("hip")),
        # both feet off the floor (a jump's flight): the lowest heel or toes above where the feet stand
        # (see _feet_level), in leg lengths; 0 whenever a foot or its toes are on the floor (never below it)
        "feet_lift": np.maximum((_feet_level(track.t_ms, _lowest_foot_y(xy)) - _lowest_foot_y(xy)) / leg_px, 0.0),
        # bird dog (rules/bird_dog.py): the left arm and the right leg lifted against their partners (the mean
        # of the left wrist's rise over the right wrist and the right ankle's over the left ankle), + that
        # pair up, - the right arm and the left leg; in leg lengths: 0 on all fours, ~0.6 reaching out level
        "left_arm_right_leg_reach": _diagonal_reach(xy) / leg_px,
        "arm_leg_reach": np.abs(_diagonal_reach(xy)) / leg_px,  # either pair, for counting each extension
        # the hip line's tilt in the picture, + the left hip higher, deg: the pelvis rolling, seen from the
        # front or from behind (from the side the hips lie one behind the other)
        "hip_roll_deg": _hip_roll(xy),
        # the leg whose ankle is higher: its hip-to-ankle line above level, + the ankle above the hip, deg
        "lifted_leg_rise_deg": _lifted_leg_rise(xy),
        # the thigh of the lower knee from vertical, deg: ~0 kneeling with the hips over the knee (all fours)
        "kneeling_thigh_deg": _kneeling_thigh(xy),
    }
    for name, values in track.channels.items():
        series[f"img_{name}"] = lowpass(track.t_ms, fill_short_gaps(track.t_ms, values)) if smooth else values
    series.update(spine_series(series))
    features = Features(
        t_ms=track.t_ms,
        series=series,
        view=estimate_view(track, side),
        facing=facing,
        scale_px=scale_px,
        cuts_ms=cuts,
        settings={
            "smoothing": smoothing_settings(track.t_ms) if smooth else "none",
            "visibility_floor": MIN_VISIBILITY,
        },
    )
    features.gaps_ms = long_gaps(track.t_ms, features.valid)
    if track.size is None:
        how = "the world landmarks" if track.has_world else "the body's proportions"
        features.notes.append(
            f"The frame size was not given; its aspect ratio was estimated from {how} as {width / height:.2f}. "
            "Angles are more reliable with width and height columns in the track."
        )
    return features


def _gap_to_leg(point: np.ndarray, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
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


# The feet's level is the ankle's height over this long: it changes when the lifter steps, not in a rep.
FEET_LEVEL_MS = 2000.0


def _feet_level(t_ms: np.ndarray, ankle_y: np.ndarray) -> np.ndarray:
    """(T,) image y of where the feet stand: the ankle's running median over ``FEET_LEVEL_MS``.

    Stepping toward the camera between two squats moves the whole body down the frame as far as a
    squat does (filmed from the front); the hips' height over the feet does not move. Over a couple
    of seconds, the ankle's own misreads (a plate or the other leg in front of it, heels rising at the
    bottom of a rep) do not move its level either.
    """
    known = np.isfinite(ankle_y)
    if known.sum() < 2:
        return np.full(len(ankle_y), np.nan)
    frames = int(round(FEET_LEVEL_MS / float(np.median(np.diff(t_ms))))) | 1
    return median_filter(np.interp(t_ms, t_ms[known], ankle_y[known]), size=frames, mode="nearest")


# A line through the hands and the toes steeper than this is no floor (standing, the hands raised).
FLOOR_MAX_TILT_DEG = 30.0


def _above_floor(point: np.ndarray, wrist: np.ndarray, toes: np.ndarray) -> np.ndarray:
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


def _clear_of_edges(points: np.ndarray, scale: np.ndarray, margin: float = FOOT_EDGE_MARGIN) -> np.ndarray:
    """(...) pixel points (..., 2) known and at least ``margin`` (a fraction of the frame) inside every edge."""
    inside = np.isfinite(points).all(axis=-1)
    with np.errstate(invalid="ignore"):
        inside &= np.all((points >= margin * scale) & (points <= (1.0 - margin) * scale), axis=-1)
    return inside


def _neck_bend(hip: np.ndarray, shoulder: np.ndarray, ear: np.ndarray, facing: int) -> np.ndarray:
    """Signed angle between the trunk line and the shoulder->ear line (+ = head toward the chest)."""
    trunk = shoulder - hip
    neck = ear - shoulder
    angle = np.degrees(np.arctan2(neck[..., 1], neck[..., 0]) - np.arctan2(trunk[..., 1], trunk[..., 0]))
    angle = (angle + 180.0) % 360.0 - 180.0
    return angle * facing


def long_gaps(t_ms: np.ndarray, valid: np.ndarray, min_ms: float = MAX_GAP_MS) -> list[tuple[float, float]]:
    """Spans without a usable pose that are too long to bridge."""
    gaps = []
    for start, stop in nan_runs(~valid):
        t0 = t_ms[start]
        t1 = t_ms[stop] if stop < len(t_ms) else t_ms[-1]
        if t1 - t0 >= min_ms:
            gaps.append((float(t0), float(t1)))
    return gaps


def _lowest_foot_y(xy: np.ndarray) -> np.ndarray:
    """(T,) image y of the lowest of the heels and toes of both feet (y down: the largest), NaN where none
    is known. Only in flight are all four off the floor: on tiptoe the toes stay down, a step keeps one foot
    down (the far foot's points, when unseen, are left out)."""
    ys = xy[:, [INDEX[f"{side}_{part}"] for side in ("left", "right") for part in ("heel", "foot_index")], 1]
    known = np.isfinite(ys)
    return np.where(known.any(axis=1), np.nanmax(np.where(known, ys, -np.inf), axis=1), np.nan)


def _turn_deg(world: np.ndarray, joint: str) -> np.ndarray:
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


def _diagonal_reach(xy: np.ndarray) -> np.ndarray:
    """(T,) px: how much higher the left wrist and the right ankle are than the right wrist and the left
    ankle, averaged (either alone where the other pair is unseen); + the left arm and right leg lifted."""
    def y(name: str) -> np.ndarray:
        return xy[:, INDEX[name], 1]

    arm, leg = y("right_wrist") - y("left_wrist"), y("left_ankle") - y("right_ankle")
    return np.where(np.isnan(arm), leg, np.where(np.isnan(leg), arm, (arm + leg) / 2))


def _hip_roll(xy: np.ndarray) -> np.ndarray:
    """(T,) deg: the right-to-left hip line's angle above level in the picture, + the left hip higher."""
    left, right = xy[:, INDEX["left_hip"]], xy[:, INDEX["right_hip"]]
    return np.degrees(np.arctan2(right[:, 1] - left[:, 1], np.abs(left[:, 0] - right[:, 0])))


def _lifted_leg_rise(xy: np.ndarray) -> np.ndarray:
    """(T,) deg: the hip-to-ankle line of the leg whose ankle is higher, above level (+ ankle above the hip)."""
    rises = []
    for side in ("left", "right"):
        hip, ankle = xy[:, INDEX[f"{side}_hip"]], xy[:, INDEX[f"{side}_ankle"]]
        rises.append(np.degrees(np.arctan2(hip[:, 1] - ankle[:, 1], np.abs(ankle[:, 0] - hip[:, 0]))))
    left_higher = np.nan_to_num(xy[:, INDEX["left_ankle"], 1], nan=np.inf) <= np.nan_to_num(
        xy[:, INDEX["right_ankle"], 1], nan=np.inf
    )
    return np.where(left_higher, rises[0], rises[1])


def _kneeling_thigh(xy: np.ndarray) -> np.ndarray:
    """(T,) deg: the thigh of the knee lower in the picture (the one knelt on) from vertical."""
    left, right = xy[:, INDEX["left_knee"]], xy[:, INDEX["right_knee"]]
    left_lower = np.nan_to_num(left[:, 1], nan=-np.inf) >= np.nan_to_num(right[:, 1], nan=-np.inf)
    knee = np.where(left_lower[:, None], left, right)
    hip = np.where(left_lower[:, None], xy[:, INDEX["left_hip"]], xy[:, INDEX["right_hip"]])
    return inclination_from_vertical(knee, hip)


def _off_vertical_3d(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """(T,) angle of the segment lower->upper (world points, y down) from straight up, deg (0 upright)."""
    d = upper - lower
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(np.hypot(d[:, 0], d[:, 2]), -d[:, 1]))
