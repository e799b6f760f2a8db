"""Reports a trainer can send: the trainer's notes are in them, and the annotated clip with them (issue 18)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from analyzer.store.cache import AnalysisCache
from analyzer.store.library import Library
from tests.helpers.fake_library import fake_clip, plank_analysis
from webapp.client_export import client_reports_zip
from webapp.widgets import html_report

NOTES = {"": "Heavy day, filmed at the gym.", "plank.sagging_hips": "Squeeze the glutes from the first second."}


pytestmark = pytest.mark.usefixtures("data_dir")  # tests/conftest.py: a data folder of its own


def test_the_report_page_carries_the_trainers_notes() -> None:
    page = html_report(plank_analysis("sag.mp4"), None, None, NOTES).decode()
    notes = page[page.index('id="trainer-notes"'):page.index('id="findings"')]
    assert "The session:</b> Heavy day, filmed at the gym." in notes
    assert "Sagging hips:</b> Squeeze the glutes from the first second." in notes


def test_the_client_zip_holds_each_sessions_page_notes_and_annotated_clip(
    fake_pipeline: list[str], data_dir: Path, tmp_path: Path
) -> None:
    library = Library(root=data_dir)
    client = library.create_client("Hana")
    session = library.add_clip(client.id, fake_clip(tmp_path, "sag.mp4"), "plank")
    bare = library.add_clip(client.id, fake_clip(tmp_path, "clean.mp4"), "plank")
    for code, text in NOTES.items():
        library.set_note(session.id, text, code)
    clip = AnalysisCache(data_dir / "cache").annotated_path(session.video.stem, session.exercise)
    clip.parent.mkdir(parents=True, exist_ok=True)
    clip.write_bytes(b"the annotated clip")

    with zipfile.ZipFile(io.BytesIO(client_reports_zip(library, client))) as zf:
        names = zf.namelist()
        [folder] = {n.split("/")[0] for n in names if n.endswith("annotated.mp4")}
        assert zf.read(f"{folder}/annotated.mp4") == b"the annotated clip"
        page = zf.read(f"{folder}/report.html").decode()
        assert 'src="annotated.mp4"' in page and "Heavy day, filmed at the gym." in page
        assert "Squeeze the glutes" in zf.read(f"{folder}/notes.txt").decode()
        readme = zf.read("README.md").decode()
    assert f"{folder}/report.html" in readme
    assert sum(n.endswith("report.html") for n in names) == 2
    assert any(str(bare.id) in line and "no annotated clip yet" in line for line in readme.splitlines())
    library.close()
