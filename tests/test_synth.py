"""Synthetic athletes (tools/synth) and the accuracy bench (bench/accuracy.py).

The metric tests need only the project; the rendering test needs the
optional ``synth`` extra (torch, anny, PyOpenGL with Debian's libosmesa6,
see tools/synth/requirements.txt) and is skipped with that reason elsewhere.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from analyzer.report import ExerciseInfo, Finding, Rep, Report, SourceInfo, Versions

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_accuracy", ROOT / "bench" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _report(exercise: str, codes: list[tuple[str, int | None]], reps: int, unassessable: tuple[str, ...] = ()) -> Report:
    findings = [Finding(code=c, title=c, rep=r) for c, r in codes]
    findings += [Finding(code=c, title=c, assessable=False, reason="film from the side") for c in unassessable]
    return Report(
        source=SourceInfo(file="x.mp4", duration_s=5.0, fps=30.0),
        frames_total=150,
        frames_with_pose=150,
        exercise=ExerciseInfo(name=exercise),
        reps=[Rep(index=i, start_ms=i * 1000.0, end_ms=i * 1000.0 + 900) for i in range(1, reps + 1)],
        findings=findings,
        versions=Versions(formcheck="test"),
    )


def _truth(exercise: str, expected: list[str], absent: list[str], reps: int, errors: dict | None = None,
           rep_expected: dict[int, list[str]] | None = None, borderline: list[str] | None = None) -> dict:
    rep_expected = rep_expected or {}
    return {
        "exercise": exercise,
        "errors": errors or {},
        "expected_findings": expected,
        "absent_findings": absent,
        "borderline_findings": borderline or [],
        "reps": [{"index": i, "expected_findings": rep_expected.get(i, expected)} for i in range(1, reps + 1)],
    }


def test_bench_scores_hand_made_reports() -> None:
    bench = _bench()
    rb = "deadlift.rounded_back"
    cases = [
        # caught on every rep
        bench.Case("a", _truth("deadlift", [rb], [], 3, {"rounded_back": 40}),
                   _report("deadlift", [(rb, 1), (rb, 2), (rb, 3)], 3)),
        # missed: the rule said it could not judge the view
        bench.Case("b", _truth("deadlift", [rb], [], 3, {"rounded_back": 40}),
                   _report("deadlift", [], 3, unassessable=(rb,))),
        # clean clip with a false alarm on rep 2 and one rep too many
        bench.Case("c", _truth("deadlift", [], [rb], 3), _report("deadlift", [(rb, 2)], 4)),
        # clean and silent
        bench.Case("d", _truth("deadlift", [], [rb], 2), _report("deadlift", [], 2)),
        # borderline magnitude: reported, but not scored
        bench.Case("e", _truth("deadlift", [], [], 2, {"rounded_back": 15}, borderline=[rb]),
                   _report("squat", [(rb, None)], 2)),
        bench.Case("f", _truth("squat", ["squat.butt_wink"], [], 2, {"butt_wink": 25}), None, "boom"),
    ]
    result = bench.score(cases)
    m = result["per_code"][rb]
    assert (m["tp"], m["fp"], m["fn"], m["tn"], m["fn_unassessable"]) == (1, 1, 1, 1, 1)
    assert m["precision"] == 0.5 and m["recall"] == 0.5 and m["f1"] == 0.5
    assert m["borderline_reported"] == 1
    assert result["clean"] == {"clips": 2, "with_findings": 1, "false_alarms": {rb: 1}}
    assert result["confusion"]["deadlift.rounded_back"] == {rb: 1, "(none)": 1}
    assert result["scored"] == 5 and result["failures"] == [{"clip": "f", "error": "boom"}]
    assert result["exercise_accuracy"] == 0.8
    assert result["recognition"] == {"deadlift": {"deadlift": 4, "squat": 1}}  # f failed: not scored
    reps = result["reps"]
    assert reps["clips"] == 5 and reps["count_exact"] == 0.8 and reps["count_mean_abs_diff"] == 0.2
    # per rep: a 3/3, b 0/3, c 2/3 (rep 2 false alarm), d 2/2, e 2/2 (rounded_back not scored there)
    assert reps["rep_findings_agree"] == round(9 / 13, 4)


def test_bench_reads_saved_reports(tmp_path: Path) -> None:
    bench = _bench()
    clips, reports = tmp_path / "clips", tmp_path / "reports"
    clips.mkdir(), reports.mkdir()
    (clips / "p.json").write_text(json.dumps(_truth("plank", ["plank.sagging_hips"], ["plank.piked_hips"], 0)))
    _report("plank", [("plank.sagging_hips", None)], 0).write(reports / "p.json")
    result = bench.score(bench.load_cases(clips, reports, True, None))
    assert result["per_code"]["plank.sagging_hips"]["recall"] == 1.0
    assert result["per_code"]["plank.piked_hips"]["tn"] == 1


def test_timeline_reps_and_envelopes() -> None:
    from tools.synth.exercises import EXERCISES
    from tools.synth.timeline import build

    squat = EXERCISES["squat"]
    tl = build(squat, fps=30, reps=3, hold_s=0, tempo=1.0, errors={"butt_wink": 20.0}, error_reps=[2])
    assert [w.index for w in tl.reps] == [1, 2, 3]
    assert tl.frames[0].p == 0.0 and tl.frames[-1].p == 0.0
    peak = {r: max(f.errors.get("butt_wink", 0.0) for f in tl.frames if f.rep == r) for r in (1, 2, 3)}
    assert peak == {1: 0.0, 2: 20.0, 3: 0.0}  # only the chosen rep, full magnitude at the bottom
    assert all(f.errors.get("butt_wink", 0.0) == 0.0 for f in tl.frames if f.p < 0.55)


def test_same_seed_same_clip(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("anny", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    # Imports PyOpenGL with the OSMesa platform selected (needs Debian's libosmesa6).
    pytest.importorskip("tools.synth.raster", reason="PyOpenGL with OSMesa (libosmesa6) is not installed")
    from tools.synth.render import generate
    from tools.synth.spec import ClipSpec

    def make(name: str):
        spec = ClipSpec(exercise="squat", errors={"butt_wink": 25.0}, reps=1, seed=5, fps=12, width=192, height=160,
                        tempo=0.8, noise=2.0)
        return generate(spec, tmp_path / f"{name}.mp4")

    a, b = make("a"), make("b")
    truth_a, truth_b = json.loads(a.truth.read_text()), json.loads(b.truth.read_text())
    truth_a["video"].pop("file"), truth_b["video"].pop("file")
    assert truth_a == truth_b
    assert np.array_equal(a.first_frame, b.first_frame)
    assert a.first_frame.std() > 5  # something was drawn
    assert truth_a["expected_findings"] == ["squat.butt_wink"] and truth_a["rep_count"] == 1
    frame = truth_a["frames"][0]
    assert len(frame["image"]) == len(frame["world"]) == len(frame["visible"]) == 33
    assert a.video.stat().st_size > 1000
    # The spine's absolute angles: neutral standing, the wink's lumbar flexion and posterior tilt at the bottom.
    standing = frame["spine"]
    bottom = max(truth_a["frames"], key=lambda f: f["errors"].get("butt_wink", 0.0))
    assert abs(standing["lumbar_flexion_deg"]) < 0.1 and abs(standing["thoracic_flexion_deg"]) < 0.1
    assert bottom["spine"]["lumbar_flexion_deg"] == pytest.approx(bottom["errors"]["butt_wink"], abs=0.1)


def test_floor_timing_faults_set_the_rep_phases() -> None:
    """Issue 20's time faults (bird dog's hold, leg raise's lowering) set one phase of the reps that carry them."""
    from tools.synth.exercises import EXERCISES
    from tools.synth.timeline import build

    bird_dog, leg_raise = EXERCISES["bird_dog"], EXERCISES["leg_raise"]
    tl = build(bird_dog, fps=10, reps=2, hold_s=0, tempo=1.0, errors={"bird_dog_hold": 0.8}, error_reps=[2])
    assert [w.phases_s[1] for w in tl.reps] == [3.0, 0.8]
    tl = build(leg_raise, fps=10, reps=1, hold_s=0, tempo=1.2, errors={"leg_raise_lowering": 0.4}, error_reps=None)
    assert tl.reps[0].phases_s == pytest.approx((1.4 * 1.2, 0.4 * 1.2, 0.4))
    hold = bird_dog.errors["bird_dog_hold"]
    assert [hold.verdict(s) for s in (0.8, 2.0, 3.5)] == ["expected", "borderline", None]


def _sagittal_angle(v: np.ndarray) -> float:
    """Angle (deg) of a scene vector's (y, z) above the floor, toward -Y (the head's way lying down)."""
    return float(np.degrees(np.arctan2(v[2], -v[1])))


def test_floor_exercises_pose_their_faults_at_the_injected_size() -> None:
    """Each floor exercise posed clean and faulty on one body: the fault measured on the posed body (landmarks,
    bone heads, the spine's angles) is the magnitude injected."""
    pytest.importorskip("torch", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("anny", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    from analyzer.landmarks import INDEX
    from tools.synth.exercises import EXERCISES, PoseContext
    from tools.synth.poser import Poser
    from tools.synth.rig import Body
    from tools.synth.truth import spine_angles

    poser = Poser(Body({"gender": 0.4, "age": 0.7, "muscle": 0.5, "weight": 0.5, "height": 0.5, "proportions": 0.5}))
    neutral = poser.skin({}).heads
    i = poser.body.index

    def mid(placed, name: str) -> np.ndarray:
        return (placed.landmarks[INDEX[f"left_{name}"]] + placed.landmarks[INDEX[f"right_{name}"]]) / 2

    def extension(placed) -> float:
        s = spine_angles(placed.heads, neutral, i)
        return -(s["lumbar_flexion_deg"] + s["thoracic_flexion_deg"])

    measures = {
        # seen from the front (the camera on +X): the line in the Y-Z plane, + with the hips below it
        "hip_drop": lambda q: _sagittal_angle(mid(q, "shoulder") - mid(q, "hip"))
        + _sagittal_angle(mid(q, "hip") - mid(q, "ankle")) * -1,
        "arm_lean": lambda q: _sagittal_angle(mid(q, "shoulder") - mid(q, "wrist")) - 90.0,  # + hands ahead
        "head_flexion": lambda q: -_sagittal_angle(mid(q, "eye") - q.heads[i["head"]]),  # lying on the back
        "trunk_off_floor": lambda q: 180.0 - _sagittal_angle(mid(q, "shoulder") - mid(q, "hip")),
        "hip_roll": lambda q: float(np.degrees(np.arctan2(*(q.heads[i["upperleg01.R"]] - q.heads[i["upperleg01.L"]])[[2, 0]]
                                                          * np.array([1.0, -1.0])))),
        "back_extension": extension,
    }
    # exercise, errors, depth p, measure, expected change from the clean pose (None: absolute value)
    cases = [
        ("side_plank", {"hips_dropping": 20.0}, 0.5, "hip_drop", 20.0),
        ("pushup", {"hands_forward": 25.0}, 0.0, "arm_lean", 25.0),
        ("pushup", {"hands_behind": 20.0}, 0.0, "arm_lean", -20.0),
        ("crunch", {"neck_pull": 45.0}, 1.0, "head_flexion", 45.0),
        ("crunch", {"sit_up": 70.0}, 1.0, "trunk_off_floor", None),
        ("bird_dog", {"bird_dog_hips_rotate": 15.0}, 1.0, "hip_roll", 15.0),
        ("bird_dog", {"bird_dog_back_sag": 15.0}, 1.0, "back_extension", 15.0),
        ("leg_raise", {"leg_raise_back_arch": 15.0}, 0.0, "back_extension", 15.0),
        ("superman", {"superman_over_arch": 20.0}, 1.0, "back_extension", 20.0),
        ("cobra", {"cobra_over_arch": 20.0}, 1.0, "back_extension", 20.0),
    ]
    def pose(name: str, err: dict[str, float], p: float):
        ctx = PoseContext(poser)
        ctx.rep = 1
        EXERCISES[name].make(ctx, 0.0, err)  # the clip's first frame fixes its contacts
        return EXERCISES[name].make(ctx, p, err)

    for name, errors, p, measure, change in cases:
        assert {EXERCISES[name].errors[e].code for e in errors} <= set(EXERCISES[name].codes)
        clean, faulty = pose(name, {}, p), pose(name, errors, p)
        got = measures[measure](faulty) - (measures[measure](clean) if change is not None else 0.0)
        want = change if change is not None else next(iter(errors.values()))
        assert got == pytest.approx(want, abs=3.0), (name, errors, got)
        for placed in (clean, faulty):  # on the floor, not in it
            assert placed.vertices[:, 2].min() == pytest.approx(0.0, abs=0.02), name


def test_bird_dog_alternates_sides() -> None:
    pytest.importorskip("torch", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("anny", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    from tools.synth.exercises import EXERCISES, PoseContext
    from tools.synth.poser import Poser
    from tools.synth.rig import Body

    poser = Poser(Body({"gender": 0.6, "age": 0.7, "muscle": 0.5, "weight": 0.4, "height": 0.6, "proportions": 0.5}))
    ctx = PoseContext(poser)
    reaching = []
    for rep in (1, 2, 3):
        ctx.rep = rep
        heads = EXERCISES["bird_dog"].make(ctx, 1.0, {}).heads
        wrist = {s: heads[poser.body.index[f"wrist.{s}"], 2] for s in ("L", "R")}
        reaching.append(max(wrist, key=wrist.get))
    assert reaching == ["L", "R", "L"]


def test_standing_timing_faults_set_the_rep_phases() -> None:
    """Issue 20's speed faults (burpee, toe touch, torso twist) and the jump's script set the reps' timing."""
    from tools.synth.exercises import EXERCISES
    from tools.synth.standing_exercises import _twist_angle

    burpee, toe_touch, twist, jump = (EXERCISES[n] for n in ("burpee", "toe_touch", "torso_twist", "jump"))
    assert sum(burpee.phases({"burpee_duration": 1.2}, 1.1)[:3]) == pytest.approx(1.2)
    assert sum(burpee.phases({}, 1.0)[:3]) == pytest.approx(3.0)
    down, pause, _, _ = toe_touch.phases({"toe_touch_quick_half": 0.25}, 0.9)
    assert down + pause / 2 == pytest.approx(0.25)
    assert toe_touch.phases({}, 1.0)[0] + toe_touch.phases({}, 1.0)[1] / 2 >= 1.2
    for speed, errors, tempo in ((300.0, {"twist_speed": 300.0}, 1.1), (90.0 / 1.2, {}, 1.2)):
        length = sum(twist.phases(errors, tempo)[:3])
        p = np.linspace(0.0, 1.0, 20001)
        turn = np.array([_twist_angle(x) for x in p])
        assert np.abs(np.diff(turn)).max() / (length / (len(p) - 1)) == pytest.approx(speed, rel=0.01)
        assert turn.max() == pytest.approx(45.0) and turn.min() == pytest.approx(-45.0)
    # a stiffer landing stops the body sooner; the rep's middle is the landing's deepest point
    assert jump.phases({"landing_bend": 10.0}, 1.0)[0] < jump.phases({}, 1.0)[0]
    faults = (("burpee", "burpee_duration"), ("jump", "landing_bend"), ("torso_twist", "twist_speed"))
    verdicts = {n: EXERCISES[e].errors[n].verdict for e, n in faults}
    assert [verdicts["burpee_duration"](s) for s in (1.0, 2.0, 3.2)] == ["expected", "borderline", None]
    assert [verdicts["landing_bend"](b) for b in (12.0, 30.0, 55.0)] == ["expected", "borderline", None]
    assert [verdicts["twist_speed"](v) for v in (320.0, 200.0, 80.0)] == ["expected", "borderline", None]


def test_standing_exercises_pose_their_faults_at_the_injected_size() -> None:
    """Each standing or mixed exercise posed clean and faulty on one body: the fault measured on the posed body
    (landmarks, bone heads, the spine's angles) is the magnitude injected; feet, hands and bench where they belong."""
    pytest.importorskip("torch", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("anny", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    from analyzer.landmarks import INDEX
    from tools.synth.exercises import EXERCISES, PoseContext
    from tools.synth.kinematics import angle_deg
    from tools.synth.poser import Poser
    from tools.synth.rig import Body
    from tools.synth.truth import body_angles, spine_angles

    poser = Poser(Body({"gender": 0.3, "age": 0.75, "muscle": 0.6, "weight": 0.4, "height": 0.6, "proportions": 0.5}))
    neutral = poser.skin({}).heads
    i = poser.body.index

    def flexion(placed) -> float:
        s = spine_angles(placed.heads, neutral, i)
        return s["lumbar_flexion_deg"] + s["thoracic_flexion_deg"]

    def mid(placed, name: str) -> np.ndarray:
        return (placed.landmarks[INDEX[f"left_{name}"]] + placed.landmarks[INDEX[f"right_{name}"]]) / 2

    def trunk_rise(placed) -> float:  # the hip-shoulder line above horizontal, facing -Y
        return _sagittal_angle(mid(placed, "shoulder") - mid(placed, "hip"))

    def knee_bend(placed) -> float:
        return 180.0 - angle_deg(*(placed.heads[i[b]] for b in ("upperleg01.L", "lowerleg01.L", "foot.L")))

    jump_bottom = {}
    for errors in ({}, {"landing_bend": 15.0}):
        down, hold, up, _ = EXERCISES["jump"].phases(errors, 1.0)
        jump_bottom[bool(errors)] = (down + hold / 2) / (down + hold + up)
    measures = {
        "flexion": flexion,
        "trunk_rise": trunk_rise,
        "line_ankle": lambda q: -body_angles(q.landmarks)["hip_line_ankle_deg"],  # + hips below the line
        "line_knee": lambda q: -body_angles(q.landmarks)["hip_line_knee_deg"],
        "knee_bend": knee_bend,
    }
    # exercise, errors, depth p (clean, faulty), measure, expected change from the clean pose (None: absolute)
    cases = [
        ("overhead_press", {"press_back_arch": 20.0}, (1.0, 1.0), "flexion", -20.0),
        ("bent_over_row", {"row_rounded_back": 25.0}, (0.5, 0.5), "flexion", 25.0),
        ("bent_over_row", {"row_torso_swing": 15.0}, (1.0, 1.0), "trunk_rise", 15.0),
        ("burpee", {"burpee_hip_sag": 15.0}, (1.0, 1.0), "line_ankle", 15.0),
        ("back_extension", {"back_ext_over_arch": 15.0}, (1.0, 1.0), "line_knee", 15.0),
        ("jump", {"landing_bend": 15.0}, (jump_bottom[False], jump_bottom[True]), "knee_bend", None),
        ("toe_touch", {}, (0.0, 1.0), "flexion", 50.0),  # no fault: the fold itself (its fault is the tempo)
    ]
    def pose(exercise, err: dict[str, float], p: float):
        ctx = PoseContext(poser)
        exercise.make(ctx, 0.0, err)  # the clip's first frame fixes its contacts
        return exercise.make(ctx, p, err), ctx

    for name, errors, (p_clean, p_faulty), measure, change in cases:
        exercise = EXERCISES[name]
        assert {exercise.errors[e].code for e in errors} <= set(exercise.codes)
        (clean, _), (faulty, ctx) = pose(exercise, {}, p_clean), pose(exercise, errors, p_faulty)
        got = measures[measure](faulty) - (measures[measure](clean) if change is not None else 0.0)
        want = change if change is not None else next(iter(errors.values()))
        assert got == pytest.approx(want, abs=3.0), (name, errors, got)
        if name == "jump":
            assert knee_bend(clean) == pytest.approx(55.0, abs=1.0)  # a soft landing
        elif name == "back_extension":  # on the pad, the pad on its frame, the hanging head off the floor
            pad = exercise.props(ctx)[0][0]
            front = np.array([0.0, -np.sqrt(0.5), -np.sqrt(0.5)])
            hip = (faulty.heads[i["upperleg01.L"]] + faulty.heads[i["upperleg01.R"]]) / 2
            assert (pad - hip) @ front == pytest.approx(0.0, abs=0.25)
            thighs = [k for k, b in enumerate(poser.body.part_of_vertex) if poser.body.bones[b].startswith("upperleg")]
            gap = ((pad - hip) @ front).min() - ((faulty.vertices[thighs] - hip) @ front).max()
            assert abs(gap) < 0.02
            assert exercise.make(ctx, 0.0, {}).vertices[:, 2].min() > 0.1
        elif name == "toe_touch":  # folded past horizontal: the shoulders below the hips, the hands at the toes
            assert mid(faulty, "shoulder")[2] < mid(faulty, "hip")[2] - 0.1
            assert poser.lowest(faulty, "hands") == pytest.approx(0.0, abs=0.03)
        elif name == "burpee":  # the plank: hands and toes on the floor
            for placed in (clean, faulty):
                assert poser.lowest(placed, "feet") == pytest.approx(0.0, abs=0.01)
                assert poser.lowest(placed, "hands") == pytest.approx(0.0, abs=0.03)
        else:
            for placed in (clean, faulty):  # standing on the floor, not in it
                assert poser.lowest(placed, "feet") == pytest.approx(0.0, abs=0.01), name


def test_jump_flies_ballistically() -> None:
    """Between take-off and touchdown the body rises and falls under gravity alone."""
    pytest.importorskip("torch", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("anny", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    from tools.synth.exercises import EXERCISES, PoseContext
    from tools.synth.poser import Poser
    from tools.synth.rig import Body
    from tools.synth.standing_exercises import GRAVITY, _jump_times

    poser = Poser(Body({"gender": 0.7, "age": 0.7, "muscle": 0.6, "weight": 0.5, "height": 0.5, "proportions": 0.5}))
    ctx = PoseContext(poser)
    times = _jump_times(55.0)
    total = sum(times.values())
    takeoff = times["still"] + times["dip"] + times["push"]
    dt = times["flight"] / 4
    heights = [EXERCISES["jump"].make(ctx, (takeoff + k * dt) / total, {}).heads[0, 2] for k in range(1, 4)]
    assert (heights[0] - 2 * heights[1] + heights[2]) / dt**2 == pytest.approx(-GRAVITY, rel=0.02)
    assert poser.lowest(EXERCISES["jump"].make(ctx, (takeoff + 2 * dt) / total, {}), "feet") > 0.15


def test_standing_clips_render_with_truth(tmp_path: Path) -> None:
    """A few frames of the exercises that need more than bends: the bench prop (drawn, in the depth), the scripted
    jump (its rep's middle is the landing's deepest point), the twist's timing; the truth says what to find."""
    pytest.importorskip("torch", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("anny", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("tools.synth.raster", reason="PyOpenGL with OSMesa (libosmesa6) is not installed")
    from analyzer.landmarks import INDEX
    from tools.synth.render import generate
    from tools.synth.spec import ClipSpec
    from tools.synth.standing_exercises import TWIST_LENGTH

    def truth(exercise: str, errors: dict[str, float], fps: float = 6.0) -> dict:
        spec = ClipSpec(exercise=exercise, errors=errors, reps=1, seed=81, fps=fps, width=96, height=72, tempo=1.0)
        return json.loads(generate(spec, tmp_path / f"{exercise}.mp4").truth.read_text())

    bench = truth("back_extension", {"back_ext_over_arch": 20.0})
    assert bench["expected_findings"] == ["back_extension.over_arch"]
    peak = bench["reps"][0]["at_error_peak"]["back_ext_over_arch"]
    assert -peak["measured"]["hip_line_knee_deg"] == pytest.approx(peak["weighted_deg"], abs=3.0)
    near = [INDEX[f"left_{j}"] for j in ("shoulder", "hip", "knee", "ankle")]  # the side facing the camera
    assert all(f["visible"][k] for f in bench["frames"] for k in near)  # the bench, below the legs, hides none

    jump = truth("jump", {"landing_bend": 12.0}, fps=12.0)
    assert jump["expected_findings"] == ["jump.stiff_landing"] and jump["errors"] == {"landing_bend": 12.0}
    assert 180.0 - jump["reps"][0]["measured"]["knee_angle_deg"] < 15.0  # landmarks read a little less than bones

    twist = truth("torso_twist", {"twist_speed": 300.0})
    rep = twist["reps"][0]
    assert (rep["end_ms"] - rep["start_ms"]) / 1000.0 == pytest.approx(TWIST_LENGTH / 300.0, abs=0.002)
    assert twist["expected_findings"] == ["torso_twist.too_fast"] and twist["error_units"] == {"twist_speed": "deg/s"}


def test_a_style_changes_how_deep_and_how_bent_the_lift_is_not_the_spine() -> None:
    """ClipSpec.style: a deeper squat bends the knees further and sits lower at the bottom, a stiff-legged pull
    bends the knees less; the spine stays neutral (its truth is what the spine estimator learns) and no style is the
    exercise's own motion."""
    pytest.importorskip("torch", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("anny", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    from tools.synth.exercises import EXERCISES, PoseContext
    from tools.synth.kinematics import angle_deg
    from tools.synth.poser import Poser
    from tools.synth.rig import Body
    from tools.synth.truth import spine_angles

    poser = Poser(Body({"gender": 0.5, "age": 0.75, "muscle": 0.5, "weight": 0.5, "height": 0.5, "proportions": 0.5}))
    i = poser.body.index
    neutral = poser.skin({}).heads

    def bottom(exercise: str, style: dict[str, float]) -> tuple[float, float, dict[str, float]]:
        ctx = PoseContext(poser)
        ctx.style = style
        placed = EXERCISES[exercise].make(ctx, 1.0, {})
        heads = placed.heads
        knee = 180.0 - angle_deg(*(heads[i[b]] for b in ("upperleg01.L", "lowerleg01.L", "foot.L")))
        hip_height = float(heads[i["upperleg01.L"]][2] - heads[i["foot.L"]][2])
        return knee, hip_height, spine_angles(heads, neutral, i)

    knee, hip, spine = bottom("squat", {})
    deep_knee, deep_hip, deep_spine = bottom("squat", {"depth": 1.15, "knee": 1.2})
    assert deep_knee > knee + 5 and deep_hip < hip - 0.03  # m
    stiff_knee, _, stiff_spine = bottom("deadlift", {"knee": 0.4})
    assert stiff_knee < bottom("deadlift", {})[0] - 5
    for s in (spine, deep_spine, stiff_spine):
        assert abs(s["lumbar_flexion_deg"]) < 0.5 and abs(s["thoracic_flexion_deg"]) < 0.5


def test_cylinder_faces_point_outward_and_a_barbell_is_loaded_at_both_ends() -> None:
    """The renderer lights a face by its winding: every face of a (convex) cylinder must face away from its
    centre. A barbell is an Olympic bar along X with one plate stack a side, symmetric about its centre."""
    from tools.synth.props import BAR_HALF_LENGTH, SLEEVE_FROM, barbell, cylinder

    a, b = np.array([0.1, 0.2, 0.3]), np.array([0.5, -0.1, 0.9])
    vertices, faces, colours = cylinder(a, b, 0.2, (1.0, 0.0, 0.0), sides=16)
    tri = vertices[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    assert np.all(np.einsum("ij,ij->i", normals, tri.mean(axis=1) - (a + b) / 2) > 0)
    axis = (b - a) / np.linalg.norm(b - a)
    off_axis = (vertices - a) - np.outer((vertices - a) @ axis, axis)
    assert np.allclose(np.linalg.norm(off_axis, axis=1)[np.linalg.norm(off_axis, axis=1) > 1e-9], 0.2)
    assert colours.shape == vertices.shape

    centre = np.array([0.0, 0.3, 1.4])
    meshes = barbell(centre, 0.225, 0.08, (0.1, 0.1, 0.1))
    points = np.concatenate([v for v, _, _ in meshes])
    assert np.allclose(points.mean(axis=0)[1:], centre[1:], atol=1e-9)
    assert points[:, 0].max() == pytest.approx(BAR_HALF_LENGTH) and points[:, 0].min() == pytest.approx(-BAR_HALF_LENGTH)
    wide = points[np.hypot(points[:, 1] - centre[1], points[:, 2] - centre[2]) > 0.2]  # the plates' rims
    assert len(wide) and np.all(np.abs(wide[:, 0]) > SLEEVE_FROM) and (wide[:, 0] > 0).mean() == pytest.approx(0.5)


def test_two_link_toward_bends_the_elbow_to_the_pole() -> None:
    from tools.synth.kinematics import two_link_toward

    root, target, pole = np.array([0.0, 0.0, 0.0]), np.array([0.3, 0.1, 0.2]), np.array([0.0, 1.0, -1.0])
    elbow = two_link_toward(root, target, 0.3, 0.27, pole)
    assert np.linalg.norm(elbow - root) == pytest.approx(0.3) and np.linalg.norm(target - elbow) == pytest.approx(0.27)
    assert np.dot(elbow - root, pole) > 0 > np.dot(two_link_toward(root, target, 0.3, 0.27, -pole) - root, pole)
    far = two_link_toward(root, np.array([2.0, 0.0, 0.0]), 0.3, 0.27, pole)  # out of reach: straight toward it
    assert far == pytest.approx(np.array([0.3, 0.0, 0.0]), abs=1e-3)


def test_a_barbell_is_held_where_the_lift_carries_it() -> None:
    """ClipSpec.barbell: a back squat's bar rests on the upper back, behind and above the shoulder joints, with
    both hands on it at the grip, from standing to the bottom; a deadlift's hangs in the fingers. The bar
    changes the arms only: the legs, the spine and its truth are the bodyweight lift's."""
    pytest.importorskip("torch", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    pytest.importorskip("anny", reason="the synth extra is not installed (tools/synth/requirements.txt)")
    from tools.synth.exercises import EXERCISES, HANGING_WRIST_ABOVE_BAR_M, WRIST_BELOW_BAR_M, PoseContext
    from tools.synth.poser import SPINE, Poser
    from tools.synth.rig import Body

    poser = Poser(Body({"gender": 0.3, "age": 0.7, "muscle": 0.6, "weight": 0.6, "height": 0.4, "proportions": 0.5}))
    i = poser.body.index
    grip = 0.42
    trunk_and_legs = [i[b] for b in ("root", *SPINE, "upperleg01.L", "lowerleg01.L", "foot.R")]

    def posed(exercise: str, p: float, barbell: dict | None):
        ctx = PoseContext(poser)
        ctx.barbell = barbell
        return EXERCISES[exercise].make(ctx, p, {"butt_wink": 20.0} if exercise == "squat" else {})

    loaded = {"plate_radius": 0.225, "plate_width": 0.08, "plate_colour": [0.1, 0.1, 0.1], "grip": grip}
    for p in (0.0, 0.5, 1.0):
        bar, bare = posed("squat", p, loaded), posed("squat", p, None)
        assert bare.bar is None and bar.bar is not None
        assert np.allclose(bar.heads[trunk_and_legs], bare.heads[trunk_and_legs], atol=1e-4)
        shoulders = (bar.heads[i["upperarm01.L"]] + bar.heads[i["upperarm01.R"]]) / 2
        assert bar.bar[1] - shoulders[1] > 0.03 and 0.0 < bar.bar[2] - shoulders[2] < 0.12  # +Y is the back
        for s, sign in (("L", 1.0), ("R", -1.0)):
            hand_on_bar = bar.bar + np.array([sign * grip, 0.0, 0.0])
            assert np.linalg.norm(bar.heads[i[f"wrist.{s}"]] - hand_on_bar) < WRIST_BELOW_BAR_M + 0.02
    pull = posed("deadlift", 1.0, loaded)
    wrists = (pull.heads[i["wrist.L"]] + pull.heads[i["wrist.R"]]) / 2
    assert pull.bar == pytest.approx(wrists - np.array([0.0, 0.0, HANGING_WRIST_ABOVE_BAR_M]))
    assert np.allclose(pull.heads, posed("deadlift", 1.0, None).heads)
