"""Side plank (issue 20): skeleton side planks filmed from the front with known hip drop.

The body lies on its left side on the forearm; the midline bends at the hip by exactly the
injected degrees toward the floor. Clean, clearly dropping, either side of the limit, dropping
late in the hold, and the other exercises never taken for it.
"""

from __future__ import annotations

import pytest

from analyzer.judging.registry import recognise
from rules.side_plank import THRESHOLDS
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
FRONT = 90.0


def _front(seed: int, **overrides: object) -> dict[str, sk.Setup]:
    return realistic(seed, yaw_deg=FRONT, **overrides)


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_side_plank_is_recognised_held_and_clean(seed: int) -> None:
    track, truth = sk.side_plank(duration_s=15, sway_deg=2.0, **_front(seed))
    report = analyse(track).report
    assert report.exercise.name == "side_plank", report.exercise
    assert codes(analyse(track)) == set()
    assert report.hold is not None
    held_s = (report.hold.end_ms - report.hold.start_ms) / 1000
    assert held_s > 13.0, held_s
    assert report.outcome == "clean", report.verdict


@pytest.mark.parametrize("seed", SEEDS)
def test_dropping_hips_are_found(seed: int) -> None:
    track, truth = sk.side_plank(duration_s=15, hip_drop_deg=18, **_front(seed))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "side_plank"
    (finding,) = [f for f in analysis.report.findings if f.code == "side_plank.hips_dropping"]
    assert finding.severity.value == "warning"
    assert finding.measured == pytest.approx(18, abs=2.5)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_limit_separates_a_slight_bend_from_a_drop(seed: int) -> None:
    under = THRESHOLDS["drop"].first - 2.5
    over = THRESHOLDS["drop"].warn + 3.0
    quiet = analyse(sk.side_plank(duration_s=12, hip_drop_deg=under, **_front(seed))[0], "side_plank")
    loud = analyse(sk.side_plank(duration_s=12, hip_drop_deg=over, **_front(seed))[0], "side_plank")
    assert "side_plank.hips_dropping" not in codes(quiet)
    (finding,) = [f for f in loud.report.findings if f.code == "side_plank.hips_dropping"]
    assert finding.severity.value == "warning"


def test_a_late_drop_is_reported_from_when_it_began() -> None:
    track, truth = sk.side_plank(duration_s=30, hip_drop_deg=20.5, drop_onset_s=18, ramp_s=3, **_front(4))
    (finding,) = [f for f in analyse(track, "side_plank").report.findings if f.code == "side_plank.hips_dropping"]
    onset_s = truth.error("side_plank.hips_dropping").onset_ms / 1000
    start_s = finding.spans_ms[0][0] / 1000
    assert onset_s <= start_s <= onset_s + 3.0, (onset_s, start_s)
    assert finding.severity.value == "danger"


@pytest.mark.parametrize("program", [sk.plank, sk.pushup, sk.squat, sk.glute_bridge, sk.deadlift])
@pytest.mark.parametrize("yaw", [0.0, 90.0])
def test_other_exercises_are_not_taken_for_a_side_plank(program, yaw: float) -> None:  # noqa: ANN001
    track, truth = program(**realistic(5, yaw_deg=yaw))
    scores = dict(recognise(analyse(track).features))
    assert scores["side_plank"] < 0.2, scores
