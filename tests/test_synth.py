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
