"""Vertical jump (issue 20): skeleton jumps with a known landing knee bend, the flight ballistic.

A rep is one flight, both feet off the floor. The landing is the knees' bend within 0.3 s of
touchdown against standing. Clean (countermovement and squat jumps, a low jump), clearly stiff,
either side of the limit, the front view, and recognition against the squat (which never leaves
the floor) and the burpee (whose jump ends a trip to the plank).
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.judging.registry import recognise
from rules import jump
from tests.helpers import skeleton as sk
from tests.helpers import skeleton_dynamic as sd
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)
CODE = "jump.stiff_landing"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("knobs", [{}, {"pause_s": 1.5}, {"height_m": 0.15}], ids=["cmj", "squat_jump", "low"])
def test_soft_landings_are_counted_and_clean(seed: int, knobs: dict) -> None:
    track, truth = sd.jump(reps=4, **knobs, **realistic(seed))
    analysis = analyse(track, "jump")
    assert len(analysis.report.reps) == len(truth.reps) == 4
    assert codes(analysis) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_jumps_are_recognised_well_ahead_of_the_squat(seed: int) -> None:
    track, _ = sd.jump(**realistic(seed))
    analysis = analyse(track)
    scores = recognise(analysis.features)
    assert scores[0] == ("jump", 1.0) and scores[1][1] < 0.5, scores  # a squat never leaves the floor
    assert analysis.report.exercise.name == "jump"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_stiff_landing_is_found_on_every_rep_with_its_bend(seed: int) -> None:
    track, truth = sd.jump(landing_knee_deg=10, **realistic(seed))
    findings = [f for f in analyse(track, "jump").report.findings if f.code == CODE]
    assert sorted(f.rep for f in findings) == [1, 2, 3]
    assert all(f.severity.value == "danger" and f.measured < 20 for f in findings)
    # the finding lies on the landing, within half a second of the touchdown
    assert all(rep.end_ms - 100 <= f.spans_ms[0][0] <= rep.end_ms + 500 for f, rep in zip(findings, truth.reps))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_limit_separates_a_soft_landing_from_a_stiff_one(seed: int) -> None:
    soft, _ = sd.jump(landing_knee_deg=45, **realistic(seed))
    clear, _ = sd.jump(landing_knee_deg=15, **realistic(seed))  # the clear stiff landing of the brief
    firm, _ = sd.jump(landing_knee_deg=25, **realistic(seed))
    assert CODE not in codes(analyse(soft, "jump"))
    assert {f.rep for f in analyse(clear, "jump").report.findings if f.code == CODE} == {1, 2, 3}
    assert {f.severity.value for f in analyse(firm, "jump").report.findings if f.code == CODE} == {"warning"}


def test_from_the_front_the_landing_is_not_judged() -> None:
    track, _ = sd.jump(landing_knee_deg=10, **realistic(4, yaw_deg=85))
    (finding,) = [f for f in analyse(track, "jump").report.findings if f.code == CODE]
    assert not finding.assessable and "side" in finding.reason


@pytest.mark.parametrize("seed", SEEDS)
def test_a_squat_never_leaves_the_floor(seed: int) -> None:
    track, _ = sk.squat(depth_deg=110, speed=1.5, **realistic(seed))
    assert dict(recognise(analyse(track).features))["jump"] < 0.2
    assert not analyse(track, "jump").report.reps


def test_a_burpee_with_a_jump_is_not_a_jump() -> None:
    track, _ = sd.burpee(jump_m=0.2, **realistic(7))
    assert dict(recognise(analyse(track).features))["jump"] < 0.2


@pytest.mark.parametrize("seed", SEEDS)
def test_a_moment_of_standing_is_no_reference_for_a_flight(seed: int) -> None:
    """Feet misread off the floor (the legs hidden behind a box: an incline push-up, powerpwa at 25 fps)
    with straight knees on the floor in two frames: the hips' standing height is not known, so nothing
    says the body rose with the feet. The same jumps with their standing kept are a jump."""
    track, _ = sd.jump(**realistic(seed))
    features = analyse(track).features
    knees = features["knee_deg"]
    standing = np.flatnonzero((features["feet_lift"] == 0) & (knees > 160.0))
    assert jump.looks_like(features) == 1.0
    knees[standing[2:]] = 150.0
    assert jump.looks_like(features) == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_camera_turned_off_side_on_does_not_make_a_landing_stiff(seed: int) -> None:
    """The thigh pointing at the camera shortens in the picture and the knees' bend reads smaller: a soft
    landing 45 deg off side-on is not judged (it read 26-30, stiff), a stiff one is still found 25 deg off."""
    soft, _ = sd.jump(landing_knee_deg=45, **realistic(seed, yaw_deg=45))
    stiff, _ = sd.jump(landing_knee_deg=10, **realistic(seed, yaw_deg=25))
    (landing,) = [f for f in analyse(soft, "jump").report.findings if f.code == CODE]
    assert not landing.assessable
    assert CODE in codes(analyse(stiff, "jump"))
