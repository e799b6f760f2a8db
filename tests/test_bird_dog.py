"""Bird dog (issue 20): skeleton bird dogs on hands and knees with known hip roll, back sag and hold.

Each extension of one arm and the other side's leg is a rep, and the sides alternate: the reps are
counted, each named by its side. Clean, clearly faulty on the right reps (a fault on one side only is
found on that side's reps), either side of each limit, the views that cannot show a fault, and
recognition against the other exercises on the floor.
"""

from __future__ import annotations

import pytest

from analyzer.judging.registry import recognise
from rules.bird_dog import SIDES, THRESHOLDS
from tests.helpers import skeleton as sk
from tests.helpers import skeleton_core as core
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
SIDE, FRONT = 0.0, 90.0
SIDE_NAME = {"left": SIDES[1], "right": SIDES[-1]}


def _found(analysis, code: str) -> list:  # noqa: ANN001
    return [f for f in analysis.report.findings if f.code == code and f.assessable]


@pytest.mark.parametrize("seed", SEEDS)
# 35 deg off side-on the far leg's landmark comes and goes: the reach must hold its level through the hold
@pytest.mark.parametrize("yaw, first", [(SIDE, "left"), (35.0, "left"), (FRONT, "right")])
def test_clean_bird_dogs_are_recognised_counted_by_side_and_clean(seed: int, yaw: float, first: str) -> None:
    track, truth = core.bird_dog(reps=4, first_side=first, **realistic(seed, yaw_deg=yaw))
    analysis = analyse(track)
    report = analysis.report
    assert report.exercise.name == "bird_dog", report.exercise
    assert len(report.reps) == 4
    assert codes(analysis) == set()
    # the reps' reach of the left arm with the right leg: up on that side's reps, down on the other's
    left_arm = [rep.metrics["left_arm_right_leg_reach_max"] > -rep.metrics["left_arm_right_leg_reach_min"]
                for rep in report.reps]
    assert sum(left_arm) == truth.measures["left_arm_reps"] == 2
    assert left_arm == [first == "left", first == "right"] * 2


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "kwargs, yaw, code",
    [
        ({"hip_roll_deg": 15}, FRONT, "bird_dog.hips_rotate"),
        ({"back_sag_deg": 15}, SIDE, "bird_dog.back_sag"),
        ({"hold_s": 1.0}, SIDE, "bird_dog.short_hold"),
        ({"hold_s": 1.0}, FRONT, "bird_dog.short_hold"),
    ],
)
def test_a_fault_on_every_rep_is_found_and_nothing_else(kwargs: dict, yaw: float, code: str, seed: int) -> None:
    track, truth = core.bird_dog(reps=4, **kwargs, **realistic(seed, yaw_deg=yaw))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "bird_dog"
    assert sorted(f.rep for f in _found(analysis, code)) == [1, 2, 3, 4]
    assert codes(analysis) <= truth.codes
    if code != "bird_dog.short_hold":  # the roll and the sag read 1:1 (the hold: see the limits' test)
        assert all(abs(f.measured - 15) < 3.0 for f in _found(analysis, code)), [f.measured for f in _found(analysis, code)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "kwargs, yaw, code",
    [({"hip_roll_deg": 16}, FRONT, "bird_dog.hips_rotate"), ({"back_sag_deg": 16}, SIDE, "bird_dog.back_sag")],
)
@pytest.mark.parametrize("faulty_side", ["left", "right"])
def test_a_fault_on_one_side_is_found_on_that_sides_reps_and_named(
    kwargs: dict, yaw: float, code: str, faulty_side: str, seed: int
) -> None:
    track, truth = core.bird_dog(reps=4, faulty_side=faulty_side, **kwargs, **realistic(seed, yaw_deg=yaw))
    found = _found(analyse(track, "bird_dog"), code)
    expected = [1, 3] if faulty_side == "left" else [2, 4]  # the left arm leads
    assert sorted(f.rep for f in found) == expected
    assert all(f.title.endswith(SIDE_NAME[faulty_side]) for f in found), [f.title for f in found]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "knob, under, over, yaw, code",
    [
        ("hip_roll_deg", THRESHOLDS["roll"].warn - 3.0, THRESHOLDS["roll"].warn + 4.0, FRONT, "bird_dog.hips_rotate"),
        ("back_sag_deg", THRESHOLDS["sag"].warn - 3.0, THRESHOLDS["sag"].warn + 3.0, SIDE, "bird_dog.back_sag"),
        # the limbs count as held in the last quarter of their 1 s reach too: ~0.5 s more than the pause
        ("hold_s", THRESHOLDS["hold"].warn + 0.5, THRESHOLDS["hold"].warn - 0.8, SIDE, "bird_dog.short_hold"),
    ],
)
def test_the_limits_separate_good_form_from_the_fault(
    knob: str, under: float, over: float, yaw: float, code: str, seed: int
) -> None:
    quiet, _ = core.bird_dog(**{knob: under}, **realistic(seed, yaw_deg=yaw))
    loud, _ = core.bird_dog(**{knob: over}, **realistic(seed, yaw_deg=yaw))
    assert code not in codes(analyse(quiet, "bird_dog"))
    assert code in codes(analyse(loud, "bird_dog"))


@pytest.mark.parametrize(
    "kwargs, yaw, code, how",
    [
        ({"hip_roll_deg": 15}, SIDE, "bird_dog.hips_rotate", "front"),
        ({"back_sag_deg": 15}, FRONT, "bird_dog.back_sag", "side"),
        ({"back_sag_deg": 15}, 50.0, "bird_dog.back_sag", "within 35 degrees"),
    ],
)
def test_a_view_that_cannot_show_the_fault_says_so(kwargs: dict, yaw: float, code: str, how: str) -> None:
    track, _ = core.bird_dog(**kwargs, **realistic(4, yaw_deg=yaw))
    (finding,) = [f for f in analyse(track, "bird_dog").report.findings if f.code == code]
    assert not finding.assessable and how in finding.reason, finding.reason


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("yaw", [SIDE, 45.0, FRONT])
def test_a_bird_dog_is_not_taken_for_another_exercise(seed: int, yaw: float) -> None:
    scores = recognise(analyse(core.bird_dog(**realistic(seed, yaw_deg=yaw))[0]).features)
    (best, score), (_, runner_up) = scores[:2]
    assert best == "bird_dog" and score > 0.8 and score - runner_up > 0.3, scores


@pytest.mark.parametrize(
    "program", [sk.plank, sk.pushup, sk.side_plank, sk.squat, sk.deadlift, sk.crunch, sk.glute_bridge, core.leg_raise]
)
@pytest.mark.parametrize("yaw", [SIDE, FRONT])
def test_other_exercises_are_not_taken_for_a_bird_dog(program, yaw: float) -> None:  # noqa: ANN001
    track, _ = program(**realistic(5, yaw_deg=yaw))
    scores = dict(recognise(analyse(track).features))
    assert scores["bird_dog"] < 0.2, scores
