"""Overhead press (issue 20): skeleton presses with a known back arch, filmed from the side.

The arch is lumbar and thoracic extension growing with the press; the landmarks see it as the
trunk leaning back at the top. Clean, clearly arched, either side of the limit, the front view
(which cannot see it), and recognition against the other exercises.
"""

from __future__ import annotations

import pytest

from analyzer.judging.registry import recognise
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
CODE = "overhead_press.back_arch"


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_presses_are_recognised_counted_and_clean(seed: int) -> None:
    track, truth = sk.overhead_press(reps=4, **realistic(seed))
    report = analyse(track).report
    assert report.exercise.name == "overhead_press", report.exercise
    assert len(report.reps) == len(truth.reps) == 4
    assert codes(analyse(track)) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_an_arched_press_is_found_on_every_rep(seed: int) -> None:
    track, truth = sk.overhead_press(back_arch_deg=25, **realistic(seed))
    findings = [f for f in analyse(track).report.findings if f.code == CODE]
    assert sorted(f.rep for f in findings) == [1, 2, 3]
    assert all(f.severity.value == "danger" for f in findings)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_limit_separates_a_slight_lean_from_an_arch(seed: int) -> None:
    quiet, _ = sk.overhead_press(back_arch_deg=7, **realistic(seed))  # leans back ~4.5 deg
    loud, _ = sk.overhead_press(back_arch_deg=16, **realistic(seed))  # ~10.5 deg
    assert CODE not in codes(analyse(quiet, "overhead_press"))
    assert CODE in codes(analyse(loud, "overhead_press"))


def test_from_the_front_the_arch_is_not_judged() -> None:
    track, _ = sk.overhead_press(back_arch_deg=25, **realistic(4, yaw_deg=85))
    (finding,) = [f for f in analyse(track, "overhead_press").report.findings if f.code == CODE]
    assert not finding.assessable and "side" in finding.reason


@pytest.mark.parametrize("program", [sk.squat, sk.deadlift, sk.plank, sk.pushup, sk.glute_bridge])
def test_other_exercises_are_not_taken_for_a_press(program) -> None:  # noqa: ANN001
    track, _ = program(**realistic(5))
    scores = dict(recognise(analyse(track).features))
    assert scores["overhead_press"] < 0.2, scores
