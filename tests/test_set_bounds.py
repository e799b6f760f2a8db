"""The set, and nothing else, is judged: where a hold or a rep begins and ends, and which checks may run.

Skeleton tracks with known ground truth (tests/helpers/skeleton.py): a plank entered from the floor and
left to it, a knee plank, kettlebell and barbell deadlifts, sets with long pauses; and rep signals
built by hand where the failure is in the segmentation alone (drift, glitches, getting up after a set).
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.judging.reps import find_hold, find_reps
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, codes, realistic

SEEDS = (1, 2, 3)


def _hold_s(analysis) -> tuple[float, float]:  # noqa: ANN001
    hold = analysis.report.hold
    assert hold is not None, analysis.report.notices
    return hold.start_ms / 1000, hold.end_ms / 1000


@pytest.mark.parametrize("seed", SEEDS)
def test_plank_from_and_to_the_floor_holds_only_the_plank(seed: int) -> None:
    """Lying on the forearms reads as a 40 deg sag: before the hips are carried it is not the plank,
    and neither is lowering back down. The hold is the plank, give or take the getting up."""
    track, truth = sk.plank(duration_s=12, lying_s=(3, 3), **realistic(seed))
    analysis = analyse(track, "plank")
    start, end = _hold_s(analysis)
    held = truth.hold[0] / 1000, truth.hold[1] / 1000
    assert held[0] - 0.5 <= start <= held[0] + 1.0
    assert held[1] - 1.0 <= end <= held[1] + 0.5
    assert codes(analysis) == set(), analysis.report.verdict


@pytest.mark.parametrize("seed", SEEDS)
def test_a_sag_in_a_plank_from_the_floor_is_still_found_from_its_onset(seed: int) -> None:
    track, truth = sk.plank(duration_s=14, hip_sag_deg=18, sag_onset_s=4, lying_s=(3, 3), **realistic(seed))
    analysis = analyse(track, "plank")
    (finding,) = [f for f in analysis.report.findings if f.code == "plank.sagging_hips"]
    onset = truth.error("plank.sagging_hips").onset_ms
    assert onset - 500 <= finding.spans_ms[0][0] <= onset + 4000
    assert finding.spans_ms[-1][1] <= truth.hold[1] + 500  # not into lowering down
    assert codes(analysis) <= truth.codes


@pytest.mark.parametrize("seed", SEEDS)
def test_a_knee_plank_is_not_a_plank(seed: int) -> None:
    """Knees on the floor, hips in line with shoulders and knees: its shoulder-hip-ankle line reads
    like an 18 deg sag, which is not a fault of a plank it is not."""
    track, truth = sk.plank(duration_s=10, knees_down=True, **realistic(seed))
    assert truth.hold is None
    analysis = analyse(track, "plank")
    assert analysis.report.hold is None
    assert codes(analysis) == set()


@pytest.mark.parametrize("yaw", [0, 20])
@pytest.mark.parametrize("seed", SEEDS)
def test_kettlebell_deadlift_bar_drift_is_not_judged(seed: int, yaw: float) -> None:
    """A bell between the ankles hangs behind the shin line at the bottom: no bar to drift."""
    track, truth = sk.deadlift(kettlebell=True, **realistic(seed, yaw_deg=yaw))
    analysis = analyse(track, "deadlift")
    (drift,) = [f for f in analysis.report.findings if f.code == "deadlift.bar_drift"]
    assert not drift.assessable and drift.reason.startswith("no bar in front of the legs")
    assert codes(analysis) <= truth.codes
    assert len(analysis.report.reps) == len(truth.reps)


@pytest.mark.parametrize("seed", SEEDS)
def test_barbell_deadlift_bar_drift_is_still_judged(seed: int) -> None:
    clean_track, _ = sk.deadlift(**realistic(seed))
    clean = analyse(clean_track, "deadlift")
    assert "deadlift.bar_drift" in clean.evaluation.judged  # judged, and clean
    assert not any(f.code == "deadlift.bar_drift" for f in clean.report.findings)
    drifting, truth = sk.deadlift(bar_drift_m=0.2, **realistic(seed))
    assert "deadlift.bar_drift" in codes(analyse(drifting, "deadlift"))


@pytest.mark.parametrize("seed", SEEDS)
def test_lockout_lean_is_judged_only_near_side_on(seed: int) -> None:
    """Turned 35 deg from side-on, a clean lockout reads 5-6 deg further back: not judged there."""
    leaning, _ = sk.deadlift(lockout_lean_deg=22, **realistic(seed, yaw_deg=10))
    assert "deadlift.lockout_hyperextension" in codes(analyse(leaning, "deadlift"))
    oblique, _ = sk.deadlift(lockout_lean_deg=22, **realistic(seed, yaw_deg=35))
    (lean,) = [f for f in analyse(oblique, "deadlift").report.findings if f.code == "deadlift.lockout_hyperextension"]
    assert not lean.assessable and "20 degrees of side-on" in lean.reason


@pytest.mark.parametrize(
    "kwargs", [{"rest_s": 6.0}, {"bottom_s": 4.0}, {"rest_s": 4.0, "bottom_s": 3.0, "kettlebell": True}]
)
@pytest.mark.parametrize("seed", SEEDS)
def test_deadlifts_with_long_pauses_are_counted_one_by_one(kwargs: dict, seed: int) -> None:
    """Resting standing between reps, or at the floor, neither merges reps nor stretches one into the next."""
    track, truth = sk.deadlift(reps=4, **kwargs, **realistic(seed))
    reps = analyse(track, "deadlift").report.reps
    assert len(reps) == len(truth.reps)
    for found, true in zip(reps, truth.reps):
        assert found.start_ms <= true.turn_ms <= found.end_ms
        assert found.end_ms - found.start_ms <= (true.end_ms - true.start_ms) + 1500
    assert all(a.end_ms <= b.start_ms for a, b in zip(reps, reps[1:]))


def _set(t: np.ndarray, bottoms_s: list[float], depth: float = 1.0, half_s: float = 0.8) -> np.ndarray:
    """A signal resting at 0 with a rep (down by ``depth``, smooth, ``half_s`` each way) at each bottom."""
    s = np.zeros_like(t)
    for bottom in bottoms_s:
        tau = np.clip(1 - np.abs(t - bottom) / half_s, 0, 1)
        s -= depth * sk.min_jerk(tau)
    return s


def test_reps_with_pauses_drift_glitches_and_getting_up() -> None:
    t = np.arange(0, 40_000, 1000 / 30)
    ts = t / 1000
    bottoms = [3.0, 5.0, 12.0, 14.5, 25.0, 30.0]  # touch-and-go, then rests of 5 and 9 s at the top
    signal = _set(ts, bottoms) + 0.02 * ts  # levels drift by 0.8 depths over the clip
    signal[np.abs(ts - 20.0) < 0.05] += 1.0  # a two-frame misread in a long rest
    signal[ts > 33.0] += 1.5  # getting up after the set: higher than any rest
    reps = find_reps(t, signal, rest="high", min_amplitude=0.3)
    assert [round(t[r.turn] / 1000, 1) for r in reps] == bottoms
    assert all(a.end <= b.start for a, b in zip(reps, reps[1:]))
    assert all(t[r.end] - t[r.start] < 2500 for r in reps)  # none stretched into a rest or the getting up


def test_a_pause_at_the_bottom_is_one_rep_and_a_bounce_in_it_is_none() -> None:
    t = np.arange(0, 20_000, 1000 / 30)
    ts = t / 1000
    paused = sk.min_jerk(ts - 9.0) - sk.min_jerk(ts - 2.0)  # down over 2-3 s, held there, up over 9-10 s
    bounce = 0.15 * np.exp(-(((ts - 6.0) / 0.3) ** 2))
    reps = find_reps(t, paused + bounce + _set(ts, [14.0]), rest="high", min_amplitude=0.3)
    assert len(reps) == 2
    assert t[reps[0].start] < 2200 and t[reps[0].end] > 9800  # the whole paused rep, one rep


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_a_paused_bottoms_turn_is_the_middle_of_the_pause_at_any_frame_rate(fps: int) -> None:
    """Held at the bottom from 3 to 5 s with a little noise: no frame is the deepest but by chance."""
    t = np.arange(0, 9_000, 1000 / fps)
    ts = t / 1000
    paused = sk.min_jerk(ts - 5.0) - sk.min_jerk(ts - 2.0)  # down over 2-3 s, held, up over 5-6 s
    noise = 0.01 * np.random.default_rng(fps).normal(size=len(t))
    (rep,) = find_reps(t, paused + noise, rest="high", min_amplitude=0.3)
    assert t[rep.turn] == pytest.approx(4000, abs=150)


def test_hold_starts_when_still_and_ends_when_leaving() -> None:
    t = np.arange(0, 10_000, 1000 / 30)
    in_position = (t > 1000) & (t < 9000)
    moving = (t < 2500) | (t > 7500)  # getting into it, and lowering out of it
    a, b = find_hold(t, in_position, moving=moving)
    assert t[a] == pytest.approx(2500, abs=40) and t[b - 1] == pytest.approx(7500, abs=40)
    assert find_hold(t, in_position) == (int(np.argmax(in_position)), int(len(t) - np.argmax(in_position[::-1])))
