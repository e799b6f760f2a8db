"""Crunch (issue 20): skeleton crunches lying on the back, knees bent, with a known neck pull and curl.

The neck pull is the head bent toward the chest beyond the trunk's line at the top; the sit-up is the
trunk curled far off the floor. Clean, clearly faulty, either side of the limits, the front view, and
recognition against the glute bridge (also lying on the back, knees bent).
"""

from __future__ import annotations

import pytest

from analyzer.judging.registry import recognise
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_crunches_are_recognised_counted_and_clean(seed: int) -> None:
    track, truth = sk.crunch(reps=4, **realistic(seed))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "crunch", analysis.report.exercise
    assert len(analysis.report.reps) == 4
    assert codes(analysis) == set()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kwargs, code", [({"neck_pull_deg": 45}, "crunch.neck_pull"), ({"curl_deg": 75}, "crunch.sit_up")])
def test_a_fault_on_every_rep_is_found_and_nothing_else(kwargs: dict, code: str, seed: int) -> None:
    track, truth = sk.crunch(**kwargs, **realistic(seed))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "crunch"
    assert sorted(f.rep for f in analysis.report.findings if f.code == code) == [1, 2, 3]
    assert codes(analysis) <= truth.codes


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "knob, under, over, code",
    [("neck_pull_deg", 18.0, 34.0, "crunch.neck_pull"), ("curl_deg", 40.0, 58.0, "crunch.sit_up")],
)
def test_the_limits_separate_good_form_from_the_fault(knob: str, under: float, over: float, code: str, seed: int) -> None:
    quiet, _ = sk.crunch(**{knob: under}, **realistic(seed))
    loud, _ = sk.crunch(**{knob: over}, **realistic(seed))
    assert code not in codes(analyse(quiet, "crunch"))
    assert code in codes(analyse(loud, "crunch"))


def test_from_the_front_the_crunch_is_not_judged() -> None:
    track, _ = sk.crunch(neck_pull_deg=45, **realistic(4, yaw_deg=85))
    (finding,) = [f for f in analyse(track, "crunch").report.findings if f.code == "crunch.neck_pull"]
    assert not finding.assessable and "side" in finding.reason


@pytest.mark.parametrize("seed", SEEDS)
def test_a_bridge_and_a_crunch_are_told_apart(seed: int) -> None:
    bridge = dict(recognise(analyse(sk.glute_bridge(**realistic(seed))[0]).features))
    crunch = dict(recognise(analyse(sk.crunch(**realistic(seed))[0]).features))
    assert bridge["glute_bridge"] > 0.8 > 0.2 > bridge["crunch"]
    assert crunch["crunch"] > 0.8 > 0.2 > crunch["glute_bridge"]
