"""Crunch (issue 20): skeleton crunches lying on the back, knees bent, with a known neck pull and curl.

The neck pull is the head bent toward the chest beyond the trunk's line at the top; the sit-up is the
trunk curled far off the floor. Clean, clearly faulty, either side of the limits, the front view, and
recognition against the glute bridge (also lying on the back, knees bent).
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.judging.registry import recognise
from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack
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


def _turned_at_the_top(track: PoseTrack, truth: sk.GroundTruth, turn_deg: float) -> PoseTrack:
    """The shoulder line turned about the vertical by ``turn_deg`` in the world landmarks through the top half
    of each rep, as a bicycle crunch turns an elbow toward the other knee."""
    world = track.world.copy()
    left, right = INDEX["left_shoulder"], INDEX["right_shoulder"]
    height = -truth.clean.image[:, left, 1]
    up = height > np.nanpercentile(height, 60)
    centre = (world[up, left] + world[up, right]) / 2
    c, s = np.cos(np.radians(turn_deg)), np.sin(np.radians(turn_deg))
    for j in (left, right):
        d = world[up, j] - centre
        world[up, j, 0] = centre[:, 0] + c * d[:, 0] - s * d[:, 2]
        world[up, j, 2] = centre[:, 2] + s * d[:, 0] + c * d[:, 2]
    track.world = world
    return track


@pytest.mark.parametrize("turn, judged", [(8.0, True), (40.0, False)])
def test_a_twisting_crunch_is_not_judged_on_the_neck(turn: float, judged: bool) -> None:
    """A bicycle crunch turns the shoulders toward a knee: seen from the side that reads as the head bending
    (malik__bicycle, good form, read 40-55 deg), so the neck is judged only where the shoulders stay square."""
    track, truth = sk.crunch(neck_pull_deg=45, **realistic(2))
    (finding, *_) = [f for f in analyse(_turned_at_the_top(track, truth, turn), "crunch").report.findings
                     if f.code == "crunch.neck_pull"]
    assert finding.assessable is judged
    if not judged:
        assert "turned toward a knee" in finding.reason
