"""What the user owns stays theirs: ``--out`` never deletes their files, and text they wrote is
shown as text, never as markdown (a client's name cannot make every browser fetch a picture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from analyzer.cli import EXIT_INPUT, OWN_FILES, app
from analyzer.io.track_csv import write_track_csv
from analyzer.store.files import DATA_ENV
from analyzer.store.library import Library
from tests.helpers import skeleton as sk
from tests.helpers.paths import REPO
from webapp.state import plain

HOSTILE_NAME = "Ann ![t](http://192.0.2.99/md.png) [x](javascript:alert(1)) **bold** <b>b</b>"


@pytest.fixture(scope="module")
def plank_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    track, _ = sk.plank(duration_s=6)
    path = tmp_path_factory.mktemp("track") / "plank.csv"
    write_track_csv(track, path)
    return path


def analyze(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["analyze", *map(str, args)])
    return result.exit_code, result.output


def test_out_refuses_a_folder_holding_the_users_files(plank_csv: Path, tmp_path: Path) -> None:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "thesis.txt").write_text("three years of work")
    code, output = analyze(plank_csv, "--exercise", "plank", "--out", folder)
    assert code == EXIT_INPUT
    assert "thesis.txt" in output and "not formcheck's" in output
    assert (folder / "thesis.txt").read_text() == "three years of work"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.txt"]  # nothing written beside it


def test_out_replaces_an_earlier_report_and_only_its_files(plank_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert analyze(plank_csv, "--exercise", "plank", "--out", out, "--html")[0] == 0
    first = {p.name for p in out.iterdir()}
    assert "report.html" in first and first <= set(OWN_FILES)
    assert analyze(plank_csv, "--exercise", "plank", "--out", out)[0] == 0
    second = {p.name for p in out.iterdir()}
    assert "report.html" not in second, "an old output that this run did not make is not left to contradict it"
    assert second <= set(OWN_FILES) and "report.json" in second


def test_out_that_is_a_file_is_refused(plank_csv: Path, tmp_path: Path) -> None:
    target = tmp_path / "notes.md"
    target.write_text("mine")
    code, output = analyze(plank_csv, "--exercise", "plank", "--out", target)
    assert code == EXIT_INPUT and "is a file" in output
    assert target.read_text() == "mine"


def test_plain_escapes_every_markdown_construct() -> None:
    shown = plain(HOSTILE_NAME)
    for construct in ("![t](", "[x](", "**bold**", "<b>"):
        assert construct not in shown
    assert shown.replace("\\", "") == HOSTILE_NAME  # the reader still sees exactly what was typed


def test_a_hostile_client_name_reaches_the_page_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every place the library page writes the name through markdown carries it escaped."""
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    library = Library(root=tmp_path)
    library.create_client(HOSTILE_NAME)
    library.close()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at = at.switch_page("webapp/library_page.py").run()
    assert not at.exception
    written = [str(e.value) for kind in ("markdown", "success", "info", "warning", "caption") for e in getattr(at, kind)]
    written += [str(w.label) for w in at.get("file_uploader")]
    naming = [text for text in written if "Ann" in text]
    assert naming, "the client's name is shown somewhere"
    for text in naming:
        assert "![t](http" not in text and "[x](javascript" not in text, text
        assert plain(HOSTILE_NAME) in text
