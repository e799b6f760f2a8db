"""The trainer library and the analysis cache, on skeleton tracks (no pose model, milliseconds a test).

The pose model is replaced by ``fake_pipeline`` (tests/conftest.py): clips are ``helpers.fake_library`` files.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import analyzer.pipeline as pipeline
import analyzer.store.auth as auth
from analyzer.store.cache import AnalysisCache
from analyzer.store.library import Library, LibraryError
from tests.helpers.fake_library import fake_clip, fake_run_analysis


@pytest.fixture
def library(tmp_path: Path, fake_pipeline: list[str]) -> Library:
    lib = Library(root=tmp_path / "data")
    yield lib
    lib.close()


def test_cache_runs_the_pose_model_once_per_content(tmp_path: Path, fake_pipeline: list[str]) -> None:
    cache = AnalysisCache(tmp_path / "cache")
    sha, stored = cache.store_upload(b"FAKE:sag.mp4\n", "my clip.MP4")
    assert stored.name == f"{sha}.mp4"  # named by content, never by the upload's name
    first = cache.analyse(stored, "plank", name="my clip.MP4")
    assert first.report.source.file == "my clip.MP4"
    assert cache.analyse(stored, "plank", name="my clip.MP4") is first
    # A new cache (a restart) rebuilds from the stored track, without the pose model.
    again = AnalysisCache(tmp_path / "cache").analyse(stored, "plank", name="other name.mp4")
    assert len(fake_pipeline) == 1
    assert again.report.source.file == "other name.mp4"
    assert [f.code for f in again.report.findings] == [f.code for f in first.report.findings]


def test_cache_remembers_bad_files(tmp_path: Path, fake_pipeline: list[str]) -> None:
    cache = AnalysisCache(tmp_path / "cache")
    _, stored = cache.store_upload(b"not a video", "x.mp4")
    for _ in range(2):
        with pytest.raises(pipeline.InputError, match="not a video"):
            cache.analyse(stored)
    assert len(fake_pipeline) == 1


def test_create_rename_delete_clients(library: Library, tmp_path: Path) -> None:
    ana = library.create_client("  Ana   Lima ")
    assert ana.name == "Ana Lima"
    bo = library.create_client("Bo")
    with pytest.raises(LibraryError, match="already a client"):
        library.create_client("bo".capitalize())
    with pytest.raises(LibraryError, match="needs a name"):
        library.create_client("   ")
    library.rename_client(bo.id, "Bo Chen")
    with pytest.raises(LibraryError, match="already"):
        library.rename_client(bo.id, "Ana Lima")
    assert [c.name for c in library.clients()] == ["Ana Lima", "Bo Chen"]

    shared = fake_clip(tmp_path, "sag.mp4")
    own = fake_clip(tmp_path, "pike.mp4")
    library.add_clip(ana.id, shared, "plank")
    kept = library.add_clip(bo.id, shared, "plank")
    gone = library.add_clip(ana.id, own, "plank")
    assert gone.video.exists() and gone.video.parent == library.root / "videos"
    assert gone.video.stem != "pike"  # stored by hash

    assert library.delete_client(ana.id) == 1  # the shared clip stays for Bo
    assert not gone.video.exists()
    assert kept.video.exists()
    assert [c.name for c in library.clients()] == ["Bo Chen"]
    assert [s.id for s in library.sessions()] == [kept.id]
    with pytest.raises(LibraryError, match="No client"):
        library.rename_client(ana.id, "Ana")


def test_sessions_list_filters_and_flags(library: Library, tmp_path: Path) -> None:
    client = library.create_client("Cy")
    start = datetime(2025, 1, 6, 9)
    for day, name in enumerate(["sag.mp4", "clean.mp4", "sag_late.mp4"]):
        library.add_clip(client.id, fake_clip(tmp_path, name), "plank", recorded_at=start + timedelta(days=day))
    rows = library.sessions(client.id)
    assert [r.original_name for r in rows] == ["sag_late.mp4", "clean.mp4", "sag.mp4"]  # newest first
    assert rows[2].flags == ["plank.sagging_hips"] and rows[2].score is not None and rows[2].score < 100
    assert rows[1].flags == [] and rows[1].score == 100
    assert {r.original_name for r in library.sessions(client.id, code="plank.head_dropping")} == {"sag_late.mp4"}
    assert len(library.sessions(client.id, exercise="plank")) == 3
    assert library.sessions(client.id, exercise="squat") == []
    assert library.finding_codes(client.id) == {
        "plank.head_dropping": "Head dropping", "plank.sagging_hips": "Sagging hips",
    }
    # The session opens to a full analysis (track and features) with the report as stored.
    opened = library.analysis(rows[0].id)
    assert opened.features is not None and opened.report == library.report(rows[0].id)


def test_notes_survive_a_restart(tmp_path: Path, fake_pipeline: list[str]) -> None:
    root = tmp_path / "data"
    lib = Library(root=root)
    client = lib.create_client("Eve")
    session = lib.add_clip(client.id, fake_clip(tmp_path, "sag.mp4"), "plank")
    lib.set_note(session.id, "Filmed at the gym, heavy day.")
    lib.set_note(session.id, "Cue: squeeze glutes", code="plank.sagging_hips")
    lib.set_note(session.id, "Cue: squeeze the glutes.", code="plank.sagging_hips")
    lib.close()

    reopened = Library(root=root)  # a new engine on the same SQLite file
    assert reopened.notes(session.id) == {
        "": "Filmed at the gym, heavy day.", "plank.sagging_hips": "Cue: squeeze the glutes.",
    }
    reopened.set_note(session.id, "  ")
    assert "" not in reopened.notes(session.id)
    # Opening the session after the restart does not run the pose model again.
    reopened.analysis(session.id)
    assert len(fake_pipeline) == 1
    reopened.close()


def test_database_url_switches_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("FORMCHECK_DATABASE_URL", url)
    lib = Library(root=tmp_path / "data")
    lib.create_client("Fay")
    lib.close()
    assert (tmp_path / "elsewhere.db").exists() and not (tmp_path / "data" / "formcheck.db").exists()


def test_bad_clip_leaves_nothing_behind(library: Library, tmp_path: Path) -> None:
    client = library.create_client("Gus")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(pipeline.InputError):
        library.add_clip(client.id, bad)
    assert library.sessions(client.id) == []
    assert not (library.root / "videos").exists() or not any((library.root / "videos").iterdir())


def test_export_json(library: Library, tmp_path: Path) -> None:
    client = library.create_client("Hal")
    session = library.add_clip(client.id, fake_clip(tmp_path, "sag.mp4"), "plank")
    library.set_note(session.id, "good effort")
    data = json.loads(library.export_json(client.id))
    assert data["client"] == "Hal" and data["sessions"][0]["notes"] == {"session": "good effort"}
    assert data["sessions"][0]["report"]["findings"][0]["code"] == "plank.sagging_hips"


def test_password_hash_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(auth.ENV_HASH, raising=False)
    stored = auth.hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert auth.verify_password("correct horse", stored)
    assert not auth.verify_password("wrong", stored)
    assert not auth.verify_password("correct horse", "garbage")
    assert stored != auth.hash_password("correct horse")  # salted
    assert auth.stored_hash(tmp_path) is None
    path = auth.set_password("s3cret", tmp_path)
    assert path.stat().st_mode & 0o077 == 0
    assert auth.verify_password("s3cret", auth.stored_hash(tmp_path))


@pytest.mark.parametrize(
    ("address", "remote", "url", "public"),
    [
        ("", None, "http://localhost:8501/", False),
        ("localhost", None, "http://127.0.0.1:8501/", False),
        ("", "192.0.2.7", "http://203.0.113.5:8501/", True),
        ("", None, "http://my-laptop.example:8501/", True),
        ("0.0.0.0", None, "http://localhost:8501/", False),
        ("203.0.113.5", None, None, True),
    ],
)
def test_login_is_needed_off_localhost(
    address: str, remote: str | None, url: str | None, public: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(auth.ENV_PUBLIC, raising=False)
    assert auth.needs_login(address, remote, url) is public
    monkeypatch.setenv(auth.ENV_PUBLIC, "1")
    assert auth.needs_login(address, remote, url)


def test_the_mask_is_asked_for_only_where_a_check_reads_it() -> None:
    options = pipeline.ExtractOptions()
    assert options.segmentation
    assert not pipeline.options_for("plank", options).segmentation
    assert pipeline.options_for("squat", options).segmentation  # butt wink: the spine estimator
    assert pipeline.options_for("auto", options).segmentation  # it may be a squat
    with pytest.raises(pipeline.InputError, match="zumba"):
        pipeline.options_for("zumba", options)


def test_a_track_made_with_the_mask_serves_an_exercise_that_does_not_read_it(
    tmp_path: Path, fake_pipeline: list[str]
) -> None:
    """Uploaded as auto, then named a plank: no second pose run. Named a plank first (no mask), then a
    squat: the squat needs the mask, so the pose model runs again rather than judging without it."""
    cache = AnalysisCache(tmp_path / "cache")
    _, auto_first = cache.store_upload(b"FAKE:sag.mp4\n", "a.mp4")
    cache.analyse(auto_first, "auto")
    cache.analyse(auto_first, "plank")
    assert len(fake_pipeline) == 1
    _, plank_first = cache.store_upload(b"FAKE:good.mp4\n", "b.mp4")
    cache.analyse(plank_first, "plank")
    cache.analyse(plank_first, "squat")
    assert len(fake_pipeline) == 3


def test_a_track_filed_without_the_mask_does_not_pass_for_one_with_it(tmp_path: Path, fake_pipeline: list[str]) -> None:
    cache = AnalysisCache(tmp_path / "cache")
    sha, stored = cache.store_upload(b"FAKE:sag.mp4\n", "a.mp4")
    analysis = fake_run_analysis(stored, "plank")
    analysis.report.processing["segmentation"] = False  # as a plank's upload is analysed
    cache.remember(sha, analysis)
    cache.analyse(stored, "plank")
    assert fake_pipeline == []  # served by the remembered track
    cache.analyse(stored, "squat")
    assert len(fake_pipeline) == 1
