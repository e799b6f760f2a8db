"""Sessions filed in the library get their annotated video, drawn in the server's pool, not while the page
waits (issue 18: sessions added from the library's "Add clips" had none)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import webapp.state as state
from analyzer.store.cache import AnalysisCache
from analyzer.store.library import Library
from tests.helpers.fake_library import fake_clip
from tests.helpers.paths import REPO
from webapp import session_video, upload

APP = REPO / "app.py"


pytestmark = pytest.mark.usefixtures("data_dir")  # tests/conftest.py: a data folder of its own


@pytest.fixture(autouse=True)
def no_failed_drawings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failures are remembered per server process: each test starts with none (the fake clips share hashes)."""
    monkeypatch.setattr(session_video, "_FAILED", set())


def _stand_in(cache: AnalysisCache, video: Path, analysis, sha: str) -> Path:
    """A stand-in annotated video where the cache keeps the real one (the fake clips are not videos)."""
    out = cache.annotated_path(sha, analysis.report.exercise.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"annotated " + Path(video).read_bytes())
    return out


@pytest.fixture
def held_drawing(fake_pipeline: list[str], monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Annotated videos drawn only once the returned event is set, as a long clip's drawing takes a while."""
    release = threading.Event()

    def draw(self: AnalysisCache, video: Path, analysis, sha: str, progress=None) -> Path:
        assert release.wait(60)
        return _stand_in(self, video, analysis, sha)

    monkeypatch.setattr(AnalysisCache, "annotated", draw)
    return release


def _uploaded_plank() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.file_uploader(key="upload_file").upload("plank.mp4", b"FAKE:sag.mp4\n", "video/mp4")
    return at.run()


@pytest.fixture
def drawn(fake_pipeline: list[str], monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The annotated videos drawn (a stand-in file each: the fake clips are not videos)."""
    videos: list[Path] = []

    def draw(self: AnalysisCache, video: Path, analysis, sha: str, progress=None) -> Path:
        videos.append(Path(video))
        return _stand_in(self, video, analysis, sha)

    monkeypatch.setattr(AnalysisCache, "annotated", draw)
    return videos


def _wait_for_drawings() -> None:
    for job in list(state._SERVER_JOBS.values()):
        job.future.result(timeout=60)


def library_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60).run().switch_page("webapp/library_page.py").run()


def test_clips_added_in_the_library_get_an_annotated_video(drawn: list[Path], data_dir: Path) -> None:
    library = Library(root=data_dir)
    library.create_client("Flo")
    at = library_app()
    at.file_uploader[0].set_value([("one.mp4", b"FAKE:sag.mp4\n", "video/mp4")]).run()
    at.button(key="lib_add").click().run()
    assert not at.exception and "Added 1 session to Flo." in "".join(s.value for s in at.success)
    _wait_for_drawings()
    [session] = library.sessions()
    assert drawn == [session.video]
    at.selectbox(key="lib_open").select(session.id).run()
    assert "Annotated: faults in colour." in [c.value for c in at.caption]
    library.close()


def test_a_session_filed_without_one_gets_it_when_opened(drawn: list[Path], data_dir: Path, tmp_path: Path) -> None:
    library = Library(root=data_dir)
    client = library.create_client("Gus")
    session = library.add_clip(client.id, fake_clip(tmp_path, "pike.mp4"), "plank")
    at = library_app()
    at.selectbox(key="lib_open").select(session.id).run()
    assert not at.exception
    _wait_for_drawings()
    assert drawn == [session.video]
    at.run()
    assert "Annotated: faults in colour." in [c.value for c in at.caption]
    library.close()


def test_a_drawing_that_fails_is_not_retried_at_every_look(fake_pipeline: list[str], monkeypatch: pytest.MonkeyPatch,
                                                           data_dir: Path, tmp_path: Path) -> None:
    tries: list[Path] = []

    def fail(self: AnalysisCache, video: Path, *_a, **_k) -> Path:
        tries.append(Path(video))
        raise RuntimeError("no decoder for this clip")

    monkeypatch.setattr(AnalysisCache, "annotated", fail)
    library = Library(root=data_dir)
    session = library.add_clip(library.create_client("Jo").id, fake_clip(tmp_path, "clean.mp4"), "plank")
    at = library_app()
    at.selectbox(key="lib_open").select(session.id).run()
    _wait_for_drawings()
    at.run()
    at.run()
    assert not at.exception and len(tries) == 1
    assert "The original clip: the annotated video is not drawn (yet)." in [c.value for c in at.caption]
    library.close()


def test_an_upload_shows_its_findings_while_the_annotated_video_is_drawn(held_drawing: threading.Event) -> None:
    """The result does not wait for the drawing (a 60 s 1080p clip takes about 12 s more to draw): the
    findings and the original clip first, the drawing's progress above them, then the drawn video."""
    at = _uploaded_plank()
    assert not at.exception
    assert "sagging hips" in at.subheader[0].value.lower()  # the verdict, before the drawing is done
    assert at.get("progress") and at.button(key="render_cancel")  # the drawing's progress (queued or under way)
    assert "The original clip: the annotated video is not drawn (yet)." in [c.value for c in at.caption]
    held_drawing.set()
    at.session_state[upload.RENDER_JOB].future.result(timeout=60)
    at.run()
    assert not at.get("progress") and not [b for b in at.button if b.key == "render_cancel"]
    assert "Annotated: faults in colour." in [c.value for c in at.caption]


def test_the_annotated_video_can_be_cancelled_and_asked_for_again(held_drawing: threading.Event) -> None:
    """Cancel says so at once and keeps the findings; asked for again, the video is drawn (a drawing under
    way cannot be interrupted: it runs to its end beside the new one) and replaces the original clip."""
    at = _uploaded_plank()
    at.button(key="render_cancel").click().run()
    at.run()
    assert "Annotated video cancelled." in [c.value for c in at.caption]
    assert "sagging hips" in at.subheader[0].value.lower()  # the findings stay
    [again] = [b for b in at.button if b.label == "Draw the annotated video"]
    again.click().run()
    assert at.button(key="render_cancel")  # a drawing under way again, with its progress
    held_drawing.set()
    at.session_state[upload.RENDER_JOB].future.result(timeout=60)
    at.run()
    assert "Annotated: faults in colour." in [c.value for c in at.caption]
