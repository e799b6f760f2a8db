"""Leg raise (issue 20): skeleton leg raises lying on the back with a known arch and lowering time.

The arch (the pelvis tipping forward, the lumbar spine extending, the thorax flat on the floor) barely
moves the landmarks, so it is judged on the spine estimator's channels, given to the track as a video
analysed with the mask would have them; without them, or where the estimator does not vouch for its
angles, the check says it could not judge. Clean, clearly faulty, either side of each limit, the view
from the feet, and recognition against the crunch and the glute bridge (also lying on the back).
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.judging.registry import recognise
from rules.leg_raise import ARCH_UNSEEN, THRESHOLDS
from tests.helpers import skeleton as sk
from tests.helpers import skeleton_core as core
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
VOUCHED = 0.8  # the estimator's quality where it answers side-on (renders: 0.7-1)
ARCH = "leg_raise.back_arch"


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_leg_raises_are_recognised_counted_and_clean(seed: int) -> None:
    track, _ = core.leg_raise(reps=4, spine_quality=VOUCHED, **realistic(seed))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "leg_raise", analysis.report.exercise
    assert len(analysis.report.reps) == 4
    assert codes(analysis) == set()
    assert analysis.report.outcome == "clean", analysis.report.verdict


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "kwargs, code", [({"back_arch_deg": 15}, ARCH), ({"lower_s": 0.5}, "leg_raise.lowering_fast")]
)
def test_a_fault_on_every_rep_is_found_and_nothing_else(kwargs: dict, code: str, seed: int) -> None:
    track, truth = core.leg_raise(spine_quality=VOUCHED, **kwargs, **realistic(seed))
    analysis = analyse(track)
    assert analysis.report.exercise.name == "leg_raise"
    assert sorted(f.rep for f in analysis.report.findings if f.code == code and f.assessable) == [1, 2, 3]
    assert codes(analysis) <= truth.codes


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "knob, under, over, code",
    [
        ("back_arch_deg", -THRESHOLDS["arch"].warn - 3.0, -THRESHOLDS["arch"].warn + 5.0, ARCH),
        # the middle 80 % of a smooth lowering takes about half of it: 1.4 s reads 0.7, 0.8 s reads 0.4
        ("lower_s", 1.4, 0.8, "leg_raise.lowering_fast"),
    ],
)
def test_the_limits_separate_good_form_from_the_fault(knob: str, under: float, over: float, code: str, seed: int) -> None:
    quiet, _ = core.leg_raise(spine_quality=VOUCHED, **{knob: under}, **realistic(seed))
    loud, _ = core.leg_raise(spine_quality=VOUCHED, **{knob: over}, **realistic(seed))
    assert code not in codes(analyse(quiet, "leg_raise"))
    assert code in codes(analyse(loud, "leg_raise"))


def test_the_arch_barely_moves_the_landmarks() -> None:
    """Why the check reads the spine estimator: 20 deg of arch leaves hips, knees and shoulders in place."""
    _, flat = core.leg_raise(back_arch_deg=0.0)
    _, arched = core.leg_raise(back_arch_deg=20.0)
    joints = [i for i, name in enumerate(sk.LANDMARK_NAMES) if name.endswith(("shoulder", "hip", "knee", "ankle"))]
    moved_m = np.linalg.norm(arched.lab[:, joints] - flat.lab[:, joints], axis=-1)
    assert arched.measures["arch_max_deg"] == pytest.approx(20.0)
    assert moved_m.max() < 0.01, moved_m.max()


@pytest.mark.parametrize(
    "quality, reason", [(None, "needs the body outline"), (0.2, ARCH_UNSEEN)]
)
def test_without_trusted_spine_angles_the_arch_is_not_judged(quality: float | None, reason: str) -> None:
    track, _ = core.leg_raise(back_arch_deg=20, spine_quality=quality, **realistic(4))
    analysis = analyse(track)
    (finding,) = [f for f in analysis.report.findings if f.code == ARCH]
    assert not finding.assessable and reason in finding.reason, finding.reason
    assert analysis.report.outcome != "clean"


def test_from_the_feet_the_leg_raise_is_not_judged() -> None:
    track, _ = core.leg_raise(lower_s=0.5, spine_quality=VOUCHED, **realistic(4, yaw_deg=90))
    findings = {f.code: f for f in analyse(track, "leg_raise").report.findings}
    for code in (ARCH, "leg_raise.lowering_fast"):
        assert not findings[code].assessable and "side" in findings[code].reason


@pytest.mark.parametrize("seed", SEEDS)
def test_a_leg_raise_is_not_taken_for_a_crunch_or_a_bridge(seed: int) -> None:
    scores = recognise(analyse(core.leg_raise(**realistic(seed))[0]).features)
    (best, score), (_, runner_up) = scores[:2]
    assert best == "leg_raise" and score > 0.8 and score - runner_up > 0.3, scores


@pytest.mark.parametrize("program", [sk.crunch, sk.glute_bridge, sk.plank, sk.pushup, sk.squat, core.bird_dog])
@pytest.mark.parametrize("yaw", [0.0, 90.0])
def test_other_exercises_are_not_taken_for_a_leg_raise(program, yaw: float) -> None:  # noqa: ANN001
    track, _ = program(**realistic(5, yaw_deg=yaw))
    scores = dict(recognise(analyse(track).features))
    assert scores["leg_raise"] < 0.2, scores
