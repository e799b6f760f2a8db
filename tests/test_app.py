"""The Streamlit app through Streamlit's AppTest: every page, the upload flow, the library, the login.

The pose model is replaced by skeleton tracks (``fake_pipeline`` in tests/conftest.py) except in one
real run on a shared clip, so the file runs in seconds.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import analyzer.store.auth as auth
from analyzer.judging.rulebook import BEYOND_VIDEO
from analyzer.pose.extract import Cancelled
from analyzer.store.cache import AnalysisCache
from analyzer.store.library import Library
from tests.helpers.fake_library import fake_clip
from tests.helpers.paths import REPO, shared_clip

APP = REPO / "app.py"
TIMEOUT = 60


pytestmark = pytest.mark.usefixtures("data_dir")  # tests/conftest.py: a data folder of its own


@pytest.fixture
def calls(fake_pipeline: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pose model replaced by skeleton tracks (conftest); no annotated video (the fake clip is not a video)."""
    monkeypatch.setattr(AnalysisCache, "annotated", lambda self, *a, **k: None)
    return fake_pipeline


def app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()


def library_app() -> AppTest:
    return app().switch_page("webapp/library_page.py").run()


def texts(at: AppTest) -> str:
    """Everything written on the page as a reader sees it (markdown's backslash escapes resolved)."""
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error")
             for e in getattr(at, kind)]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="upload_file").upload(name, data, "video/mp4")
    return at.run()


def video_start(at: AppTest) -> float:
    return at.get("video")[0].proto.start_time


def jump_bars(at: AppTest) -> dict[str, list[dict]]:
    """The jump buttons on the page (drawn in the browser), by the key of their bar."""
    return {bar.proto.id.rsplit("-", 1)[-1]: [target for button in json.loads(bar.proto.json)["buttons"]
                                               for target in button["targets"]]
            for bar in at.get("bidi_component") if bar.proto.component_name == "formcheck_jumps"}


# -- pages ---------------------------------------------------------------------
def test_every_page_renders() -> None:
    at = app()
    assert not at.exception
    assert at.title[0].value == "Analyse a set"
    assert "MB" in at.caption[0].value  # the size limit is stated
    assert at.selectbox(key="upload_exercise").options[0] == "Recognise it for me"
    at = library_app()
    assert not at.exception and at.title[0].value == "Trainer library"


def test_upload_shows_the_result_and_jumps_to_a_finding(calls: list[str]) -> None:
    at = upload(app(), "my plank.mp4", b"FAKE:sag_late.mp4\n")
    assert not at.exception
    shown = texts(at)
    assert "sagging hips" in at.subheader[0].value.lower()
    assert "Sagging hips" in shown and "Head dropping" in shown and "Do:" in shown
    assert "Not judged from this video" in shown and BEYOND_VIDEO in shown
    assert at.metric[0].value.endswith("/100")
    assert video_start(at) == 0
    [sag] = [jumps for key, jumps in jump_bars(at).items() if key.endswith("_jumps_plank.sagging_hips")]
    assert sag[0]["seconds"] == pytest.approx(3.5, abs=0.6)  # where the sag starts in the skeleton clip
    labels = {b.label for b in at.get("download_button")}
    assert {"Report (JSON)", "Tables (CSV, zip)"} <= labels
    assert len(calls) == 1


def test_second_upload_of_the_same_clip_is_not_analysed_again(calls: list[str]) -> None:
    data = b"FAKE:sag.mp4\n"
    first = upload(app(), "a.mp4", data)
    assert "sagging hips" in first.subheader[0].value.lower()
    first.run()  # a rerun (any click) reuses the result
    again = upload(app(), "renamed copy.mp4", data)  # another browser tab, another name
    assert "sagging hips" in again.subheader[0].value.lower()
    assert len(calls) == 1


def test_bad_file_gets_a_message_not_a_traceback(calls: list[str]) -> None:
    at = upload(app(), "holiday.mp4", b"\x00\x01 not a video at all")
    assert not at.exception
    assert "not a video formcheck can read" in at.error[0].value


def test_cancel_stops_the_pipeline_and_hands_streamlit_its_rerun() -> None:
    """What happens when Cancel is clicked mid-run: the pipeline is cancelled, then Streamlit's rerun proceeds."""
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

    from webapp.widgets import CancellableRun

    run = CancellableRun.__new__(CancellableRun)  # no Streamlit page around: a bar that 'sees' the click
    run.label, run._shown, run.interrupted = "x", -1, None

    class Bar:
        def progress(self, *_a, **_k) -> None:
            raise RerunException(None)

    run.bar = Bar()
    stopped_at: list[int] = []

    def work(progress, should_cancel):
        for i in range(100):
            if should_cancel():
                stopped_at.append(i)
                raise Cancelled()
            progress(i, 100)

    with pytest.raises(RerunException):
        run.run(work)
    assert stopped_at == [1]


def test_add_the_result_to_a_client(calls: list[str], data_dir: Path) -> None:
    at = upload(app(), "plank.mp4", b"FAKE:sag.mp4\n")
    at.selectbox(key="upload_client").select("New client…").run()
    at.text_input(key="upload_new_client").input("Ana").run()
    at.button(key="upload_add").click().run()
    assert not at.exception
    assert "Added to Ana's sessions." in texts(at)
    library = Library(root=data_dir)
    [session] = library.sessions()
    assert session.client_name == "Ana" and session.flags == ["plank.sagging_hips"]
    assert session.video.exists() and session.video.read_bytes() == b"FAKE:sag.mp4\n"
    assert len(calls) == 1  # filed without a second analysis
    library.close()


# -- library -------------------------------------------------------------------
def test_library_create_rename_delete(calls: list[str], data_dir: Path, tmp_path: Path) -> None:
    at = library_app()
    assert "No clients yet" in texts(at)
    at.text_input(key="lib_new_name").input("Bo").run()
    at.button(key="lib_create").click().run()
    assert "Created Bo." in texts(at)
    at.text_input(key="lib_new_name").input("Bo").run()
    at.button(key="lib_create").click().run()
    assert "already a client called 'Bo'" in texts(at)

    library = Library(root=data_dir)
    [bo] = library.clients()
    video = library.add_clip(bo.id, fake_clip(tmp_path, "sag.mp4"), "plank").video

    at.text_input(key="lib_rename").input("Bo Chen").run()
    at.button(key="lib_rename_btn").click().run()
    assert [c.name for c in library.clients()] == ["Bo Chen"]

    at.button(key="lib_delete").click().run()
    assert "cannot be undone" in texts(at)
    at.button(key="lib_delete_no").click().run()
    assert library.clients() and video.exists()
    at.button(key="lib_delete").click().run()
    at.button(key="lib_delete_yes").click().run()
    assert not at.exception
    assert "Deleted Bo Chen" in texts(at)
    assert library.clients() == [] and not video.exists()
    library.close()


def test_library_session_view_notes_persist_and_other_tabs(calls: list[str], data_dir: Path, tmp_path: Path) -> None:
    library = Library(root=data_dir)
    client = library.create_client("Cy")
    first = library.add_clip(client.id, fake_clip(tmp_path, "sag.mp4"), "plank")
    library.add_clip(client.id, fake_clip(tmp_path, "clean.mp4"), "plank")
    library.close()

    at = library_app()
    assert not at.exception
    assert len(at.dataframe) >= 1
    at.selectbox(key="lib_filter_code").select("plank.sagging_hips").run()
    assert at.selectbox(key="lib_open").options == [first.label]
    at.selectbox(key="lib_open").select(first.id).run()
    assert "sagging hips" in texts(at).lower()
    key = f"lib_s{first.id}"
    at.text_area(key=f"{key}_note_session").input("Heavy day, filmed at the gym.").run()
    at.button(key=f"{key}_save_session").click().run()
    at.text_area(key=f"{key}_note_plank.sagging_hips").input("Cue: squeeze the glutes.").run()
    at.button(key=f"{key}_save_plank.sagging_hips").click().run()
    assert not at.exception

    restarted = Library(root=data_dir)  # a new engine on the same file: the app was restarted
    assert restarted.notes(first.id) == {"": "Heavy day, filmed at the gym.", "plank.sagging_hips": "Cue: squeeze the glutes."}
    restarted.close()
    fresh = library_app()
    fresh.selectbox(key="lib_open").select(first.id).run()
    assert fresh.text_area(key=f"{key}_note_plank.sagging_hips").value == "Cue: squeeze the glutes."

    # Compare and trend draw their plots; export offers both downloads.
    ids = fresh.selectbox(key="cmp_a").options
    fresh.selectbox(key="cmp_a").select(ids[0]).run()
    fresh.selectbox(key="cmp_b").select(ids[1]).run()
    assert not fresh.exception
    assert len(fresh.get("plotly_chart")) >= 3  # the two trend plots and the compared angle
    assert all(o.endswith("(deg)") for o in fresh.selectbox(key="cmp_series").options)  # the checks' words, units
    labels = {b.label for b in fresh.get("download_button")}
    assert "All sessions (JSON)" in labels and any(label.startswith("Reports to send") for label in labels)


def test_library_add_clips_tab(calls: list[str], data_dir: Path) -> None:
    library = Library(root=data_dir)
    library.create_client("Di")
    at = library_app()
    at.file_uploader[0].set_value(
        [("one.mp4", b"FAKE:sag.mp4\n", "video/mp4"), ("junk.mp4", b"junk", "video/mp4")]
    ).run()
    at.button(key="lib_add").click().run()
    assert not at.exception
    assert "junk.mp4: This file is not a video" in texts(at)
    assert "Added 1 session to Di." in texts(at)
    assert [s.original_name for s in library.sessions()] == ["one.mp4"]
    library.close()


def test_library_asks_for_a_password_when_public(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.ENV_PUBLIC, "1")
    at = library_app()
    assert "none is set" in at.error[0].value and not at.button
    monkeypatch.setenv(auth.ENV_HASH, auth.hash_password("open sesame"))
    at = library_app()
    at.text_input(key="login_password").input("guess")
    at.button[0].click().run()
    assert at.error[0].value == "Wrong password."
    at.text_input(key="login_password").input("open sesame")
    at.button[0].click().run()
    assert not at.exception and "No clients yet" in texts(at)


def test_dropped_clips_stay_with_their_client(calls: list[str], data_dir: Path) -> None:
    library = Library(root=data_dir)
    ana, bo = library.create_client("Ana"), library.create_client("Bo")
    at = library_app()
    at.selectbox(key="lib_client").select(ana.id).run()
    at.file_uploader[0].upload("ana.mp4", b"FAKE:sag.mp4\n", "video/mp4").run()
    at.selectbox(key="lib_client").select(bo.id).run()
    assert "Clips of Bo" in at.file_uploader[0].label
    assert not at.file_uploader[0].value and at.button(key="lib_add").disabled
    assert library.sessions(bo.id) == []
    library.close()


def test_library_takes_a_second_batch_and_counts_it(calls: list[str], data_dir: Path) -> None:
    library = Library(root=data_dir)
    library.create_client("Di")
    at = library_app()
    at.file_uploader[0].upload("one.mp4", b"FAKE:sag.mp4\n", "video/mp4").run()
    at.button(key="lib_add").click().run()
    assert "Added 1 session to Di." in texts(at)
    assert not at.file_uploader[0].value and at.button(key="lib_add").disabled
    assert at.selectbox(key="lib_client").options[0].endswith("(1 session)")
    at.file_uploader[0].upload("two.mp4", b"FAKE:clean.mp4\n", "video/mp4").run()
    at.button(key="lib_add").click().run()
    assert not at.exception
    assert sorted(s.original_name for s in library.sessions()) == ["one.mp4", "two.mp4"]
    library.close()


def test_open_the_library_on_the_client_just_filed_to(calls: list[str], data_dir: Path) -> None:
    library = Library(root=data_dir)
    library.create_client("Ana")
    bo = library.create_client("Bo")
    library.close()
    at = upload(app(), "plank.mp4", b"FAKE:sag.mp4\n")
    at.selectbox(key="upload_client").select("Bo").run()
    at.button(key="upload_add").click().run()
    at = at.switch_page("webapp/library_page.py").run()
    assert at.selectbox(key="lib_client").value == bo.id


def test_missing_score_reads_n_a(calls: list[str], data_dir: Path, tmp_path: Path) -> None:
    from webapp.library_page import _session_rows

    library = Library(root=data_dir)
    session = library.add_clip(library.create_client("Ed").id, fake_clip(tmp_path, "sag.mp4"), "plank")
    library.close()
    assert _session_rows([dataclasses.replace(session, score=None)])[0]["score"] == "n/a"


def test_m4v_is_accepted(calls: list[str]) -> None:
    at = upload(app(), "phone.m4v", b"FAKE:sag.mp4\n")
    assert not at.exception and not at.error
    assert "sagging hips" in at.subheader[0].value.lower()


def test_no_icon_is_fetched_from_another_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit fetches a ':material/...:' favicon from fonts.gstatic.com; an emoji it draws itself."""
    import streamlit as st
    from streamlit.string_util import is_emoji

    icons: list[object] = []
    config, page = st.set_page_config, st.Page
    monkeypatch.setattr(st, "set_page_config", lambda **kw: icons.append(kw.get("page_icon")) or config(**kw))
    monkeypatch.setattr(st, "Page", lambda *a, **kw: icons.append(kw.get("icon")) or page(*a, **kw))
    assert not app().exception
    assert len(icons) == 4 and all(isinstance(i, str) and is_emoji(i) for i in icons), icons


def _live_page() -> None:
    from webapp import live

    live.page()


def test_live_asks_for_the_exercise_first() -> None:
    at = AppTest.from_function(_live_page, default_timeout=TIMEOUT).run()
    assert at.selectbox(key="live_exercise").value is None  # no silent deadlift
    assert not at.exception
    assert "Choose the exercise first" in texts(at)


# -- one real clip ----------------------------------------------------------------
@pytest.mark.clips
@pytest.mark.slow
def test_real_clip_upload() -> None:
    clip = shared_clip("formfit__deadlift.mp4")
    at = app()
    at.selectbox(key="upload_exercise").select("deadlift").run()
    at.file_uploader(key="upload_file").upload(clip.name, clip.read_bytes(), "video/mp4")
    at.run(timeout=240)
    assert not at.exception, at.exception
    assert not at.error, at.error[0].value
    assert "deadlift" in at.subheader[0].value.lower()
    assert at.metric[0].value.endswith("/100")
    assert "Not judged from this video" in texts(at)
