"""The skeleton generator's own ground truth: if these fail, every rule test built on it is meaningless."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.io.track_csv import read_track_csv, write_track_csv
from analyzer.landmarks import INDEX
from tests.helpers import skeleton as sk
from tests.helpers.skeleton import Body, Camera, Pose, Setup

PROGRAMS = {
    "squat": lambda **kw: sk.squat(reps=2, butt_wink_deg=20, heel_lift_deg=10, **kw),
    "deadlift": lambda **kw: sk.deadlift(reps=2, rounded_back_deg=40, hips_rise_first=0.5, **kw),
    "plank": lambda **kw: sk.plank(duration_s=6, hip_sag_deg=12, sag_onset_s=2, head_drop_deg=10, **kw),
    "pushup": lambda **kw: sk.pushup(reps=2, hip_sag_deg=10, **kw),
    "glute_bridge": lambda **kw: sk.glute_bridge(reps=2, hyperextension_deg=15, **kw),
}
RIGID = [("shoulder", "elbow"), ("elbow", "wrist"), ("hip", "knee"), ("knee", "ankle"),
         ("heel", "foot_index"),
         ("ankle", "heel"), ("ear", "eye")]


def world_mid(truth: sk.GroundTruth, part: str) -> np.ndarray:
    return sk.mid(truth.clean.world, part)


def image_px(track, name: str) -> np.ndarray:
    return track.image[:, INDEX[name], :2] * np.array(track.size)


@pytest.mark.parametrize("name", PROGRAMS)
def test_segments_keep_their_length_through_the_motion(name: str) -> None:
    _, truth = PROGRAMS[name](yaw_deg=25)
    w = truth.clean.world
    for side in ("left", "right"):
        for a, b in RIGID:
            length = np.linalg.norm(w[:, INDEX[f"{side}_{a}"]] - w[:, INDEX[f"{side}_{b}"]], axis=-1)
            assert np.ptp(length) < 1e-9, (side, a, b)
    thigh = np.linalg.norm(w[0, INDEX["left_hip"]] - w[0, INDEX["left_knee"]])
    body = truth.body
    sideways = body.m("stance_half_width") - body.m("hip_half_width")
    assert thigh == pytest.approx(np.hypot(body.m("thigh"), sideways))


def test_every_program_keeps_the_body_on_or_above_the_floor() -> None:
    for name, program in PROGRAMS.items():
        _, truth = program()
        assert np.min(truth.lab[..., 1]) > -1e-9, name


def test_clean_plank_is_a_straight_line_even_with_noise() -> None:
    _, truth = sk.plank(duration_s=5)
    angle = sk.angle_deg(world_mid(truth, "shoulder"), world_mid(truth, "hip"), world_mid(truth, "ankle"))
    assert np.all(np.abs(angle - 180) < 1e-3)
    noisy, _ = sk.plank(duration_s=5, noise_px=3.0, seed=1)
    near = [image_px(noisy, f"left_{j}") for j in ("shoulder", "hip", "ankle")]
    assert abs(np.median(sk.angle_deg(*near)) - 180) < 3


@pytest.mark.parametrize("sag, pike", [(15, 0), (0, 15)])
def test_plank_hip_angle_is_the_requested_deviation(sag: float, pike: float) -> None:
    _, truth = sk.plank(duration_s=2, hip_sag_deg=sag, hip_pike_deg=pike)
    angle = sk.angle_deg(world_mid(truth, "shoulder"), world_mid(truth, "hip"), world_mid(truth, "ankle"))
    np.testing.assert_allclose(angle, 165.0, atol=1e-3)
    signed = sk.hip_line_deviation_deg(truth.lab)
    np.testing.assert_allclose(signed, sag - pike, atol=1e-3)
    hip_y = sk.mid(truth.lab, "hip")[:, 1]  # lab y is up: a sag puts the hip nearer the floor
    straight_y = sk.mid(sk.plank(duration_s=2)[1].lab, "hip")[:, 1]
    assert np.all(hip_y < straight_y) if sag else np.all(hip_y > straight_y)


def test_plank_form_breaks_down_at_the_onset() -> None:
    _, truth = sk.plank(duration_s=20, hip_sag_deg=15, sag_onset_s=8, ramp_s=3)
    t, dev = truth.clean.t_ms, sk.hip_line_deviation_deg(truth.lab)
    assert np.all(np.abs(dev[t < 8000]) < 1e-3)
    np.testing.assert_allclose(dev[t >= 11000], 15, atol=1e-3)
    sag = truth.error("plank.sagging_hips")
    assert sag.onset_ms == pytest.approx(8000, abs=400)
    assert sag.spans[0][0] == pytest.approx(9500, abs=100) and sag.spans[0][1] == t[-1]
    assert truth.hold == (0.0, pytest.approx(20000))


def test_side_view_overlaps_the_sides_and_front_view_separates_them() -> None:
    pairs = ("shoulder", "hip", "knee", "ankle")
    _, ortho = sk.squat(reps=1, yaw_deg=0, orthographic=True)
    for j in pairs:
        np.testing.assert_allclose(ortho.clean.image[:, INDEX[f"left_{j}"], :2],
                                   ortho.clean.image[:, INDEX[f"right_{j}"], :2], atol=1e-12)
    side, _ = sk.squat(reps=1, yaw_deg=0)
    front, truth = sk.squat(reps=1, yaw_deg=90)
    gap = {view: np.abs(image_px(tr, "left_shoulder") - image_px(tr, "right_shoulder")) for view, tr in
           (("side", side), ("front", front))}
    assert np.max(gap["side"][:, 0]) < 0.15 * np.median(gap["front"][:, 0])
    assert np.median(gap["front"][:, 0]) > 0.05 * front.size[0]
    # Facing the camera, the athlete's left is on the image's right.
    assert np.all(front.image[:, INDEX["left_shoulder"], 0] > front.image[:, INDEX["right_shoulder"], 0])
    assert truth.view == "front" and side.meta["exercise"] == "squat"


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280)])
def test_a_metre_is_the_same_number_of_pixels_across_and_down(size: tuple[int, int]) -> None:
    cam = Camera.framing(np.array([[[0.0, 1.0, 0.0]]]), yaw_deg=0, size=size, distance=3.0)
    # In the plane through the target facing the camera (yaw 0: the lab x-y plane).
    across = cam.project(np.array([[-0.5, 1.0, 0.0], [0.5, 1.0, 0.0]]))
    down = cam.project(np.array([[0.0, 0.5, 0.0], [0.0, 1.5, 0.0]]))
    px_across = abs(across[1, 0] - across[0, 0]) * size[0]
    px_down = abs(down[1, 1] - down[0, 1]) * size[1]
    assert px_across == pytest.approx(px_down, rel=1e-12)
    assert px_across == pytest.approx(cam.focal_px / 3.0)
    assert abs(across[1, 1] - across[0, 1]) < 1e-12 and abs(down[1, 0] - down[0, 0]) < 1e-12


def test_image_y_points_down_and_world_is_hip_centred() -> None:
    track, truth = sk.squat(reps=1)
    assert np.all(track.image[:, INDEX["nose"], 1] < track.image[:, INDEX["left_ankle"], 1])
    np.testing.assert_allclose(sk.mid(track.world, "hip"), 0, atol=1e-12)
    assert np.all(track.world[:, INDEX["nose"], 1] < 0)  # y down
    assert np.all(track.image[..., :2] > 0) and np.all(track.image[..., :2] < 1)  # framed


@pytest.mark.parametrize("name, extreme", [("squat", np.argmin), ("pushup", np.argmin),
                                           ("deadlift", np.argmin),
                                           ("glute_bridge", np.argmax)])
def test_reps_timing_matches_the_truth(name: str, extreme) -> None:
    _, truth = getattr(sk, name)(reps=3)
    t, hip_y = truth.clean.t_ms, sk.mid(truth.lab, "hip")[:, 1]
    frame = 1000 / truth.fps
    assert len(truth.reps) == 3
    rest = hip_y[0]
    for start, turn, end in truth.reps:
        assert start < turn < end
        inside = (t >= start) & (t <= end)
        plateau_y = hip_y[inside][extreme(hip_y[inside])]
        plateau = t[inside][np.abs(hip_y[inside] - plateau_y) < 1e-9]
        assert plateau[0] <= turn <= plateau[-1]  # the turn is in the pause at the extreme
        assert hip_y[np.argmin(np.abs(t - turn))] == pytest.approx(plateau_y, abs=1e-9)
        for edge in (start, end):
            assert hip_y[np.argmin(np.abs(t - edge))] == pytest.approx(rest, abs=1e-3)
        assert np.all(np.abs(np.diff(hip_y[inside])) < 0.05)  # smooth, no jumps at 30 fps
    assert 1500 < truth.reps[0].end_ms - truth.reps[0].start_ms < 4000
    assert t[1] - t[0] == pytest.approx(frame)


def test_seed_makes_it_deterministic() -> None:
    setup = Setup.realistic(seed=7)
    a, ta = sk.squat(setup=setup)
    b, tb = sk.squat(setup=setup)
    c, _ = sk.squat(setup=setup, seed=8)
    for x, y in ((a.image, b.image), (a.world, b.world), (a.visibility, b.visibility)):
        assert np.array_equal(x, y, equal_nan=True)
    assert ta.missing_ms == tb.missing_ms and ta.body == tb.body
    assert not np.array_equal(a.image, c.image, equal_nan=True)


def test_realism_knobs() -> None:
    track, truth = sk.plank(duration_s=10, setup=Setup.realistic(seed=3, missing_rate=0.05, dropouts=3))
    missing = ~track.has_pose
    assert 0.04 <= missing.mean() <= 0.08
    assert np.all(np.isnan(track.world[missing])) and np.all(np.isnan(track.visibility[missing]))
    assert sorted(truth.missing_ms) == list(track.t_ms[missing])
    vis = np.nanmean(track.visibility, axis=0)
    assert vis[INDEX["left_hip"]] > 0.9 and vis[INDEX["right_hip"]] < 0.6  # yaw 0: the left side is near
    assert len(truth.dropouts) == 3
    name, start, end = truth.dropouts[0]
    burst = (track.t_ms >= start) & (track.t_ms <= end) & track.has_pose
    assert name.startswith("left_") and np.all(track.visibility[burst, INDEX[name]] <= 0.3)
    err = (track.image[:, :, :2] - truth.clean.image[:, :, :2]) * np.array(track.size)
    near = INDEX["left_knee"]
    assert 1.5 < np.nanstd(err[:, near]) < 6  # ~3 px
    assert truth.body != Body()  # proportions vary
    front, _ = sk.plank(duration_s=2, yaw_deg=90)
    left, right = (front.visibility[:, INDEX[f"{s}_hip"]].mean() for s in ("left", "right"))
    assert abs(left - right) < 0.05  # from the front both sides are seen


def test_camera_distance_and_height() -> None:
    near, _ = sk.squat(reps=1, camera_distance=2.5)
    far, truth = sk.squat(reps=1, camera_distance=5.0)
    size = lambda tr: np.ptp(tr.image[:, :, 1] * tr.size[1])  # noqa: E731
    assert size(near) == pytest.approx(2 * size(far), rel=0.1)
    assert truth.camera.distance == pytest.approx(5.0)
    assert truth.body.height == 1.75 and sk.squat(reps=1, height_m=1.6)[1].body.height == 1.6


def test_rounded_back_curls_the_shoulders_at_the_same_hinge_unlike_a_deeper_hinge() -> None:
    body = Body()
    neutral = sk.forward_kinematics(Pose(trunk_deg=60, knee_deg=60, shank_deg=10), body)

    def rounded(flexion: float) -> np.ndarray:
        return sk.forward_kinematics(Pose(trunk_deg=60, knee_deg=60, shank_deg=10,
                                          pelvic_tilt_deg=sk.ROUNDING_PELVIS_TUCK * flexion,
                                          lumbar_deg=flexion / 2, thoracic_deg=flexion / 2), body)

    lean0 = sk.trunk_lean_deg(neutral)[0]
    for flexion, (lo, hi) in ((30, (6, 12)), (50, (12, 16))):
        pts = rounded(flexion)
        for part in ("hip", "knee", "ankle"):
            np.testing.assert_allclose(sk.mid(pts, part), sk.mid(neutral, part), atol=1e-12)
        assert sk.mid(pts, "shoulder")[0, 1] < sk.mid(neutral, "shoulder")[0, 1]  # lower
        assert lo < sk.trunk_lean_deg(pts)[0] - lean0 < hi  # DESIGN.md: 6-16 deg at 30-50 deg
    # What a landmark model can use: the hip-shoulder chord shortens and the head drops with rounding;
    # a deeper hinge with the same lean keeps both.
    pts = rounded(40)
    deeper = sk.forward_kinematics(Pose(trunk_deg=sk.trunk_lean_deg(pts)[0], knee_deg=60, shank_deg=10), body)
    chord = lambda p: np.linalg.norm(sk.mid(p, "shoulder") - sk.mid(p, "hip"))  # noqa: E731
    neck = lambda p: sk.angle_deg(sk.mid(p, "ear"), sk.mid(p, "shoulder"), sk.mid(p, "hip"))[0]  # noqa: E731
    assert chord(pts) < chord(deeper) - 0.02 and chord(deeper) == pytest.approx(chord(neutral))
    assert neck(pts) < neck(deeper) - 5


def test_deadlift_truth() -> None:
    _, clean = sk.deadlift(reps=2)
    _, bad = sk.deadlift(reps=2, rounded_back_deg=40)
    assert bad.measures["trunk_lean_bottom_deg"] > clean.measures["trunk_lean_bottom_deg"] + 8
    # hips high, back round
    assert bad.measures["hip_height_bottom_m"] > clean.measures["hip_height_bottom_m"]
    wrist = bad.lab[:, INDEX["left_wrist"], 1]
    assert np.min(wrist) == pytest.approx(0.265, abs=1e-3)  # still reaches the bar
    assert clean.errors == [] and bad.codes == {"deadlift.rounded_back"}
    spans = bad.error("deadlift.rounded_back").spans
    assert len(spans) == 2 and all(s < r.turn_ms < e for (s, e), r in zip(spans, bad.reps))

    def hip_share_when_shoulders_start(truth: sk.GroundTruth) -> float:
        """Share of the hip rise done when the shoulders have done 20% of theirs, in the first pull."""
        t = truth.clean.t_ms
        pull = (t >= truth.reps[0].turn_ms) & (t <= truth.reps[0].end_ms)
        rise = lambda y: (y - y[0]) / (y[-1] - y[0])  # noqa: E731
        hip, shoulder = rise(sk.mid(truth.lab, "hip")[pull, 1]), rise(sk.mid(truth.lab, "shoulder")[pull, 1])
        return float(hip[np.argmax(shoulder >= 0.2)])

    for lead in (0.15, 0.8):
        _, early = sk.deadlift(reps=1, hips_rise_first=lead)
        assert early.codes == {"deadlift.hips_rise_first"}
        assert early.error("deadlift.hips_rise_first").magnitude == lead
        # the trunk tips further forward, never back past upright: that would be a lockout lean, not put in
        assert np.min(sk.trunk_lean_deg(early.lab)) > -1e-6
    assert hip_share_when_shoulders_start(early) > hip_share_when_shoulders_start(clean) + 0.2


def test_clean_programs_put_no_fault_in() -> None:
    for name, program in {"squat": sk.squat, "deadlift": sk.deadlift, "plank": sk.plank, "pushup": sk.pushup,
                          "glute_bridge": sk.glute_bridge}.items():
        _, truth = program()
        assert truth.errors == [], name


def test_one_way_knobs_are_faults_only_the_bad_way() -> None:
    """Deeper, more upright and slower squats are no fault; shallower, leaning more and quicker are."""
    assert sk.squat(reps=1, depth_deg=110, forward_lean_deg=25, speed=0.7)[1].codes == set()
    assert sk.squat(reps=1, depth_deg=60)[1].codes == {"squat.depth"}
    assert sk.squat(reps=1, forward_lean_deg=60)[1].codes == {"squat.forward_lean"}
    assert sk.squat(reps=1, speed=2)[1].error("squat.tempo").magnitude == pytest.approx(0.5)  # 1.0 s -> 0.5 s
    # lowering a bridge in 0.3 s is also the quicker half of the rep by 0.7 s: both faults are in the track
    fast = sk.glute_bridge(reps=1, lower_s=0.3)[1]
    assert fast.codes == {"glute_bridge.lowering_fast", "glute_bridge.tempo"}
    assert fast.error("glute_bridge.tempo").magnitude == pytest.approx(0.7)


def test_bar_drift_swings_the_arms_forward_and_nothing_else() -> None:
    _, clean = sk.deadlift(reps=1)
    _, drift = sk.deadlift(reps=1, bar_drift_m=0.1)
    assert drift.codes == {"deadlift.bar_drift"}
    arms = [INDEX[f"{side}_{j}"] for side in ("left", "right")
            for j in ("elbow", "wrist", "pinky", "index", "thumb")]
    body = [i for i in range(len(INDEX)) if i not in arms]
    np.testing.assert_allclose(drift.lab[:, body], clean.lab[:, body], atol=1e-9)
    turn = int(np.argmin(np.abs(clean.clean.t_ms - clean.reps[0].turn_ms)))
    ahead = drift.lab[turn, INDEX["left_wrist"], 0] - clean.lab[turn, INDEX["left_wrist"], 0]
    assert ahead == pytest.approx(0.1, abs=1e-9)  # at the floor, exactly the drift asked for
    np.testing.assert_allclose(drift.lab[0], clean.lab[0], atol=1e-9)  # standing tall: arms hang as before
    gap, clean_gap = sk.hand_to_leg_gap(drift.lab), sk.hand_to_leg_gap(clean.lab)
    leg = clean.body.m("thigh") + clean.body.m("shank")
    # 0.1 m in leg lengths; the swinging hands also rise a little, to where the shin sits slightly further on
    assert gap[turn] - clean_gap[turn] == pytest.approx(0.1 / leg, rel=0.03)
    assert drift.measures["hand_to_leg_gap_max"] > clean.measures["hand_to_leg_gap_max"]


@pytest.mark.parametrize("neck", [35.0, -35.0])
def test_neck_bend_moves_the_head_only_and_is_measured_off_the_trunk_line(neck: float) -> None:
    _, clean = sk.deadlift(reps=1)
    _, bent = sk.deadlift(reps=1, neck_deg=neck)
    assert bent.codes == {"deadlift.neck"}
    face = [i for name, i in INDEX.items() if name.split("_")[-1] in ("ear", "eye", "nose", "inner", "outer")
            or name.startswith("mouth")]
    rest = [i for i in range(len(INDEX)) if i not in face]
    np.testing.assert_allclose(bent.lab[:, rest], clean.lab[:, rest], atol=1e-9)
    change = sk.neck_bend_deg(bent.lab) - sk.neck_bend_deg(clean.lab)
    assert change[0] == pytest.approx(0, abs=1e-9)  # standing tall: the head in line as before
    turn = int(np.argmin(np.abs(clean.clean.t_ms - clean.reps[0].turn_ms)))
    assert np.sign(change[turn]) == np.sign(neck)  # + the head drops toward the chest, - it cranks up
    # the ear sits ahead of the neck's axis, so the shoulder-ear line turns by a little more or less than the neck
    assert 0.75 * abs(neck) < abs(change[turn]) < 1.25 * abs(neck)
    assert bent.measures["neck_bend_change_max_deg"] == pytest.approx(np.max(np.abs(change)))


def test_knee_cave_narrows_the_knees_only() -> None:
    _, clean = sk.squat(reps=1)
    _, cave = sk.squat(reps=1, knee_cave=0.3)
    assert cave.codes == {"squat.knee_cave"}
    assert cave.measures["knee_gap_ratio_bottom"] == pytest.approx(0.7)
    knees = [INDEX["left_knee"], INDEX["right_knee"]]
    rest = [i for i in range(len(INDEX)) if i not in knees]
    np.testing.assert_allclose(cave.lab[:, rest], clean.lab[:, rest], atol=1e-12)
    np.testing.assert_allclose(cave.lab[:, knees, :2], clean.lab[:, knees, :2], atol=1e-12)  # side view unchanged
    ratio = sk.knee_ankle_gap_ratio(cave.lab)
    assert ratio[0] == pytest.approx(1.0) and ratio.min() == pytest.approx(0.7)
    # from the front the knees are seen closing in: their image gap shrinks, the ankles' does not
    front, _ = sk.squat(reps=1, knee_cave=0.3, yaw_deg=90)
    straight, _ = sk.squat(reps=1, yaw_deg=90)

    def gap(track, part: str) -> np.ndarray:  # noqa: ANN001
        return np.abs(track.image[:, INDEX[f"left_{part}"], 0] - track.image[:, INDEX[f"right_{part}"], 0])

    turn = int(np.argmin(np.abs(cave.clean.t_ms - cave.reps[0].turn_ms)))
    assert gap(front, "knee")[turn] < 0.8 * gap(straight, "knee")[turn]
    np.testing.assert_allclose(gap(front, "ankle"), gap(straight, "ankle"), atol=1e-12)


def test_butt_wink_is_nearly_invisible_to_landmarks() -> None:
    _, clean = sk.squat(reps=1)
    _, wink = sk.squat(reps=1, butt_wink_deg=25)
    hip_angle = [sk.angle_deg(world_mid(tr, "shoulder"), world_mid(tr, "hip"), world_mid(tr, "knee"))
                 for tr in (clean, wink)]
    assert np.max(np.abs(hip_angle[0] - hip_angle[1])) < 1.0
    assert abs(wink.measures["trunk_lean_bottom_deg"] - clean.measures["trunk_lean_bottom_deg"]) < 1.0
    span = wink.error("squat.butt_wink").spans[0]
    assert span[0] < wink.reps[0].turn_ms < span[1] and span[1] - span[0] < 1200  # only near the bottom


def test_squat_parameters() -> None:
    _, truth = sk.squat(reps=1, depth_deg=100, forward_lean_deg=35, knee_travel=0.05)
    assert truth.measures["trunk_lean_bottom_deg"] == pytest.approx(35, abs=1e-6)
    assert truth.measures["knee_past_toe_m"] == pytest.approx(0.05, abs=1e-6)
    lab, turn = truth.lab, np.argmin(sk.mid(truth.lab, "hip")[:, 1])
    thigh = sk.mid(lab, "hip")[turn] - sk.mid(lab, "knee")[turn]
    assert np.degrees(np.arctan2(-thigh[0], thigh[1])) == pytest.approx(100, abs=1e-6)
    _, heels = sk.squat(reps=1, heel_lift_deg=15)
    assert np.max(heels.lab[:, INDEX["left_heel"], 1]) > 0.03
    np.testing.assert_allclose(heels.lab[:, INDEX["left_foot_index"], :2], 0, atol=1e-12)


def test_glute_bridge_truth() -> None:
    _, truth = sk.glute_bridge(reps=2, hyperextension_deg=15)
    turn = np.argmin(np.abs(truth.clean.t_ms - truth.reps[0].turn_ms))
    angle = sk.angle_deg(world_mid(truth, "shoulder"), world_mid(truth, "hip"), world_mid(truth, "knee"))
    assert angle[turn] == pytest.approx(165, abs=1e-3)
    assert sk.hip_line_deviation_deg(truth.lab, "knee")[turn] == pytest.approx(15, abs=1e-3)  # above the line
    for part in ("shoulder", "ankle", "heel", "foot_index"):  # shoulders and feet stay put
        assert np.ptp(sk.mid(truth.lab, part)[:, :2], axis=0).max() < 1e-9, part
    _, low = sk.glute_bridge(reps=1, lift_fraction=0.5)
    assert low.measures["hip_height_top_m"] < truth.measures["hip_height_top_m"]
    assert low.codes == {"glute_bridge.low_lift"}
    _, straight = sk.glute_bridge(reps=1)
    lab = straight.lab
    top = np.argmax(sk.mid(lab, "hip")[:, 1])
    shin = sk.mid(lab, "knee")[top] - sk.mid(lab, "ankle")[top]
    assert abs(shin[0]) < 1e-6  # knees over the heels at a straight top


def test_pushup_truth() -> None:
    _, truth = sk.pushup(reps=2, hip_sag_deg=10)
    lab = truth.lab
    for part in ("wrist", "foot_index"):  # hands and toes planted
        assert np.ptp(sk.mid(lab, part)[:, :2], axis=0).max() < 1e-9, part
    assert truth.measures["hip_deviation_bottom_deg"] == pytest.approx(10, abs=1e-3)
    arm = sk.angle_deg(sk.mid(lab, "shoulder"), sk.mid(lab, "elbow"), sk.mid(lab, "wrist"))
    assert arm[0] == pytest.approx(180, abs=1e-3) and arm.min() < 100
    _, half = sk.pushup(reps=1, range_fraction=0.5)
    assert half.measures["shoulder_drop_m"] == pytest.approx(truth.measures["shoulder_drop_m"] / 2)
    assert half.codes == {"pushup.partial_range"} and truth.codes == {"pushup.hip_sag"}


def test_track_survives_the_csv_format(tmp_path) -> None:
    track, _ = sk.pushup(reps=1, setup=Setup.realistic(seed=2))
    write_track_csv(track, tmp_path / "t.csv")
    back = read_track_csv(tmp_path / "t.csv")
    assert back.size == track.size
    assert np.allclose(back.image, track.image, equal_nan=True)
