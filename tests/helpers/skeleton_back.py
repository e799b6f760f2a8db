"""Skeleton programs of the back exercises (issue 20): superman, cobra, back extension and the bent-over row.

Built on tests.helpers.skeleton (its body, kinematics, camera and noise): the prone and pad exercises
are a body posed in its standing frame (legs straight up, the trunk's bend against them) and then
tipped as a whole; the row is a standing hip hinge whose arms pull. Every fault knob is exact in the
lab (``measures`` give its landmark geometry), and the truth lists the fault from the magnitude on.

The body-line bend is the skeleton's ``hip_line_deviation_deg``: + the hip on the body's front side
of the shoulder-ankle line, which face down is the back arching (extension), - piking (flexion).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack
from tests.helpers.skeleton import (
    ELBOW_ON_FLOOR,
    ROUNDING_PELVIS_TUCK,
    SUPINE_JOINT_HEIGHT,
    WRIST_ON_FLOOR,
    Body,
    GroundTruth,
    Pose,
    Setup,
    _bend_for,
    _bisect,
    _circle_meet,
    _finish,
    _hurry,
    _prepare,
    _timeline,
    forward_kinematics,
    hip_line_deviation_deg,
    mid,
    place,
    trunk_lean_deg,
)

# Spinal extension is shared 60/40 by the lumbar and the thoracic spine, as in the overhead press.
LUMBAR_SHARE = 0.6
# A modest superman (the clean program): the legs lifted 10 deg at the hips, the spine extended 20 deg
# (chest and arms a hand's width off the floor, as the exercise is taught).
SUPERMAN_LEGS_DEG = 10.0
SUPERMAN_SPINE_DEG = 20.0
# Lying face down the head is lifted this much (neck extension) so that the face clears the floor.
FACE_CLEAR_DEG = -25.0
# The back extension's bottom: the trunk flexed this far at the hips below the legs' line.
BACK_EXTENSION_BOTTOM_DEG = 75.0
# A bent-over row's hinge (trunk from vertical) and knee bend.
ROW_HINGE_DEG = 45.0
ROW_KNEE_DEG = 20.0


def _spine(extension_deg: np.ndarray) -> dict[str, np.ndarray]:
    """Pose fields of ``extension_deg`` of spinal extension (+ arching), shared lumbar/thoracic."""
    return {"lumbar_deg": -LUMBAR_SHARE * extension_deg, "thoracic_deg": -(1 - LUMBAR_SHARE) * extension_deg}


def _prone(shape: Pose, legs_up_deg: np.ndarray, body: Body) -> tuple[Pose, np.ndarray]:
    """A body ``shape`` (standing frame) laid face down, head toward +x, the legs ``legs_up_deg`` off the
    floor, the hip joints at their lying height: (pose, lab points)."""
    pose = shape.tipped(90.0 + legs_up_deg)
    return pose, place(forward_kinematics(pose, body), "hip", 0.0, SUPINE_JOINT_HEIGHT * body.height)


def superman(
    reps: int = 3,
    arch_deg: float = 0.0,
    legs_deg: float = SUPERMAN_LEGS_DEG,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Supermen: lying face down, arms overhead along the floor; arms, chest and legs lift together and
    hold a moment. The clean lift is modest (`SUPERMAN_LEGS_DEG` at the hips, `SUPERMAN_SPINE_DEG` of
    spinal extension); ``arch_deg`` more spinal extension at the top is the over-arch. ``legs_deg``: how
    high the hips lift the legs (hip extension alone, no fault).
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 1.0 / speed, 1.5, 1.2 / speed, 1.2)
    p = tl.phase()
    legs = legs_deg * p
    shape = Pose(trunk_deg=-legs, foot_deg=90.0, neck_deg=FACE_CLEAR_DEG, **_spine((SUPERMAN_SPINE_DEG + arch_deg) * p))
    pose = shape.tipped(90.0 + legs)
    arms = 90.0 + pose.thorax_dir_deg + 5.0 * p  # overhead, in line with the chest, the hands a little higher
    pose = pose.with_(arm_deg=arms, forearm_deg=arms, hand_deg=arms)
    lab = place(forward_kinematics(pose, body), "hip", 0.0, SUPINE_JOINT_HEIGHT * body.height)
    turn = int(np.argmax(p))
    measures = {"bend_top_deg": hip_line_deviation_deg(lab)[turn], "bend_rest_deg": hip_line_deviation_deg(lab)[0]}
    errors = [
        ("superman.over_arch", arch_deg, "deg", p),
        ("superman.tempo", _hurry((1.0, 1.2), (1.0 / speed, 1.2 / speed)), "s", np.ones(len(p))),
    ]
    return _finish("superman", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def cobra(
    reps: int = 3,
    arch_deg: float = 0.0,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Cobras: lying face down, hands on the floor under the shoulders, the chest pushed up by the arms
    while the hips and legs stay down. The clean top is the sphinx's height (the shoulders as high as
    resting on the forearms would carry them, reached on the hands with the elbows bent); ``arch_deg``
    is spinal extension beyond that.
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 1.2 / speed, 1.5, 1.2 / speed, 1.2)
    p = tl.phase()

    def shoulder_y(extension: np.ndarray) -> np.ndarray:
        return mid(_prone(Pose(foot_deg=90.0, **_spine(extension)), np.zeros(len(extension)), body)[1], "shoulder")[:, 1]

    sphinx = float(_bisect(shoulder_y, (ELBOW_ON_FLOOR + body.upper_arm) * body.height, 0.0, 90.0, 1)[0])
    shape = Pose(foot_deg=90.0, **_spine((sphinx + arch_deg) * p))
    pose, lab = _prone(shape, np.zeros(len(p)), body)
    top = int(np.argmax(p))
    hands_x = mid(lab, "shoulder")[top, 0] + 0.03 * body.height  # under the shoulders, a little ahead
    wrist = np.stack([np.full(len(p), hands_x), np.full(len(p), WRIST_ON_FLOOR * body.height)], axis=-1)
    shoulder = mid(lab, "shoulder")[:, :2]
    elbow = _circle_meet(shoulder, body.m("upper_arm"), wrist, body.m("forearm"), lambda a, b: a[:, 0] < b[:, 0])
    arm, fore = elbow - shoulder, wrist - elbow
    pose = pose.with_(
        arm_deg=np.degrees(np.arctan2(arm[:, 0], -arm[:, 1])),
        forearm_deg=np.degrees(np.arctan2(fore[:, 0], -fore[:, 1])),
        hand_deg=90.0,
        neck_deg=FACE_CLEAR_DEG - 0.3 * (sphinx + arch_deg) * p,  # the gaze rises a little with the chest
    )
    lab = place(forward_kinematics(pose, body), "hip", 0.0, SUPINE_JOINT_HEIGHT * body.height)
    measures = {
        "sphinx_extension_deg": sphinx,
        "bend_top_deg": hip_line_deviation_deg(lab)[top],
        "bend_rest_deg": hip_line_deviation_deg(lab)[0],
    }
    errors = [
        ("cobra.over_arch", arch_deg, "deg", p),
        ("cobra.tempo", _hurry((1.2, 1.2), (1.2 / speed, 1.2 / speed)), "s", np.ones(len(p))),
    ]
    return _finish("cobra", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def back_extension(
    reps: int = 3,
    arch_deg: float = 0.0,
    bench_deg: float = 45.0,
    bottom_deg: float = BACK_EXTENSION_BOTTOM_DEG,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Back extensions on a hyperextension bench: hips on the pad, the legs straight and anchored at
    ``bench_deg`` from vertical (45: the common bench, 90: a horizontal one), arms folded on the chest.
    Each rep starts hanging (the trunk flexed ``bottom_deg`` at the hips below the legs' line) and
    rises to the legs' line; ``arch_deg``: it rises that far past it (exact in the landmarks, 60 % hip
    and 40 % lumbar extension). The pad is not in the landmarks.
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 1.2 / speed, 0.6, 1.5 / speed, 1.0)
    p = tl.phase()
    shape = Pose(foot_deg=0.0)
    shape = shape.with_(**_bend_for(-bottom_deg + (bottom_deg + arch_deg) * p, shape, body))
    pose = shape.tipped(bench_deg)
    thorax = pose.thorax_dir_deg
    pose = pose.with_(arm_deg=thorax + 90.0 + 180.0 + 25.0, forearm_deg=thorax + 90.0 - 20.0, hand_deg=thorax + 90.0)
    hip_height = body.m("ankle_height") + (body.m("shank") + body.m("thigh")) * np.cos(np.radians(bench_deg)) + 0.15
    lab = place(forward_kinematics(pose, body), "hip", 0.0, hip_height)
    turn = int(np.argmax(p))
    measures = {"bend_top_deg": hip_line_deviation_deg(lab)[turn], "bend_bottom_deg": hip_line_deviation_deg(lab)[0]}
    errors = [
        ("back_extension.over_arch", arch_deg, "deg", p),
        ("back_extension.tempo", _hurry((1.2, 1.5), (1.2 / speed, 1.5 / speed)), "s", np.ones(len(p))),
    ]
    return _finish("back_extension", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def bent_over_row(
    reps: int = 3,
    rounded_back_deg: float = 0.0,
    upper_share: float = 0.5,
    swing_deg: float = 0.0,
    hinge_deg: float = ROW_HINGE_DEG,
    speed: float = 1.0,
    setup: Setup | None = None,
    **overrides: Any,
) -> tuple[PoseTrack, GroundTruth]:
    """Bent-over rows: hinged ``hinge_deg`` at the hips, knees soft, the arms hanging straight and then
    pulling the hands to the lower ribs (elbows up and back) and lowering them again.

    ``rounded_back_deg``: spinal flexion held through the set (``upper_share`` of it thoracic, the rest
    lumbar; the pelvis tucks by `ROUNDING_PELVIS_TUCK` of it), as a deadlift's rounded back.
    ``swing_deg``: the trunk rises that much with each pull (momentum) and sinks back as the hands lower.
    """
    setup, rng, body = _prepare(setup, overrides)
    tl = _timeline(reps, setup.fps, 0.9 / speed, 0.4, 1.3 / speed, 0.8)
    p = tl.phase()
    n = len(p)
    pose = Pose(
        shank_deg=np.full(n, 0.5 * ROW_KNEE_DEG),
        knee_deg=ROW_KNEE_DEG,
        trunk_deg=hinge_deg - swing_deg * p,
        pelvic_tilt_deg=ROUNDING_PELVIS_TUCK * rounded_back_deg,
        lumbar_deg=(1 - upper_share) * rounded_back_deg,
        thoracic_deg=upper_share * rounded_back_deg,
    )
    lab = place(forward_kinematics(pose, body), "foot_index")
    shoulder, hip = mid(lab, "shoulder")[:, :2], mid(lab, "hip")[:, :2]
    hanging = shoulder - np.array([0.0, body.m("upper_arm") + body.m("forearm") - 0.01])
    # the lower ribs: 40 % of the way from the hip to the shoulder, a hand's depth in front of the trunk
    along = shoulder - hip
    front = np.stack([along[:, 1], -along[:, 0]], axis=-1) / np.linalg.norm(along, axis=-1, keepdims=True)
    ribs = hip + 0.4 * along + 0.12 * body.height * front
    wrist = hanging + (ribs - hanging) * p[:, None]
    elbow = _circle_meet(shoulder, body.m("upper_arm"), wrist, body.m("forearm"), lambda a, b: a[:, 0] < b[:, 0])
    arm, fore = elbow - shoulder, wrist - elbow
    fore_deg = np.degrees(np.arctan2(fore[:, 0], -fore[:, 1]))
    pose = pose.with_(arm_deg=np.degrees(np.arctan2(arm[:, 0], -arm[:, 1])), forearm_deg=fore_deg, hand_deg=fore_deg)
    lab = place(forward_kinematics(pose, body), "foot_index")
    turn = int(np.argmax(p))
    lean = trunk_lean_deg(lab)
    measures = {
        "trunk_lean_rest_deg": lean[0],
        "trunk_rise_deg": lean[0] - lean[turn],
        "wrist_rise_m": float(lab[turn, INDEX["left_wrist"], 1] - lab[0, INDEX["left_wrist"], 1]),
        "spine_flexion_deg": rounded_back_deg,
    }
    errors = [
        ("bent_over_row.rounded_back", rounded_back_deg, "deg", np.ones(n)),
        ("bent_over_row.torso_swing", swing_deg, "deg", p),
        ("bent_over_row.tempo", _hurry((0.9, 1.3), (0.9 / speed, 1.3 / speed)), "s", np.ones(n)),
    ]
    return _finish("bent_over_row", lab, tl.t_s, setup, rng, body, tl.reps, errors, measures)


def with_spine(
    track: PoseTrack, truth: GroundTruth, *, upper_share: float = 0.5, quality: float = 0.9, seed: int = 0
) -> PoseTrack:
    """Add the spine estimator's channels a video would give (analyzer/pose/spine.py): the truth's
    rounding split by ``upper_share``, on a personal neutral level (lumbar a few degrees arched, the
    thoracic spine a little rounded), with frame noise of the estimator's held-out spread (sd 4 deg)."""
    rng = np.random.default_rng(seed)
    n = len(track)
    rounding = truth.measures.get("spine_flexion_deg", 0.0)
    track.channels = {
        "spine_lumbar_flexion_deg": -6.0 + (1 - upper_share) * rounding + rng.normal(0.0, 4.0, n),
        "spine_thoracic_flexion_deg": 2.0 + upper_share * rounding + rng.normal(0.0, 4.0, n),
        "spine_pelvic_tilt_deg": 30.0 - ROUNDING_PELVIS_TUCK * rounding + rng.normal(0.0, 4.0, n),
        "spine_quality": np.full(n, quality),
    }
    return track
