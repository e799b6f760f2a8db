"""The library survives its writer being killed: SIGKILL at random points while sessions are added.

The writer is this module run as a script (``python -m tests.test_library_crash ROOT``): it adds
sessions in a loop through the library's own API, with a skeleton plank for the analysis, and
prints each session's id once ``add_clip`` has returned (committed). After each kill the library
is reopened, which sweeps, and must be whole: ``PRAGMA integrity_check`` says ok, every session
(every acknowledged one at least) has its video and its track and its report loads, and no file
is left that no session needs. ``FORMCHECK_STRESS_KILLS`` sets how many kills (the suite: 4,
``make stress``: 60); ``FORMCHECK_STRESS_SEED`` replays a run's kill points.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import analyzer.pipeline as pipeline
from analyzer.store.cache import FOLDERS
from analyzer.store.files import LOCK_FILE, is_temp, writing
from analyzer.store.library import DB_FILE, OWNER_FILE, Library
from tests.helpers.fake_library import fake_clip, plank_analysis

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("FORMCHECK_STRESS_KILLS", "4"))
SEED = int(os.environ.get("FORMCHECK_STRESS_SEED", random.randrange(2**32)))
# How long the writer runs before its kill, drawn anew each time: a few sessions' worth.
MAX_RUN_S = 0.6
# Bytes of each writer clip: enough that copying and fsyncing it is a window a kill can land in.
CLIP_BYTES = 256 * 1024
# Files of the library itself, beside the sessions' files.
LIBRARY_FILES = {DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", LOCK_FILE, OWNER_FILE}


def writer(root: Path) -> None:
    """Add sessions until killed, printing each id after its commit returned."""
    library = Library(root=root)
    client = next((c for c in library.clients() if c.name == "Writer"), None) or library.create_client("Writer")
    analysis = plank_analysis("sag.mp4")
    clips = root.parent / "clips"
    clips.mkdir(exist_ok=True)
    print("ready", flush=True)
    for i in itertools.count():
        clip = clips / f"{os.getpid()}-{i}.mp4"
        clip.write_bytes(b"FAKE:sag.mp4\n" + os.urandom(CLIP_BYTES))  # a new video each time
        session = library.add_clip(client.id, clip, "plank", analysis=analysis)
        print(session.id, flush=True)


def run_and_kill(root: Path, rng: random.Random) -> set[int]:
    """Start a writer, SIGKILL it after a random while; the session ids it acknowledged."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.test_library_crash", str(root)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        ready = proc.stdout.readline()
        assert ready == "ready\n", f"the writer did not start: {ready!r} {proc.stderr.read()}"
        time.sleep(rng.uniform(0.0, MAX_RUN_S))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the writer died by itself"
    return {int(line) for line in out.splitlines() if line.strip().isdigit()}


def leftovers(root: Path, library: Library) -> list[str]:
    """Every file or folder under ``root`` that is neither the library's own nor a session's."""
    sessions = library.sessions()
    videos = {s.video.name for s in sessions}
    shas = {s.video.stem for s in sessions}
    found = []
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if len(parts) == 1:
            kept = path.name in LIBRARY_FILES or path.name in ("videos", "library")
        else:
            kept = not is_temp(path.name) and (
                (parts[0] == "videos" and len(parts) == 2 and path.name in videos)
                or (parts[0] == "library" and len(parts) == 2 and path.name in FOLDERS)
                or (parts[0] == "library" and len(parts) == 3 and path.name[:64] in shas)
            )
        if not kept:
            found.append("/".join(parts))
    return found


def check_whole(library: Library, session_ids: set[int]) -> None:
    """Each session has its video and its kept track, and its report and analysis load."""
    for session_id in sorted(session_ids):
        info = library.session(session_id)
        assert info.video.is_file(), f"session {session_id} lost its video"
        assert library.report(session_id).exercise is not None
        assert library.analysis(session_id).track is not None  # from the kept track: no pose model


def test_killed_writers_leave_a_whole_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pose_model(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the pose model ran: a session's track was lost")

    monkeypatch.setattr(pipeline, "run_analysis", no_pose_model)
    rng = random.Random(SEED)
    root = tmp_path / "data"
    acknowledged: set[int] = set()
    checked: set[int] = set()
    for kill in range(KILLS):
        acknowledged |= run_and_kill(root, rng)
        library = Library(root=root)  # sweeps what the writer left
        try:
            where = f"after kill {kill + 1} of {KILLS} (FORMCHECK_STRESS_SEED={SEED})"
            with library.engine.connect() as db:
                assert db.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok", where
            present = {s.id for s in library.sessions()}
            assert acknowledged <= present, f"acknowledged sessions lost {where}: {sorted(acknowledged - present)}"
            check_whole(library, present - checked)  # committed but not yet acknowledged ones too
            checked |= present
            assert leftovers(root, library) == [], where
        finally:
            library.close()
    assert acknowledged, "no writer got as far as one session: the kills came too early to test anything"


def test_sqlite_runs_in_wal_mode_with_normal_sync(tmp_path: Path) -> None:
    library = Library(root=tmp_path)
    with library.engine.connect() as db:
        assert db.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert db.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert db.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    library.close()


def _plant_leftovers(root: Path, sha: str) -> list[Path]:
    """What killed writers leave: temp files and folders, and a video with a track but no session."""
    planted = [
        root / "videos" / f".{sha}.k2j4.part.mp4",
        root / "videos" / f"{sha}.mp4.part",
        root / "videos" / f"{'f' * 64}.mp4",
        root / "library" / "tracks" / f"{'f' * 64}-0123456789ab.csv",
        root / "library" / "uploads" / f".{'e' * 64}.x.part.mov",
        root / "library" / "annotated" / ".render.tmp" / "part000.mp4",
    ]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
    return planted


def test_opening_sweeps_orphans_but_never_a_sessions_file(tmp_path: Path) -> None:
    root = tmp_path / "data"
    library = Library(root=root)
    client = library.create_client("Ivy")
    session = library.add_clip(client.id, fake_clip(tmp_path, "sag.mp4"), "plank", analysis=plank_analysis())
    library.close()
    kept = sorted(p for p in root.rglob("*") if p.is_file() and p.parent.name != root.name)
    planted = _plant_leftovers(root, session.video.stem)

    reopened = Library(root=root)
    assert reopened.swept == len(planted)
    assert not any(p.exists() for p in planted) and not (root / "library" / "annotated" / ".render.tmp").exists()
    assert sorted(p for p in root.rglob("*") if p.is_file() and p.parent.name != root.name) == kept
    assert reopened.report(session.id).exercise is not None
    reopened.close()


def test_no_sweep_while_a_writer_is_busy(tmp_path: Path) -> None:
    root = tmp_path / "data"
    Library(root=root).close()
    planted = _plant_leftovers(root, "a" * 64)
    with writing(root):  # another process between copying a video and committing its session
        assert Library(root=root).swept == 0
    assert all(p.exists() for p in planted)
    assert Library(root=root).swept == len(planted)


def test_another_database_never_sweeps_this_ones_videos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FORMCHECK_DATABASE_URL switched for a while: that database has no sessions, yet the videos stay."""
    root = tmp_path / "data"
    library = Library(root=root)
    session = library.add_clip(
        library.create_client("Jo").id, fake_clip(tmp_path, "sag.mp4"), "plank", analysis=plank_analysis()
    )
    library.close()
    monkeypatch.setenv("FORMCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'trial.db'}")
    Library(root=root).close()
    assert session.video.exists()
    monkeypatch.delenv("FORMCHECK_DATABASE_URL")
    assert Library(root=root).report(session.id).exercise is not None


if __name__ == "__main__":
    writer(Path(sys.argv[1]))
