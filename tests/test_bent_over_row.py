"""Bent-over row (issue 20): skeleton rows hinged 45 deg, with a known rounded back and trunk swing.

The rounded back is read from the spine estimator's channels (synthesised from the truth, with the
estimator's noise: tests/helpers/skeleton_back.with_spine) and named by region; without them it is
not judged. The swing is the trunk rising in the pull. Clean, clearly faulty, either side of the
limits, the front view, and recognition against the deadlift (the look-alike hinge) and the rest.
"""

from __future__ import annotations

import pytest

from analyzer.judging.registry import recognise
from analyzer.track import PoseTrack
from tests.helpers import skeleton as sk
from tests.helpers import skeleton_back as sb
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
ROUNDED = "bent_over_row.rounded_back"
SWING = "bent_over_row.torso_swing"


def _row(
    seed: int, *, upper_share: float = 0.5, quality: float = 0.9, **kwargs: object
) -> tuple[PoseTrack, sk.GroundTruth]:
    track, truth = sb.bent_over_row(upper_share=upper_share, **kwargs, **realistic(seed))
    return sb.with_spine(track, truth, upper_share=upper_share, quality=quality, seed=seed), truth


def _findings(track: PoseTrack, code: str) -> list:
    return [f for f in analyse(track, "bent_over_row").report.findings if f.code == code]


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_rows_are_recognised_counted_and_clean(seed: int) -> None:
    track, truth = _row(seed, reps=4)
    analysis = analyse(track)
    assert analysis.report.exercise.name == "bent_over_row", analysis.report.exercise
    assert len(analysis.report.reps) == len(truth.reps) == 4
    assert codes(analysis) == set()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kwargs, code", [({"rounded_back_deg": 25.0}, ROUNDED), ({"swing_deg": 15.0}, SWING)])
def test_a_clear_fault_is_found_on_every_rep_and_nothing_else(kwargs: dict, code: str, seed: int) -> None:
    track, truth = _row(seed, **kwargs)
    analysis = analyse(track)
    assert analysis.report.exercise.name == "bent_over_row"
    assert sorted(f.rep for f in analysis.report.findings if f.code == code) == [1, 2, 3]
    assert codes(analysis) <= truth.codes


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("knob, under, over, code", [("rounded_back_deg", 8.0, 23.0, ROUNDED), ("swing_deg", 5.0, 14.0, SWING)])
def test_the_limits_separate_good_form_from_the_fault(knob: str, under: float, over: float, code: str, seed: int) -> None:
    assert code not in codes(analyse(_row(seed, **{knob: under})[0], "bent_over_row"))
    assert code in codes(analyse(_row(seed, **{knob: over})[0], "bent_over_row"))


@pytest.mark.parametrize("upper_share, region", [(1.0, "upper back rounding"), (0.0, "lower back rounding")])
def test_the_finding_names_the_region_that_rounded(upper_share: float, region: str) -> None:
    findings = _findings(_row(2, upper_share=upper_share, rounded_back_deg=30.0)[0], ROUNDED)
    assert findings and all(f.title.endswith(region) for f in findings), [f.title for f in findings]


def test_without_the_spine_estimator_the_rounding_is_not_judged() -> None:
    track, _ = sb.bent_over_row(rounded_back_deg=30.0, **realistic(3))  # a bare pose track: no outline
    (finding,) = _findings(track, ROUNDED)
    assert not finding.assessable and "outline" in finding.reason


def test_an_unclear_spine_is_not_a_silent_pass() -> None:
    (finding,) = _findings(_row(3, rounded_back_deg=30.0, quality=0.2)[0], ROUNDED)
    assert not finding.assessable and "from the side" in finding.reason


def test_from_the_front_the_swing_is_not_judged() -> None:
    (finding,) = _findings(_row(4, swing_deg=20.0, yaw_deg=85)[0], SWING)
    assert not finding.assessable and "side" in finding.reason


@pytest.mark.parametrize("seed", (1, 2))
def test_a_row_and_a_deadlift_are_told_apart(seed: int) -> None:
    """Both hinge with the hands hanging; the row keeps the hinge while the arms pull, the deadlift stands up."""
    row = dict(recognise(analyse(_row(seed)[0]).features))
    deadlift = dict(recognise(analyse(sk.deadlift(**realistic(seed))[0]).features))
    assert row["bent_over_row"] > 0.9 and row["deadlift"] < 0.2, row
    assert deadlift["deadlift"] > 0.8 and deadlift["bent_over_row"] < 0.2, deadlift


@pytest.mark.parametrize("program", [sk.squat, sk.plank, sk.pushup, sk.glute_bridge, sk.crunch, sk.overhead_press])
def test_other_exercises_are_not_taken_for_a_row(program) -> None:  # noqa: ANN001
    scores = dict(recognise(analyse(program(**realistic(5))[0]).features))
    assert scores["bent_over_row"] < 0.2, scores
