"""Toe touch (issue 20): skeleton toe touches with a known tempo, filmed from the side, at 45 deg and the front.

The articles ask for slow, controlled reps; the shared tempo check judges the quicker half of each.
Recognition is tested against the Romanian deadlift (its look-alike: a flat-back hinge, the hands at the
shins, the shoulders never below the hips), even one rounded over with the head dropped, the squat, and
the back extension (a fold at the hips too, on a bench that tips the legs).
"""

from __future__ import annotations

import pytest

from analyzer.judging.registry import recognise
from tests.helpers import skeleton as sk
from tests.helpers import skeleton_back as back
from tests.helpers import skeleton_standing as standing
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
CODE = "toe_touch.tempo"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("yaw", [0.0, 45.0, 85.0])
def test_clean_toe_touches_are_recognised_counted_and_clean(seed: int, yaw: float) -> None:
    track, truth = standing.toe_touch(reps=3, **realistic(seed, yaw_deg=yaw))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "toe_touch", analysis.report.exercise
    assert len(analysis.report.reps) == len(truth.reps) == 3
    assert codes(analysis) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_dropped_reach_is_found_on_every_rep_and_nothing_else(seed: int) -> None:
    track, truth = standing.toe_touch(speed=4.8, **realistic(seed))  # 0.25 s each way
    analysis = analyse(track)
    assert analysis.report.exercise.name == "toe_touch"
    assert sorted(f.rep for f in analysis.report.findings if f.code == CODE) == [1, 2, 3]
    assert codes(analysis) == truth.codes == {CODE}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_limit_separates_a_brisk_reach_from_a_hurried_one(seed: int) -> None:
    quiet, _ = standing.toe_touch(speed=2.0, **realistic(seed))  # 0.6 s each way
    loud, _ = standing.toe_touch(speed=4.0, **realistic(seed))  # 0.3 s
    assert CODE not in codes(analyse(quiet, "toe_touch"))
    assert CODE in codes(analyse(loud, "toe_touch"))


@pytest.mark.parametrize("yaw", [0.0, 85.0])
@pytest.mark.parametrize(
    "program, kwargs",
    [
        (sk.deadlift, {}),
        (sk.deadlift, {"hinge_deg": 85.0}),  # Romanian: flat back, knees soft
        (sk.deadlift, {"hinge_deg": 90.0, "rounded_back_deg": 45.0, "neck_deg": 40.0}),
        (sk.squat, {}),
        (sk.overhead_press, {}),
        (standing.torso_twist, {}),
        (back.back_extension, {}),  # from the front it folds the same way in the picture, legs tipped in depth
    ],
)
def test_other_standing_exercises_are_not_taken_for_a_toe_touch(program, kwargs: dict, yaw: float) -> None:  # noqa: ANN001
    track, _ = program(**kwargs, **realistic(5, yaw_deg=yaw))
    scores = dict(recognise(analyse(track).features))
    assert scores["toe_touch"] < 0.2, scores


@pytest.mark.parametrize("seed", SEEDS)
def test_a_toe_touch_is_not_taken_for_a_deadlift(seed: int) -> None:
    track, _ = standing.toe_touch(spine_flexion_deg=20.0, **realistic(seed))  # a flatter back than most
    scores = dict(recognise(analyse(track).features))
    assert scores["toe_touch"] > 0.8 > 0.5 > scores["deadlift"], scores
