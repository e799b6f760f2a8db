"""Squat butt wink, two cues: the spine estimator's lumbar flexion against standing (every rep), and
the lower back's outline against the person's own best rep (``squat.butt_wink_across_reps``).

The skeleton gives the landmarks; the mask channels a video would add are
synthesised here with the things that make butt wink hard: a level and a
depth-driven reshaping that differ from person to person (they must cancel),
per-frame noise like the estimator's on held-out renders, and a wink that
only adds a few percent of the trunk length (or 10-25 deg) at the bottom.
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.landmarks import INDEX
from analyzer.track import PoseTrack
from rules.squat import THRESHOLDS
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, realistic

WARN = THRESHOLDS["wink_across_reps"].warn
WINK_WARN = THRESHOLDS["butt_wink"].warn


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
    return [f for f in analyse(track, "squat").report.findings if f.code == "squat.butt_wink_across_reps"]


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


def test_a_rep_is_not_judged_against_a_single_other_rep() -> None:
    """Two reps, one winking well past the limit: against one rep, either could be the odd one."""
    (finding,) = _wink_findings({2: WARN + 2.0}, reps=2)
    assert finding.assessable is False
    assert "comparing your reps" in finding.reason
    assert [f.rep for f in _wink_findings({2: WARN + 2.0}, reps=3)] == [2]


def test_a_track_without_the_outline_cannot_be_judged() -> None:
    track, _ = sk.squat(reps=2)
    findings = [f for f in analyse(track, "squat").report.findings if f.code.startswith("squat.butt_wink")]
    assert {f.code for f in findings} == {"squat.butt_wink", "squat.butt_wink_across_reps"}
    assert all(f.assessable is False for f in findings)


# -- the spine estimator's lumbar flexion, against the same person standing ------------------------------


def _with_spine(track: PoseTrack, truth: sk.GroundTruth, tuck_by_rep: dict[int, float], *, seed: int,
                quality: float = 0.9) -> PoseTrack:
    """Add the estimator's channels: a personal lumbar level (a body the model reads a few degrees off),
    a little lordosis lost at depth (as any deep squat), each rep's tuck (deg) near the bottom, and
    frame noise of the estimator's held-out spread (sd 4 deg)."""
    rng = np.random.default_rng(seed)
    hip_y = truth.clean.image[:, INDEX["left_hip"], 1]
    depth = np.zeros(len(track))
    tuck = np.zeros(len(track))
    for number, rep in enumerate(truth.reps, start=1):
        inside = (track.t_ms >= rep.start_ms) & (track.t_ms <= rep.end_ms)
        low, high = hip_y[inside].max(), hip_y[inside].min()
        depth[inside] = (hip_y[inside] - high) / (low - high)
        tuck[inside] = tuck_by_rep.get(number, 0.0) * np.clip((depth[inside] - 0.55) / 0.45, 0.0, 1.0)
    n = len(track)
    track.channels = {
        "spine_lumbar_flexion_deg": -6.0 + 3.0 * depth + tuck + rng.normal(0.0, 4.0, n),
        "spine_thoracic_flexion_deg": 2.0 + rng.normal(0.0, 4.0, n),
        "spine_pelvic_tilt_deg": 35.0 * depth - tuck + rng.normal(0.0, 4.0, n),
        "spine_quality": np.full(n, quality),
    }
    return track


def _tuck_findings(tuck_by_rep: dict[int, float], *, reps: int = 3, seed: int = 3, quality: float = 0.9,
                   depth_deg: float = 85.0) -> list:
    """Squats as deep as the estimator learnt (the renders' bottoms; see rules.squat "spine_min_knee")."""
    track, truth = sk.squat(reps=reps, depth_deg=depth_deg, **realistic(seed))
    track = _with_spine(track, truth, tuck_by_rep, seed=seed, quality=quality)
    return [f for f in analyse(track, "squat").report.findings if f.code == "squat.butt_wink"]


@pytest.mark.parametrize("tuck", [15.0, 25.0])
def test_a_wink_on_every_rep_is_found_on_every_rep(tuck: float) -> None:
    findings = _tuck_findings({1: tuck, 2: tuck, 3: tuck})
    assert sorted(f.rep for f in findings) == [1, 2, 3]
    assert all(f.assessable and f.measured > WINK_WARN and f.unit == "deg" for f in findings)


@pytest.mark.parametrize("tuck", [0.0, 20.0])
def test_a_squat_well_below_parallel_is_judged_too(tuck: float) -> None:
    """Thighs 10 deg below horizontal (knee ~46 deg), within the renders' depth: a wink there is found, a clean rep
    is quiet (before, every rep under a 55 deg knee was left unjudged)."""
    findings = _tuck_findings({1: tuck, 2: tuck, 3: tuck}, depth_deg=100.0)
    assert sorted(f.rep for f in findings) == ([1, 2, 3] if tuck else [])


def test_a_clean_squat_is_quiet_although_the_lower_back_flattens_a_little() -> None:
    assert _tuck_findings({}) == []


@pytest.mark.parametrize("tuck, expected", [(WINK_WARN - 7.0, False), (WINK_WARN + 4.0, True)])
def test_near_the_limit(tuck: float, expected: bool) -> None:
    """The lower back also flattens by 3 deg at depth: the value judged is that plus the tuck."""
    found = [f.rep for f in _tuck_findings({2: tuck}, seed=11)]
    assert found == ([2] if expected else [])


def test_an_unclear_lower_back_is_not_a_silent_pass() -> None:
    (finding,) = _tuck_findings({1: 25.0, 2: 25.0, 3: 25.0}, quality=0.2)
    assert finding.assessable is False and "from the side" in finding.reason


def test_squats_deeper_than_the_estimator_learnt_are_left_to_the_other_cue() -> None:
    """Below the renders' depth (ass to grass) the lumbar spine rounds in any squat and the estimator has seen
    none: not judged."""
    (finding,) = _tuck_findings({1: 25.0, 2: 25.0, 3: 25.0}, depth_deg=125.0)
    assert finding.assessable is False and "deeper" in finding.reason


def test_a_wink_both_cues_see_is_told_once_and_the_second_cue_keeps_the_reps_the_first_misses() -> None:
    """The absolute lumbar reading finds the tuck on rep 3; the outline's rep-against-rep cue sees reps 3
    and 4 (on rep 4 the estimator could not tell): each rep's wink is told by one of them, once."""
    track, truth = sk.squat(reps=4, depth_deg=85.0, **realistic(3))
    outline = _with_lumbar_outline(track, truth, {3: 4.0, 4: 4.0}, reshape=4.0, seed=3).channels
    track = _with_spine(track, truth, {3: 25.0, 4: 25.0}, seed=3)
    track.channels["spine_quality"][track.t_ms >= truth.reps[3].start_ms] = 0.0
    track.channels |= outline
    found = [(f.code, f.rep) for f in analyse(track, "squat").report.findings
             if f.code.startswith("squat.butt_wink") and f.assessable]
    assert sorted(found) == [("squat.butt_wink", 3), ("squat.butt_wink_across_reps", 4)]
