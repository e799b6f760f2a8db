"""The ``formcheck`` program killed or interrupted mid-analysis, as a real process with its real workers.

* SIGKILL (an OOM kill, a closed terminal's ``kill -9``): the worker processes die with it
  (``analyzer.workers`` asks the kernel to kill them when their parent dies), none is left running.
* Ctrl-C (SIGINT to the whole foreground process group): exit code 130 promptly, one line saying
  so, the workers gone, and ``--out`` exactly as before (the previous report whole, nothing staged).

Processes are found through ``/proc`` (each process's ``PPid``), so Linux only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import EXIT_INTERRUPTED, app
from analyzer.io.track_csv import write_track_csv
from tests.helpers import media
from tests.helpers import skeleton as sk

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

FORMCHECK = str(Path(sys.executable).parent / "formcheck")
# Long enough for two workers (two chunks of 450 frames: several seconds of pose estimation each)
# to be found busy; small enough to write in about a second.
CLIP_FRAMES = 900
# Only for waiting: how long processes may take to start, and to be gone once told to.
START_WITHIN_S = 120.0
GONE_WITHIN_S = 10.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("signals")
    return media.make_video(folder / "long set.mp4", width=160, height=120, n_frames=CLIP_FRAMES, fps=30)


def _parents() -> dict[int, int]:
    """Every live process's parent, from /proc (a process that ends while being read is skipped)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if not fields.get("State", "").startswith(("Z", "X")):  # a zombie has ended; only its entry is left
            parents[int(entry)] = int(fields["PPid"])
    return parents


def descendants(pid: int) -> set[int]:
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    return pids & set(_parents())


def workers_of(pid: int) -> set[int]:
    """The pool's worker processes (not multiprocessing's resource tracker)."""
    found = set()
    for child in descendants(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            found.add(child)
    return found


def wait_for(condition: Callable[[], bool], within_s: float) -> bool:
    """Whether ``condition`` came true within ``within_s`` (polled; the time is only a limit to wait)."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# Ctrl-C reaches a program whose SIGINT is at its default; a test run started in the background of
# a script inherits it ignored, so the program is started through a shim that restores it.
_WITH_DEFAULT_SIGINT = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"


def start(clip: Path, out: Path) -> subprocess.Popen[str]:
    """``formcheck analyze CLIP --workers 2`` in a process group of its own, as a shell starts a job."""
    return subprocess.Popen(
        [sys.executable, "-c", _WITH_DEFAULT_SIGINT, FORMCHECK, "analyze", str(clip), "--workers", "2", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def stop(proc: subprocess.Popen[str]) -> None:
    """Whatever is left of the run (its process group), killed: a failing test leaves nothing behind."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def wait_for_workers(proc: subprocess.Popen[str]) -> None:
    """Until both workers exist (the run must not have ended first)."""
    wait_for(lambda: len(workers_of(proc.pid)) == 2 or proc.poll() is not None, START_WITHIN_S)
    assert proc.poll() is None, f"formcheck ended before its workers were seen: {proc.communicate()}"
    assert len(workers_of(proc.pid)) == 2, "no two workers"


def test_killed_program_leaves_no_worker_running(clip: Path, tmp_path: Path) -> None:
    proc = start(clip, tmp_path / "out")
    try:
        wait_for_workers(proc)
        children = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert wait_for(lambda: not alive(children), GONE_WITHIN_S), f"still running: {alive(children)}"
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "out").exists()


def test_ctrl_c_exits_130_at_once_and_keeps_the_previous_report(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    track, _ = sk.plank(duration_s=4)
    write_track_csv(track, tmp_path / "earlier.csv")
    assert CliRunner().invoke(app, ["analyze", str(tmp_path / "earlier.csv"), "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    proc = start(clip, out)
    try:
        wait_for_workers(proc)
        children = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        stdout, stderr = proc.communicate(timeout=GONE_WITHIN_S)
        assert wait_for(lambda: not alive(children), GONE_WITHIN_S), f"still running: {alive(children)}"
    finally:
        stop(proc)
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert stderr.strip() == "formcheck: interrupted, nothing written.", stderr
    assert stdout == ""
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
