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
from analyzer.features.geometry import (
    above_floor,
    diagonal_reach,
    gap_to_leg,
    hip_roll,
    inclination_from_vertical,
    joint_angle,
    kneeling_thigh,
    lifted_leg_rise,
    lowest_foot_y,
    neck_bend,
    off_vertical_3d,
    signed_offset_angle,
    turn_deg,
    width_ratio,
)
from analyzer.features.spine import spine_series
from analyzer.features.view import LIMB_JOINTS, ViewEstimate, estimate_view, frame_size, near_side
from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack

# Landmarks below this visibility are treated as unknown (MediaPipe places
# occluded points anyway; their positions are guesses).
MIN_VISIBILITY = 0.3
# A foot this close to the frame's edge (fraction of the frame) is partly cut off: its
# heel and toe points are guesses that wander apart, so the heel's lift is not measured.
FOOT_EDGE_MARGIN = 0.03


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


def _median(values: np.ndarray) -> float:
    """The median of the known values, NaN (without NumPy's all-NaN warning) when none is known:
    a track may lack a landmark altogether (a CSV without hips, a face never seen)."""
    return float(np.nanmedian(values)) if np.any(np.isfinite(values)) else float("nan")


def _length(values: np.ndarray) -> float:
    """The median of known lengths, NaN if it is not positive: a body drawn as one point has no scale,
    and the series measured in its units are unknown rather than infinite."""
    length = _median(values)
    return length if length > 0 else float("nan")


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
    lowest_foot = lowest_foot_y(xy)
    reach = diagonal_reach(xy) / leg_px
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
        "neck_bend_deg": neck_bend(p["hip"], p["shoulder"], p["ear"], facing),
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
        "lower_hip_above_floor": above_floor(lower("hip"), lower("wrist"), lower("foot_index")) / leg_px,
        # the more bent of the two knees (180 = straight): a knee side plank rests on the lower one
        "knee_min_deg": np.fmin(
            joint_angle(*(xy[:, INDEX[f"left_{j}"]] for j in ("hip", "knee", "ankle"))),
            joint_angle(*(xy[:, INDEX[f"right_{j}"]] for j in ("hip", "knee", "ankle"))),
        ),
        # the same in 3D (world landmarks): a knee bent toward or away from the camera, as kneeling seen from
        # behind or the front, reads nearly straight in the picture
        "knee_min_3d_deg": np.fmin(
            joint_angle(*(world[:, INDEX[f"left_{j}"]] for j in ("hip", "knee", "ankle"))),
            joint_angle(*(world[:, INDEX[f"right_{j}"]] for j in ("hip", "knee", "ankle"))),
        ),
        # the straight arm's lean from vertical, + with the wrists ahead of the shoulders (toward the
        # head in a push-up), - behind them: 0 with the hands right under the shoulders
        "hands_ahead_deg": inclination_from_vertical(p["wrist"], p["shoulder"])
        * np.sign(facing * (p["wrist"][:, 0] - p["shoulder"][:, 0]) + 1e-9),
        # hands ahead of the legs at their own height (toward the body's front), in leg lengths
        "hand_to_leg_gap": facing * gap_to_leg(p["wrist"], p["hip"], p["knee"], p["ankle"]) / leg_px,
        # the knee's height above the floor a face-down body rests on (see above_floor), in leg lengths
        "knee_above_floor": above_floor(p["knee"], p["wrist"], p["foot_index"]) / leg_px,
        # the more upright arm segment: ~0 when the body rests on the arms (plank, push-up:
        # upper arm or forearm vertical), ~90 when the arms lie on the floor (superman)
        "arm_support_incline_deg": np.fmin(
            inclination_from_vertical(p["elbow"], p["shoulder"]), inclination_from_vertical(p["wrist"], p["elbow"])
        ),
        # + nose higher than the ear (lying face up), - face down; in torso lengths
        "face_up": (p["ear"][:, 1] - p["nose"][:, 1]) / scale_px,
        # front view: knee gap relative to ankle gap (< 1: knees moving in)
        "knee_ankle_width_ratio": width_ratio(xy, "knee", "ankle"),
        # the shoulder line and the hip line turned about the vertical (world landmarks, view-independent),
        # against their mean direction over the clip: + the body turning to its left, deg (a torso twist)
        "shoulder_yaw_deg": turn_deg(world, "shoulder"),
        "hip_yaw_deg": turn_deg(world, "hip"),
        # the near leg (hip to ankle) off the vertical in 3D, deg (world landmarks, their y the camera's down:
        # gravity for a level camera): ~0 standing, whatever the view; legs tipped toward the camera show here
        "leg_incline_3d_deg": off_vertical_3d(near3d("ankle"), near3d("hip")),
        # both feet off the floor (a jump's flight): the lowest heel or toes above where the feet stand
        # (see _feet_level), in leg lengths; 0 whenever a foot or its toes are on the floor (never below it)
        "feet_lift": np.maximum((_feet_level(track.t_ms, lowest_foot) - lowest_foot) / leg_px, 0.0),
        # bird dog (rules/bird_dog.py): the left arm and the right leg lifted against their partners (the mean
        # of the left wrist's rise over the right wrist and the right ankle's over the left ankle), + that
        # pair up, - the right arm and the left leg; in leg lengths: 0 on all fours, ~0.6 reaching out level
        "left_arm_right_leg_reach": reach,
        "arm_leg_reach": np.abs(reach),  # either pair, for counting each extension
        # the hip line's tilt in the picture, + the left hip higher, deg: the pelvis rolling, seen from the
        # front or from behind (from the side the hips lie one behind the other)
        "hip_roll_deg": hip_roll(xy),
        # the leg whose ankle is higher: its hip-to-ankle line above level, + the ankle above the hip, deg
        "lifted_leg_rise_deg": lifted_leg_rise(xy),
        # the thigh of the lower knee from vertical, deg: ~0 kneeling with the hips over the knee (all fours)
        "kneeling_thigh_deg": kneeling_thigh(xy),
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


def _clear_of_edges(points: np.ndarray, scale: np.ndarray, margin: float = FOOT_EDGE_MARGIN) -> np.ndarray:
    """(...) pixel points (..., 2) known and at least ``margin`` (a fraction of the frame) inside every edge."""
    inside = np.isfinite(points).all(axis=-1)
    with np.errstate(invalid="ignore"):
        inside &= np.all((points >= margin * scale) & (points <= (1.0 - margin) * scale), axis=-1)
    return inside


def long_gaps(t_ms: np.ndarray, valid: np.ndarray, min_ms: float = MAX_GAP_MS) -> list[tuple[float, float]]:
    """Spans without a usable pose that are too long to bridge."""
    gaps = []
    for start, stop in nan_runs(~valid):
        t0 = t_ms[start]
        t1 = t_ms[stop] if stop < len(t_ms) else t_ms[-1]
        if t1 - t0 >= min_ms:
            gaps.append((float(t0), float(t1)))
    return gaps


