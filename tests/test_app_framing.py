"""Framing before the first rep, said in one line above the result (issue 18)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analyzer.landmarks import INDEX
from analyzer.pipeline import Analysis
from analyzer.report import ViewInfo
from analyzer.store.cache import AnalysisCache
from tests.helpers.fake_library import plank_analysis
from tests.helpers.paths import REPO
from webapp.framing import framing_checks, framing_line


@pytest.fixture(scope="module")
def plank() -> Analysis:
    return plank_analysis("sag.mp4")


def _moved(analysis: Analysis, move) -> Analysis:
    image = analysis.track.image.copy()
    move(image)
    return dataclasses.replace(analysis, track=dataclasses.replace(analysis.track, image=image))


def test_a_well_filmed_plank_reads_all_good(plank: Analysis) -> None:
    checks = framing_checks(plank)
    assert checks and all(c.ok for c in checks)
    assert framing_line(checks).startswith("Framing: ✓ whole body in the frame · ✓ side-on")


def test_feet_out_of_the_picture_before_the_set(plank: Analysis) -> None:
    def feet_below(image: np.ndarray) -> None:
        setup = plank.track.t_ms < 2000  # the hold starts at once: its first seconds stand for the set-up
        for name in ("left_ankle", "right_ankle"):
            image[setup, INDEX[name], 1] = 1.2

    line = framing_line(framing_checks(_moved(plank, feet_below)))
    assert "✗ feet out of the frame: step back or tilt the camera" in line


def test_too_far_and_filmed_from_the_front(plank: Analysis) -> None:
    def shrink(image: np.ndarray) -> None:
        image[..., :2] = 0.5 + (image[..., :2] - 0.5) * 0.3

    far = _moved(plank, shrink)
    far = dataclasses.replace(far, report=far.report.model_copy(update={"view": ViewInfo(kind="front", yaw_deg=80)}))
    line = framing_line(framing_checks(far))
    assert "✗ filmed from the front: film side-on" in line and "come closer or zoom in" in line


def test_the_upload_page_shows_the_framing_line(fake_pipeline: list[str], monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setenv("FORMCHECK_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(AnalysisCache, "annotated", lambda self, *a, **k: None)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.file_uploader(key="upload_file").upload("plank.mp4", b"FAKE:sag_late.mp4\n", "video/mp4")
    at.run()
    assert not at.exception
    assert any(c.value.startswith("Framing: ✓ whole body in the frame") for c in at.caption)
