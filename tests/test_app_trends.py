"""The library's trends: each number measured the same way in every session, one unit per chart, worse upward,
legends that name the check (issue 18)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analyzer.report import Finding, Hold, Report, SourceInfo, Versions
from analyzer.store.cache import AnalysisCache
from analyzer.store.library import Library
from tests.helpers.fake_library import fake_clip
from tests.helpers.paths import REPO
from webapp import trends

APP = REPO / "app.py"


pytestmark = pytest.mark.usefixtures("data_dir")  # tests/conftest.py: a data folder of its own


def _plank(hold_s: float, sag_spans_s: list[tuple[float, float]]) -> Report:
    findings = [Finding(code="plank.sagging_hips", title="Sagging hips", spans_ms=[(a * 1000, b * 1000)],
                        measured=14.0, threshold=10.0, unit="deg") for a, b in sag_spans_s]
    return Report(source=SourceInfo(file="p.mp4", duration_s=hold_s + 2, fps=30), frames_total=1, frames_with_pose=1,
                  hold=Hold(start_ms=1000, end_ms=1000 + hold_s * 1000), findings=findings,
                  versions=Versions(formcheck="test"))


def test_a_hold_counts_the_share_of_its_time_the_fault_lasted() -> None:
    report = _plank(37.0, [(30.0, 33.5)])
    assert trends.fault_share(report, report.findings) == pytest.approx(3.5 / 37.0)
    overlapping = _plank(10.0, [(2.0, 6.0), (4.0, 8.0)])  # counted once where two spans overlap
    assert trends.fault_share(overlapping, overlapping.findings) == pytest.approx(0.6)


def test_a_check_is_named_without_one_sessions_value() -> None:
    assert trends.check_title("squat.tempo", "Too fast (213 deg/s)") == "Too fast"
    assert trends.check_title("gone.check", "Old check (12 deg)") == "Old check"


def test_piked_hips_are_plotted_worse_upward() -> None:
    when = datetime(2026, 1, 1)
    pike = [trends.CheckValue(when + timedelta(days=i), "plank.piked_hips", v, -35.0, -50.0, False, "Hip line (deg)", "deg")
            for i, v in enumerate((-20.0, -45.0))]
    low, high = trends.check_figure(pike, "Piked hips").layout.yaxis.range
    assert low > high  # the axis runs downward: -45, the worse, sits above -20
    sag = [trends.CheckValue(when, "plank.sagging_hips", 14.0, 10.0, 20.0, True, "Hip sag (deg)", "deg")]
    low, high = trends.check_figure(sag, "Sagging hips").layout.yaxis.range
    assert low < high


def _charts(at: AppTest) -> dict[str, dict]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs if "text" in spec["layout"].get("title", {})}


def test_trend_tab_shows_score_shares_and_each_check_against_its_limits(
    fake_pipeline: list[str], monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr(AnalysisCache, "annotated", lambda self, *a, **k: None)
    library = Library(root=data_dir)
    client = library.create_client("Eve")
    for day, clip in enumerate(("sag_late.mp4", "clean.mp4", "pike.mp4")):
        library.add_clip(client.id, fake_clip(tmp_path, clip), "plank", recorded_at=datetime(2026, 3, 1 + day, 9))
    library.close()
    at = AppTest.from_file(str(APP), default_timeout=60).run().switch_page("webapp/library_page.py").run()
    assert not at.exception
    charts = _charts(at)
    score = charts["Score (out of 100)"]
    assert [len(trace["y"]) for trace in score["data"]] == [3]
    often = charts["How often: % of the reps, or of the hold's time"]
    sag = next(t for t in often["data"] if t["name"] == "Sagging hips")
    assert 0 < sag["y"][0] < 100  # the sag starts 2 s into an 8 s skeleton plank: part of the hold, not all
    assert sag["y"][1] == 0
    for trace in often["data"]:
        assert not re.search(r"\d", trace["name"])  # a legend names the check, not one session's value
    assert {"Sagging hips", "Piked hips"} <= set(charts)
    pike = charts["Piked hips"]
    low, high = pike["layout"]["yaxis"]["range"]
    assert low > high
