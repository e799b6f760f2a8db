"""Torso twist (issue 20): skeleton twists with a known peak turning speed, filmed from the front and the side.

The fault is twisting too fast: the shoulder line's quickest turn in a rep. Clean, clearly too fast,
either side of the limit, the side view (which cannot judge it), and recognition against the standing
exercises that also move the upper body.
"""

from __future__ import annotations

import pytest

from analyzer.judging.registry import recognise
from tests.helpers import skeleton as sk
from tests.helpers import skeleton_standing as standing
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
CODE = "torso_twist.too_fast"
FRONT = 85.0


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_twists_are_recognised_counted_and_clean(seed: int) -> None:
    track, truth = standing.torso_twist(reps=3, **realistic(seed, yaw_deg=FRONT))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "torso_twist", analysis.report.exercise
    assert len(analysis.report.reps) == len(truth.reps) == 3
    assert codes(analysis) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_thrown_twist_is_found_on_every_rep_and_nothing_else(seed: int) -> None:
    track, truth = standing.torso_twist(peak_speed_deg_s=300, **realistic(seed, yaw_deg=FRONT))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "torso_twist"
    assert sorted(f.rep for f in analysis.report.findings if f.code == CODE) == [1, 2, 3]
    assert codes(analysis) == truth.codes == {CODE}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_limit_separates_a_brisk_twist_from_a_swung_one(seed: int) -> None:
    quiet, _ = standing.torso_twist(peak_speed_deg_s=130, **realistic(seed, yaw_deg=FRONT))
    loud, _ = standing.torso_twist(peak_speed_deg_s=240, **realistic(seed, yaw_deg=FRONT))
    assert CODE not in codes(analyse(quiet, "torso_twist"))
    assert CODE in codes(analyse(loud, "torso_twist"))


def test_from_the_side_the_speed_is_not_judged() -> None:
    track, _ = standing.torso_twist(peak_speed_deg_s=300, **realistic(4, yaw_deg=5))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "torso_twist"
    (finding,) = [f for f in analysis.report.findings if f.code == CODE]
    assert not finding.assessable and "front" in finding.reason


@pytest.mark.parametrize("yaw", [0.0, FRONT])
@pytest.mark.parametrize(
    "program", [sk.squat, sk.deadlift, sk.overhead_press, sk.pushup, sk.plank, standing.toe_touch]
)
def test_other_exercises_are_not_taken_for_a_twist(program, yaw: float) -> None:  # noqa: ANN001
    track, _ = program(**realistic(5, yaw_deg=yaw))
    scores = dict(recognise(analyse(track).features))
    assert scores["torso_twist"] < 0.2, scores


@pytest.mark.parametrize("seed", SEEDS)
def test_a_twist_is_taken_for_nothing_else(seed: int) -> None:
    track, _ = standing.torso_twist(**realistic(seed, yaw_deg=FRONT))
    scores = dict(recognise(analyse(track).features))
    assert max(score for name, score in scores.items() if name != "torso_twist") < 0.2, scores
