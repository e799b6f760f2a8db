"""What a reader sees in the result view, the library and the HTML report: words and units, not the
names the code uses (``hip_deg_min``, ``img_lumbar_fill``, ``glute_bridge (29%)``)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from analyzer.draw.html_report import render_html
from analyzer.draw.plots import measure_label
from analyzer.judging.registry import exercises
from analyzer.pipeline import Analysis, analyze_track, unrecognised_notice
from analyzer.report import ExerciseInfo, SourceInfo
from tests.helpers import skeleton as sk
from webapp.widgets import rep_table, ui_text

INTERNAL = re.compile(r"_|\b(min|max|deg)$")


@pytest.fixture(scope="module")
def squat() -> Analysis:
    track, _ = sk.squat(reps=2)
    source = SourceInfo(file="squat.mp4", duration_s=float(track.t_ms[-1]) / 1000, fps=track.fps, width=1280, height=720)
    return analyze_track(track, "squat", source=source)


def test_rep_table_puts_faults_first_and_speaks_in_words(squat: Analysis) -> None:
    columns = list(rep_table(squat)[0])
    assert columns[0] == "Faults"
    assert "Knee angle, lowest (deg)" in columns
    assert [c for c in columns if INTERNAL.search(c)] == []


def test_compared_measures_are_named_by_their_checks() -> None:
    for exercise in exercises().values():
        for check in exercise.checks:
            if check.key_series:
                assert measure_label(check.key_series, exercise) == check.series_label


def test_candidates_read_as_exercise_titles() -> None:
    guess = ExerciseInfo(name="unknown", confidence=0.3, candidates=[("glute_bridge", 0.29), ("squat", 0.25)])
    notice = ui_text(unrecognised_notice(guess))
    assert "candidates: glute bridge (29 %), squat (25 %)" in notice
    assert "in the Exercise menu above" in notice and "--exercise" not in notice


def test_how_this_was_made_names_each_setting_once_in_words(squat: Analysis) -> None:
    sha = "ab" * 32
    report = squat.report.model_copy(deep=True)
    report.processing.update(model="pose_landmarker_full.task", model_sha256=sha, visibility_floor=0.3)
    report.versions.model_sha256 = sha
    html = render_html(dataclasses.replace(squat, report=report))
    made = re.sub(r"<[^>]+>", " ", html[html.index('id="versions"'):])
    assert made.count(sha) == 1
    assert "Least landmark visibility used" in made
    assert [w for w in made.split() if "_" in w and w != "pose_landmarker_full.task"] == []
    reps = html[html.index("Rep by rep"):]
    assert reps.index("<th>Findings</th>") < reps.index("<th>Rep</th>")
    assert "Knee angle, lowest (deg)" in reps and "knee deg min" not in reps
