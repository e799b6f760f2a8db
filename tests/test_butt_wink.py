"""Squat butt wink: read from the lower back's outline, each rep against the person's own best rep.

The skeleton gives the landmarks; the mask channels a video would add are
synthesised here with the two things that make butt wink hard: a level and a
depth-driven reshaping of the outline that differ from person to person (they
must cancel), and a wink that only adds a few percent of the trunk length at
the bottom.
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack
from rules.squat import THRESHOLDS
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, realistic

WARN = THRESHOLDS["butt_wink"].warn


def _with_lumbar_outline(
    track: PoseTrack, truth: sk.GroundTruth, wink_by_rep: dict[int, float], *, reshape: float, seed: int
) -> PoseTrack:
    """Add ``lumbar_fill`` (% trunk): a personal level, ``reshape`` more at full depth, and each rep's
    wink (1-based rep -> % trunk) in the last part of the descent; plus per-frame outline noise."""
    rng = np.random.default_rng(seed)
    hip_y = truth.clean.image[:, INDEX["left_hip"], 1]
    depth = np.zeros(len(track))
    wink = np.zeros(len(track))
    for number, rep in enumerate(truth.reps, start=1):
        inside = (track.t_ms >= rep.start_ms) & (track.t_ms <= rep.end_ms)
        low, high = hip_y[inside].max(), hip_y[inside].min()  # image y grows downward
        depth[inside] = (hip_y[inside] - high) / (low - high)
        wink[inside] = wink_by_rep.get(number, 0.0) * np.clip((depth[inside] - 0.6) / 0.4, 0.0, 1.0)
    track.channels = {
        "lumbar_fill": 6.0 + reshape * depth + wink + rng.normal(0.0, 0.4, len(track)),
        "quality": np.full(len(track), 0.9),
    }
    return track


def _wink_findings(wink_by_rep: dict[int, float], *, reps: int = 3, reshape: float = 4.0, seed: int = 3) -> list:
    track, truth = sk.squat(reps=reps, **realistic(seed))
    track = _with_lumbar_outline(track, truth, wink_by_rep, reshape=reshape, seed=seed)
    return [f for f in analyse(track, "squat").report.findings if f.code == "squat.butt_wink"]


def test_a_wink_on_some_reps_is_found_on_exactly_those() -> None:
    findings = _wink_findings({2: 3.5, 3: 4.0})
    assert sorted(f.rep for f in findings) == [2, 3]
    assert all(f.assessable and f.measured > WARN for f in findings)


@pytest.mark.parametrize("reshape", [0.0, 4.0, 12.0])
def test_clean_squats_are_quiet_whatever_the_body_does_to_the_outline(reshape: float) -> None:
    assert _wink_findings({}, reshape=reshape) == []


@pytest.mark.parametrize("wink, expected", [(WARN - 0.7, False), (WARN + 0.8, True)])
def test_near_the_threshold(wink: float, expected: bool) -> None:
    found = [f.rep for f in _wink_findings({3: wink}, reps=4, seed=11)]
    assert found == ([3] if expected else [])


def test_a_single_rep_is_not_judged_and_says_how_to_film() -> None:
    (finding,) = _wink_findings({1: 5.0}, reps=1)
    assert finding.assessable is False
    assert "comparing your reps" in finding.reason


def test_a_track_without_the_outline_cannot_be_judged() -> None:
    track, _ = sk.squat(reps=2)
    (finding,) = [f for f in analyse(track, "squat").report.findings if f.code == "squat.butt_wink"]
    assert finding.assessable is False
