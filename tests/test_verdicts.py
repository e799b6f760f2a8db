"""What the verdict may claim: the severity ladder (note < warning < danger) and honest headlines.

A mild form of a fault is said as a note, which costs the score little; a set is called clean only
when every check, the headline ones included, was judged; a clip whose exercise was not
recognised, or that shows another exercise than the one chosen, is never called clean.
"""

from __future__ import annotations

import pytest

from analyzer.judging.rulebook import Threshold
from analyzer.pipeline import verdict
from analyzer.report import Severity
from rules import glute_bridge, plank, pushup
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, realistic, with_back_outline

# (program, knob, code, threshold): the knob is the injected fault in degrees, read back within a
# degree or two by the analyzer on these tracks; each value sits clear of the limits around it.
LADDERS = [
    (sk.plank, "hip_sag_deg", "plank.sagging_hips", plank.THRESHOLDS["sag"], (2, 8, 14, 25)),
    (sk.plank, "hip_pike_deg", "plank.piked_hips", plank.THRESHOLDS["pike"], (20, 31, 42, 57)),
    (sk.glute_bridge, "hyperextension_deg", "glute_bridge.hyperextension", glute_bridge.THRESHOLDS["hyperextension"],
     (10, 18, 25, None)),
    (sk.pushup, "hip_sag_deg", "pushup.hip_sag", pushup.THRESHOLDS["sag"], (9, 17, 22, 30)),
]
LEVELS = (None, Severity.note, Severity.warning, Severity.danger)


def _worst(analysis, code: str) -> Severity | None:  # noqa: ANN001
    severities = [f.severity for f in analysis.report.findings if f.code == code and f.assessable]
    return max(severities, key=list(Severity).index) if severities else None


@pytest.mark.parametrize("program, knob, code, threshold, values", LADDERS, ids=[row[2] for row in LADDERS])
def test_each_rung_of_the_ladder(program, knob, code, threshold, values) -> None:  # noqa: ANN001
    assert threshold.note is not None, f"{code} has no mild form declared"
    for value, expected in zip(values, LEVELS, strict=True):
        if value is None:  # a rung this generator cannot land on cleanly
            continue
        track, _ = program(**{knob: value}, **realistic(1))
        assert _worst(analyse(track), code) == expected, f"{code} at {value} deg"


def test_a_note_costs_the_score_less_than_a_warning() -> None:
    mild, _ = sk.plank(hip_pike_deg=31, **realistic(2))
    clear, _ = sk.plank(hip_pike_deg=42, **realistic(2))
    mild_report, clear_report = analyse(mild).report, analyse(clear).report
    assert 90 <= mild_report.score < 100
    assert clear_report.score < mild_report.score
    assert "piked hips (slightly)" in mild_report.verdict.lower()


def test_threshold_limits_must_run_the_bad_way() -> None:
    with pytest.raises(ValueError, match="out of order"):
        Threshold(warn=10.0, danger=20.0, unit="deg", reason="", note=12.0)
    with pytest.raises(ValueError, match="out of order"):
        Threshold(warn=-35.0, danger=-50.0, unit="deg", reason="", above=False, note=-40.0)
    assert Threshold(warn=-35.0, danger=-50.0, unit="deg", reason="", above=False, note=-28.0).first == -28.0


def test_clean_only_when_the_headline_check_was_judged() -> None:
    """Butt wink reads the body's outline: a landmarks-only track cannot show it."""
    track, truth = sk.squat(**realistic(3))
    report = analyse(track).report
    assert not [f for f in report.findings if f.assessable]
    assert report.outcome == "partly_judged"
    assert "clean" not in report.verdict
    assert "butt wink (pelvis tucking under) not judged" in report.verdict.lower()
    missing = [f for f in report.findings if not f.assessable]
    assert f"no fault found in {len(report.checked)} of {len(report.checked) + len(missing)} checks" in report.verdict


def test_clean_when_every_check_was_judged() -> None:
    track, truth = sk.deadlift(**realistic(4))
    report = analyse(with_back_outline(track, truth, 0.0, seed=4)).report
    assert report.outcome == "clean", report.verdict
    assert "clean" in report.verdict and report.score == 100


def test_faults_still_say_which_headline_check_was_not_judged() -> None:
    track, _ = sk.deadlift(hips_rise_first=0.45, **realistic(5))
    report = analyse(track).report
    assert report.outcome == "faults"
    assert "hips rising before the shoulders" in report.verdict.lower()
    assert "rounded back not judged" in report.verdict.lower()


def test_an_exercise_that_does_not_match_the_clip_is_said_so() -> None:
    track, _ = sk.squat(**realistic(6))
    report = analyse(track, "plank").report
    assert report.outcome == "mismatch"
    assert report.exercise.looks_like == "squat"
    assert report.verdict.startswith("This looks like a squat, not a plank")


def test_the_exercise_chosen_for_the_clip_is_not_second_guessed() -> None:
    track, _ = sk.plank(**realistic(6))
    report = analyse(track, "plank").report
    assert report.exercise.looks_like is None and report.outcome != "mismatch"


def test_an_unrecognised_clip_is_never_clean() -> None:
    said, outcome = verdict(None, None, None)
    assert outcome == "not_recognised" and "clean" not in said and "--exercise" in said
