"""HTML report, timeline plot and exports: self-contained (no network), complete, one CSV row per frame."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analyzer.draw.html_report import write_html_report
from analyzer.draw.plots import timeline_figure, timeline_rows
from analyzer.exports import add_outputs, load_analysis, write_exports
from analyzer.judging.rulebook import BEYOND_VIDEO
from analyzer.pipeline import Analysis
from tests.browser.chrome import browser_missing
from tests.helpers.media import plain_clip
from tests.helpers.plank_clip import FPS, SECONDS, SIZE, sagging_plank

URL_ATTRIBUTES = {"src", "href", "poster", "data", "action", "srcset", "xlink:href"}


class _Page(HTMLParser):
    """The text a reader sees and every URL an element would load."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.urls: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in URL_ATTRIBUTES]
        self.urls += re.findall(r"url\(([^)]*)\)", dict(attrs).get("style") or "")
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return sagging_plank()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, analysis: Analysis) -> Path:
    """Exports, annotated video and report, as ``formcheck analyze --annotate --html`` makes them."""
    folder = tmp_path_factory.mktemp("report")
    clip = plain_clip(folder / "plank.mp4", SIZE, int(SECONDS * FPS), FPS)
    write_exports(analysis, folder / "out")
    add_outputs(analysis, clip, folder / "out", annotate=True, html=True)
    return folder / "out"


def test_report_is_self_contained_and_complete(outputs: Path, analysis: Analysis) -> None:
    html = (outputs / "report.html").read_text()
    page = parse(html)
    outside = [u for u in page.urls if not u.startswith(("data:", "#")) and u]
    assert not outside, f"resources outside the file: {outside[:5]}"
    assert not re.search(r"""(?:src|href)\s*=\s*\\?["']?https?://""", html), "a network URL in a src/href"
    assert "<link" not in html and "@import" not in html
    text = " ".join(" ".join(page.text).split())
    assert analysis.report.verdict in text
    for finding in analysis.report.findings:
        assert finding.title in text
    assert (
        "plotly-graph-div" in html and "data:image/jpeg;base64," in html and "data:video/mp4;base64," in html
    )
    assert "@media print" in html
    assert analysis.report.versions.formcheck in text
    assert BEYOND_VIDEO in text  # when to stop and see a professional, on every report


def test_report_without_the_clip_still_has_thumbnails(tmp_path: Path, analysis: Analysis) -> None:
    out = write_html_report(analysis, tmp_path / "r.html")
    html = out.read_text()
    assert html.count("data:image/jpeg;base64,") == sum(1 for f in analysis.report.findings if f.assessable)
    assert "<video" not in html


def test_not_judged_findings_say_how_to_film(tmp_path: Path, analysis: Analysis) -> None:
    from analyzer.report import Finding, Severity

    report = analysis.report.model_copy(deep=True)
    report.findings.append(
        Finding(
            code="plank.test",
            title="Something unseen",
            severity=Severity.info,
            assessable=False,
            reason="film from the side, camera at hip height",
        )
    )
    copy = Analysis(
        report=report,
        track=analysis.track,
        features=analysis.features,
        evaluation=analysis.evaluation,
        exercise=analysis.exercise,
    )
    text = " ".join(parse(write_html_report(copy, tmp_path / "r.html").read_text()).text)
    assert "Could not be judged" in text and "film from the side, camera at hip height" in text


def test_timeline_marks_limits_findings_and_hold(analysis: Analysis) -> None:
    rows = {code: r for r in timeline_rows(analysis) for code in r.codes}
    line = rows["plank.sagging_hips"]
    assert rows["plank.piked_hips"] is line  # both judge the same body line: one panel, both limits
    assert {b.warn for b in line.bands} == {10.0, -35.0}
    fig = timeline_figure(analysis)
    shapes = fig.layout.shapes
    assert any(s.type == "rect" and s.fillcolor and "235,30,30" in s.fillcolor for s in shapes)  # danger span
    assert sum(1 for s in shapes if s.type == "line") >= 2  # hold start and end


def test_features_csv_has_one_row_per_frame(outputs: Path, analysis: Analysis) -> None:
    with open(outputs / "features.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(analysis.track)
    assert {"t_ms", "view", "phase", "findings", "hip_below_ankle_line_deg"} <= set(rows[0])
    ((t0, t1),) = next(f for f in analysis.report.findings if f.code == "plank.sagging_hips").spans_ms
    for row in rows:
        t = float(row["t_ms"])
        assert ("plank.sagging_hips" in row["findings"]) == (t0 <= t <= t1)
    assert {r["phase"] for r in rows} <= {"hold", ""}
    assert (outputs / "track.csv").exists() and (outputs / "report.json").exists()


def test_report_folder_can_be_reloaded(outputs: Path, analysis: Analysis) -> None:
    again = load_analysis(outputs)
    assert again.report == analysis.report
    assert len(again.track) == len(analysis.track)


@pytest.mark.slow
@pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
def test_video_and_report_play_in_chromium(outputs: Path, tmp_path: Path) -> None:
    from tests.browser import check_video_plays as checker

    assert (
        checker.main(
            [
                "--video",
                str(outputs / "annotated.mp4"),
                "--html",
                str(outputs / "report.html"),
                "--no-report-video",
                "--shots",
                str(tmp_path),
            ]
        )
        == 0
    )
