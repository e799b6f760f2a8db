"""Every shipped sample clip, through the whole pipeline as a user runs it (exercise left to recognition):
formcheck names the exercise its truth file names, counts its reps, finds every finding the truth expects
and none it rules out. The clips are the project's own renders with faults of known size (tools/synth);
their truth files sit beside them (sample_videos/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.pipeline import analyze_path
from tests.helpers.paths import REPO

SAMPLES = REPO / "sample_videos"
CLIPS = sorted(p.with_suffix(".mp4") for p in SAMPLES.glob("*.json"))
# What formcheck still gets wrong on a sample, with why; the test fails once it gets it right (strict).
KNOWN_WRONG: dict[str, str] = {}

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "clip",
    [pytest.param(c, id=c.stem, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[c.name])]
                  if c.name in KNOWN_WRONG else []) for c in CLIPS],
)
def test_a_sample_clip_says_what_its_truth_says(clip: Path) -> None:
    truth = json.loads(clip.with_suffix(".json").read_text())
    report = analyze_path(clip, "auto", workers=1)
    assert report.exercise is not None and report.exercise.name == truth["exercise"], report.exercise
    if truth["rep_count"]:
        assert len(report.reps) == truth["rep_count"]
    found = {f.code for f in report.findings if f.assessable and f.severity.value != "info"}
    assert set(truth["expected_findings"]) <= found, found
    assert not found & set(truth["absent_findings"]), found
    if not truth["errors"]:
        assert not found, f"a clean clip: {found}"


def test_every_sample_has_its_truth_and_every_exercise_a_sample() -> None:
    from analyzer.judging.registry import exercises

    assert {p.stem for p in SAMPLES.glob("*.mp4")} == {c.stem for c in CLIPS}
    shown = {json.loads(c.with_suffix(".json").read_text())["exercise"] for c in CLIPS}
    assert shown == set(exercises()), set(exercises()) ^ shown
