"""The live status line in the athlete's words, and a server log free of the app's noise: no Arrow
traceback for a client's table that mixes reps and holds, no warnings from the pose model's worker processes
(issue 18)."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from analyzer.live.coach import LiveState
from analyzer.store.library import SessionInfo
from tests.helpers.paths import REPO
from webapp.library_page import _session_rows
from webapp.live import status_line


def _state(**kw) -> LiveState:
    base = dict(t_ms=0.0, landmarks=np.zeros((33, 2)), visibility=np.ones(33), kind="reps", rep_count=3,
                key_angle=("knee_deg", 92.4), fps=24.0, latency_ms=30.0, dropped=185)
    return LiveState(**{**base, **kw})


def test_the_live_status_speaks_to_the_athlete() -> None:
    line = status_line(_state(cue="Push the knees out.", cue_title="Knees caving in"), "reps")
    assert line.startswith("Reps: 3 · Knees caving in: Push the knees out.")
    assert "92°" in line
    for log_word in ("dropped", "185", "fps", "latency", "Cue:", "_"):
        assert log_word not in line
    assert "Form looks good" in status_line(_state(), "reps")
    assert "Hold: 12 s" in status_line(_state(kind="hold", hold_s=12.4), "hold")
    assert "whole body" in status_line(_state(landmarks=None), "reps")


def test_a_slow_computer_is_said_in_words() -> None:
    assert "falling behind" in status_line(_state(fps=4.0), "reps")
    assert "falling behind" not in status_line(_state(fps=24.0), "reps")


def _session(i: int, reps: int, hold_s: float | None) -> SessionInfo:
    return SessionInfo(id=i, client_id=1, client_name="Ana", recorded_at=datetime(2026, 3, i), original_name=f"{i}.mp4",
                       exercise="plank" if hold_s else "squat", reps=reps, hold_s=hold_s, score=80, verdict="",
                       flags=[], video=Path(f"{i}.mp4"))


def test_a_table_of_reps_and_holds_converts_to_arrow() -> None:
    rows = _session_rows([_session(1, 5, None), _session(2, 0, 37.0)])
    table = pa.Table.from_pylist(rows)  # what st.dataframe does; a mixed column raises ArrowTypeError
    assert table.column("reps / hold").to_pylist() == ["5 reps", "37 s"]


def test_a_worker_process_importing_the_app_draws_nothing() -> None:
    """What a spawned pose worker does with the parent's main file: import it as __mp_main__. It must neither
    draw the app (a "missing ScriptRunContext" warning per st call) nor load the pages (their caches warn)."""
    probe = (
        "import runpy, sys; runpy.run_path('app.py', run_name='__mp_main__'); "
        "print(sorted(m for m in sys.modules if m.startswith('webapp')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert "ScriptRunContext" not in done.stderr and "No runtime" not in done.stderr, done.stderr
    assert done.stdout.strip() == "[]"


def test_no_page_has_a_statement_streamlits_magic_would_write() -> None:
    """The pages are scripts of the app's navigation, read by Streamlit's magic: an expression statement that is
    not a call is written on the page (or, multi-line, breaks it: the live summary after STOP showed a
    SyntaxError). Only calls, docstrings and awaits stand alone."""
    pages = ("webapp/upload.py", "webapp/live.py", "webapp/library_page.py")
    written = [
        f"{page}:{node.lineno}"
        for page in pages
        for node in ast.walk(ast.parse((REPO / page).read_text()))
        if isinstance(node, ast.Expr) and not isinstance(node.value, (ast.Call, ast.Constant, ast.Await))
    ]
    assert written == []
