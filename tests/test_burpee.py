"""Burpee (issue 20): skeleton burpees with a known plank sag and a known pace, filmed from the side.

A rep is one whole burpee, standing to standing. The plank phase's sag is the plank's body line, read
only with the body face down on straight legs; the pace is each burpee's time. Clean, clearly faulty,
either side of each limit, the front view (which cannot see the sag) and recognition against the
exercises a burpee passes through (squat, plank, push-up) and a jump.
"""

from __future__ import annotations

import pytest

from analyzer.judging.registry import recognise
from tests.helpers import skeleton as sk
from tests.helpers import skeleton_dynamic as sd
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
SAG = "burpee.plank_hip_sag"
FAST = "burpee.too_fast"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("jump_m", [0.0, 0.15])
def test_clean_burpees_are_recognised_counted_and_clean(seed: int, jump_m: float) -> None:
    track, truth = sd.burpee(reps=4, jump_m=jump_m, **realistic(seed))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "burpee", analysis.report.exercise
    assert len(analysis.report.reps) == len(truth.reps) == 4
    assert codes(analysis) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_sagging_plank_phase_is_found_on_every_rep(seed: int) -> None:
    track, truth = sd.burpee(plank_sag_deg=20, **realistic(seed))
    assert truth.measures["plank_sag_deg"] == pytest.approx(20, abs=0.1)
    findings = [f for f in analyse(track).report.findings if f.code == SAG]
    assert sorted(f.rep for f in findings) == [1, 2, 3]
    assert codes(analyse(track)) == {SAG}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_limit_separates_a_slight_sag_from_a_clear_one(seed: int) -> None:
    slight, _ = sd.burpee(plank_sag_deg=5, **realistic(seed))
    clear, _ = sd.burpee(plank_sag_deg=15, **realistic(seed))  # the clear sag of the brief
    assert SAG not in codes(analyse(slight, "burpee"))
    assert {f.rep for f in analyse(clear, "burpee").report.findings if f.code == SAG} == {1, 2, 3}


@pytest.mark.parametrize("seed", SEEDS)
def test_rushed_burpees_are_found_on_every_rep_with_their_time(seed: int) -> None:
    track, truth = sd.burpee(duration_s=1.2, **realistic(seed))
    findings = [f for f in analyse(track).report.findings if f.code == FAST]
    assert sorted(f.rep for f in findings) == [1, 2, 3]
    assert all(f.severity.value == "danger" and f.measured == pytest.approx(1.2, abs=0.25) for f in findings)
    spans = [f.spans_ms[0] for f in findings]
    assert all(start <= rep.turn_ms <= end for (start, end), rep in zip(spans, truth.reps))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_pace_limit_separates_a_brisk_burpee_from_a_rushed_one(seed: int) -> None:
    brisk, _ = sd.burpee(duration_s=2.6, **realistic(seed))
    rushed, _ = sd.burpee(duration_s=1.7, **realistic(seed))
    assert FAST not in codes(analyse(brisk, "burpee"))
    assert FAST in codes(analyse(rushed, "burpee"))


def test_from_the_front_the_sag_is_not_judged() -> None:
    track, _ = sd.burpee(plank_sag_deg=20, **realistic(4, yaw_deg=85))
    (sag,) = [f for f in analyse(track, "burpee").report.findings if f.code == SAG]
    assert not sag.assessable and "side" in sag.reason


@pytest.mark.parametrize(
    "program", [sk.squat, sk.plank, sk.pushup, sk.deadlift, sd.jump], ids=["squat", "plank", "pushup", "deadlift", "jump"]
)
def test_look_alikes_are_not_taken_for_a_burpee(program) -> None:  # noqa: ANN001
    track, _ = program(**realistic(5))
    analysis = analyse(track)
    assert dict(recognise(analysis.features))["burpee"] < 0.2
    assert not analyse(track, "burpee").report.reps


def test_a_plank_walked_into_and_out_of_is_not_a_burpee() -> None:
    """Standing up after a long plank moves the shoulders as a burpee does, once: the long hold says plank."""
    track, _ = sk.plank(lying_s=(1.0, 1.0), **realistic(6))
    assert dict(recognise(analyse(track).features))["burpee"] < 0.2
