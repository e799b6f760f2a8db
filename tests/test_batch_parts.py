"""The batch's parts that need no Ray: which clips a SOURCE names, the journal a crash leaves, the library sink."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.batch.journal import Entry, Journal
from analyzer.batch.sinks import LibrarySink
from analyzer.batch.sources import Clip, SourceError, find_clips
from analyzer.pose.extract import ExtractOptions
from analyzer.store.files import sha256_file
from analyzer.store.library import Library
from tests.helpers.fake_library import fake_clip, plank_analysis


def _gym(tmp_path: Path) -> Path:
    for rel in ("ann/set1.mp4", "bob/set1.mp4", "bob/2024/deep.MOV", "notes.txt", "ann/report.json"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(rel.encode())
    return tmp_path


def test_a_folder_is_searched_recursively_for_videos_and_names_keep_apart(tmp_path: Path) -> None:
    clips = find_clips(str(_gym(tmp_path)))
    assert [c.name for c in clips] == ["ann/set1.mp4", "bob/2024/deep.MOV", "bob/set1.mp4"]
    assert [c.report_folder.as_posix() for c in clips] == ["ann/set1", "bob/2024/deep", "bob/set1"]


def test_a_list_file_and_a_glob_name_the_same_clips(tmp_path: Path) -> None:
    root = _gym(tmp_path / "gym")
    listing = tmp_path / "clips.txt"
    listing.write_text("# this week\ngym/ann/set1.mp4\n\ngym/bob/set1.mp4\n")
    assert [c.name for c in find_clips(str(listing))] == ["ann/set1.mp4", "bob/set1.mp4"]
    assert [c.name for c in find_clips(f"{root}/*/set1.mp4")] == ["ann/set1.mp4", "bob/set1.mp4"]


def test_a_source_naming_nothing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        find_clips(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="names no video"):
        find_clips(str(tmp_path / "empty"))


def test_the_journal_survives_a_line_torn_by_a_kill(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.record(Entry("a" * 64, "x.mp4", "done", "auto|k", frames=10))
    with open(path, "a") as fh:
        fh.write('{"sha256": "bbbb", "clip": "y.mp')  # killed mid-write
    again = Journal(path)
    assert again.settled("a" * 64, "auto|k") == Entry("a" * 64, "x.mp4", "done", "auto|k", frames=10)
    assert again.settled("a" * 64, "squat|k") is None  # another exercise: another result
    again.record(Entry("c" * 64, "z.mp4", "failed", "auto|k", "Not a video."))
    assert Journal(path).settled("c" * 64, "auto|k").message == "Not a video."


def test_the_library_sink_files_a_session_under_the_clips_folder_and_knows_it_is_done(tmp_path: Path) -> None:
    library = Library(root=tmp_path / "data")
    try:
        (tmp_path / "gym" / "ann").mkdir(parents=True)
        video = fake_clip(tmp_path / "gym" / "ann", "sag.mp4")
        sink = LibrarySink(library, "plank", ExtractOptions())
        sha = sha256_file(video)
        assert not sink.has(sha)
        sink.store(Clip(video, "ann/sag.mp4"), plank_analysis("sag.mp4"))
        [session] = library.sessions()
        assert (session.client_name, session.original_name, session.exercise) == ("ann", "sag.mp4", "plank")
        assert "plank.sagging_hips" in session.flags
        assert LibrarySink(library, "plank", ExtractOptions()).has(sha)  # a rerun's sink sees it done
    finally:
        library.close()
