"""The timeline: every checked series with the limits of the threshold its check names, in the user's words."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from analyzer.draw.overlay import format_value, overlay_plan
from analyzer.draw.plots import timeline_figure, timeline_rows
from analyzer.judging.rulebook import Exercise
from analyzer.pipeline import Analysis
from analyzer.report import Finding
from rules import deadlift
from tests.helpers import skeleton as sk
from tests.helpers.judging import analyse, realistic, with_back_outline

INTERNAL_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # img_back_bend_deg, hip_height, ...


@pytest.fixture(scope="module")
def rounded() -> Analysis:
    track, truth = sk.deadlift(rounded_back_deg=35, **realistic(5))
    return analyse(with_back_outline(track, truth, 35, seed=5))


@pytest.fixture(scope="module")
def clean_squat() -> Analysis:
    track, _ = sk.squat(**realistic(1))
    return analyse(track)


def _bands_on(fig, row: int) -> list[tuple[float, float]]:  # noqa: ANN001
    """(y0, y1) of the horizontal bands drawn on the ``row``th panel."""
    axis = "y" if row == 1 else f"y{row}"
    return [
        (s.y0, s.y1) for s in fig.layout.shapes
        if s.type == "rect" and s.yref == axis and s.xref.endswith("domain")
    ]


def test_rounded_back_finding_gets_its_own_band_although_another_threshold_shares_its_value(
    rounded: Analysis,
) -> None:
    shared = [k for k, th in deadlift.THRESHOLDS.items() if th.warn == deadlift.THRESHOLDS["rounding"].warn]
    assert len(shared) > 1  # hips_first has the same 10 deg: a value cannot say which it is
    findings = [f for f in rounded.report.findings if f.code == "deadlift.rounded_back" and f.assessable]
    assert findings, "the rounded back was not found"
    rounding = deadlift.THRESHOLDS["rounding"]
    for f in findings:
        assert (f.threshold_key, f.threshold, f.threshold_danger, f.unit) == ("rounding", 10.0, 20.0, "deg")
    rows = timeline_rows(rounded)
    k, row = next((k, r) for k, r in enumerate(rows, start=1) if "deadlift.rounded_back" in r.codes)
    assert row.bands == [rounding]
    bands = _bands_on(timeline_figure(rounded), k)
    assert (rounding.warn, rounding.danger) in bands and any(y0 == rounding.danger for y0, _ in bands)


def test_the_plot_shows_what_was_judged_so_a_judged_value_past_the_limit_is_a_finding(rounded: Analysis) -> None:
    """The rounding is judged bottom against standing, one value per rep: the panel shows that
    change per frame and each rep's judged value, past the limit exactly in the reps with a finding."""
    row = next(r for r in timeline_rows(rounded) if "deadlift.rounded_back" in r.codes)
    looked = np.isfinite(row.values)
    assert 0 < looked.sum() < len(row.values)  # the bottoms of the reps, not the whole clip
    (verdict,) = row.verdicts
    rounding = deadlift.THRESHOLDS["rounding"]
    flagged = {f.rep for f in rounded.report.findings if f.code == "deadlift.rounded_back" and f.assessable}
    assert flagged
    for rep in rounded.report.reps:
        in_rep = np.isfinite(verdict) & (row.t_ms >= rep.start_ms) & (row.t_ms <= rep.end_ms)
        assert in_rep.any(), f"rep {rep.index} has no judged value"
        assert bool(np.all(verdict[in_rep] > rounding.warn)) == (rep.index in flagged), rep.index


def test_clean_set_shows_every_judged_quantity_with_its_limits(clean_squat: Analysis) -> None:
    assert not [f for f in clean_squat.report.findings if f.assessable]
    rows = timeline_rows(clean_squat)
    fig = timeline_figure(clean_squat)
    judged = {code for code, j in clean_squat.evaluation.judged.items() if np.isfinite(j.values).any()}
    assert {"squat.depth", "squat.forward_lean", "squat.tempo"} <= judged
    assert {code for r in rows for code in r.codes} == judged
    for k, row in enumerate(rows, start=1):
        assert row.bands and _bands_on(fig, k), f"{row.label} plotted without its limits"
        finite = row.values[np.isfinite(row.values)]
        for band in row.bands:  # clean: every plotted value on the good side of every limit
            assert np.all(finite <= band.warn) if band.above else np.all(finite >= band.warn)


@pytest.mark.parametrize("which", ["rounded", "clean_squat"])
def test_titles_and_units_are_in_the_users_words(which: str, request: pytest.FixtureRequest) -> None:
    analysis = request.getfixturevalue(which)
    fig = timeline_figure(analysis)
    titles = [a.text for a in fig.layout.annotations if a.text and not a.text.startswith("rep ")]
    assert len(titles) == len(timeline_rows(analysis))
    for title in titles:
        assert not INTERNAL_NAME.search(title), title
        assert re.search(r"\([^)]+\)$", title), f"no unit in {title!r}"
    for axis in fig.layout:
        if axis.startswith("yaxis") and fig.layout[axis].title.text:
            assert not INTERNAL_NAME.search(fig.layout[axis].title.text)


def test_exercise_with_an_unknown_threshold_key_fails_at_construction() -> None:
    check = replace(deadlift.EXERCISE.checks[0], threshold="roundnig")
    with pytest.raises(ValueError, match="roundnig"):
        replace(deadlift.EXERCISE, checks=(check,))
    assert isinstance(replace(deadlift.EXERCISE, checks=deadlift.EXERCISE.checks[:1]), Exercise)


def test_findings_of_older_reports_still_load() -> None:
    old = {"code": "deadlift.rounded_back", "title": "Rounded back", "measured": 14.0, "threshold": 10.0, "unit": "deg"}
    f = Finding.model_validate(old)
    assert f.threshold_key == "" and f.threshold_danger is None


def test_the_number_on_the_video_is_the_judged_value(rounded: Analysis) -> None:
    """The video writes beside the back what the check judged there (bottom against standing tall,
    as the card and the timeline give it), not the raw outline bend it started from."""
    plan = overlay_plan(rounded)
    rounding = deadlift.THRESHOLDS["rounding"]
    findings = [f for f in rounded.report.findings if f.code == "deadlift.rounded_back" and f.assessable]
    assert findings
    raw = rounded.features.series["img_back_bend_deg"]
    for f in findings:
        t0, t1 = f.spans_ms[0]
        middle = (t0 + t1) / 2
        shown = plan.value_at(f.code, middle)
        assert shown > rounding.warn, f"the video shows {shown:.1f} inside a finding judged {f.measured}"
        assert abs(shown - f.measured) < 6.0
        frame = int(np.argmin(np.abs(rounded.track.t_ms - middle)))
        assert abs(shown - raw[frame]) > 1.0, "the raw series, not the judged change"
    assert format_value(17.87, "deg") == "18°" and format_value(0.34, "s") == "0.3 s"
