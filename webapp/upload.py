"""Upload page: drop a clip, pick the exercise, watch the progress, read the result.

Run by ``st.navigation`` as a page script; ``page()`` is also importable for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from analyzer.pipeline import Cancelled, InputError
from analyzer.workers import WorkerDied
from webapp import widgets
from webapp.state import (
    ANALYSIS_POOL,
    UPLOAD_TYPES,
    PoolFull,
    cancel_session_job,
    drop_session_jobs,
    exercise_options,
    get_library,
    login_gate,
    plain,
    session_job,
    warm_workers,
)

TIPS = (
    "Film from the side, the whole body in the frame, the camera steady at hip height, "
    "and the whole set from the first rep to the last."
)


# This session's jobs in the server's pool (st.session_state keys): the analysis, then the drawing.
ANALYSIS_JOB, RENDER_JOB = "upload_analysis_job", "upload_render_job"


def _cancel(name: str, key: tuple[str, ...]) -> None:
    st.session_state["upload_cancelled"] = key
    cancel_session_job(name)


def _retry() -> None:
    st.session_state.pop("upload_cancelled", None)


def _cancelled(say: Callable[[str], Any], message: str, again: str) -> None:
    say(message)
    st.button(again, on_click=_retry)


def analyse_with_progress(path: Path, exercise: str, *, name: str, sha: str, slot: Any) -> Any | None:
    """The cached or freshly computed analysis, with the place in the queue, a progress bar and Cancel;
    None after an error. It runs in the server's pool (``state.ANALYSIS_POOL``), as this session's job."""
    key = (sha, exercise, name)
    if st.session_state.get("upload_cancelled") == key:
        _cancelled(st.warning, "Analysis cancelled.", "Analyse again")
        return None
    cache, workers = widgets.current_cache(), ANALYSIS_POOL.workers_each
    try:
        job = session_job(ANALYSIS_JOB, key, lambda job: cache.analyse(
            path, exercise, name=name, sha=sha, workers=workers, progress=job.progress, should_cancel=job.should_cancel
        ))
        return widgets.wait_for_job(job, "Finding the body in each frame…", key="upload_cancel", slot=slot,
                                    on_cancel=lambda: _cancel(ANALYSIS_JOB, key))
    except PoolFull:
        st.warning("The server is busy with other people's analyses. Try again in a minute.")
        st.button("Try again", key="upload_busy_retry")
    except Cancelled:
        _cancelled(st.warning, "Analysis cancelled.", "Analyse again")
    except InputError as exc:
        st.error(plain(exc))
    except WorkerDied:
        widgets.LOG.exception("a worker died analysing %s", name)
        st.error(f"The analysis of {plain(name)} stopped twice because a worker process of the server ended "
                 "(out of memory?). Try again in a minute; if it keeps happening, report it with the clip.")
        st.button("Try again", key="upload_died_retry", on_click=drop_session_jobs, args=(ANALYSIS_JOB,))
    except Exception as exc:  # noqa: BLE001 - a clip nobody foresaw: say so on the page, log the details
        widgets.LOG.exception("analysis of %s failed", name)
        st.error(f"formcheck could not analyse {plain(name)} ({type(exc).__name__}: {plain(exc)}). Try another recording of the set; "
                 "if it keeps happening, report it with the clip.")
    return None


def annotated_or_progress(path: Path, analysis: Any, sha: str, slot: Any) -> Path | None:
    """The annotated clip once drawn (cached); until then None, with the drawing's progress and Cancel in
    ``slot`` and the page run again when it is done. Drawn in the server's pool after the result is shown:
    the findings do not wait for it."""
    cache = widgets.current_cache()
    exercise = analysis.report.exercise.name if analysis.report.exercise else "unknown"
    if cache.annotated_path(sha, exercise).exists():
        return cache.annotated_path(sha, exercise)
    key = (sha, exercise, "render")
    with slot.container():
        if st.session_state.get("upload_cancelled") == key:
            _cancelled(st.caption, "Annotated video cancelled.", "Draw the annotated video")
            return None
        try:
            job = session_job(RENDER_JOB, key, lambda job: cache.annotated(path, analysis, sha, progress=job.progress))
        except PoolFull:
            st.caption("The annotated video waits for a quieter moment: the server is busy. Showing the original clip.")
            return None
        if not job.done():
            widgets.watch_job(job, widgets.progress_and_cancel(
                "Drawing the annotated video; it replaces the original clip when ready…",
                key="render_cancel", on_cancel=lambda: _cancel(RENDER_JOB, key),
            ))
            return None
        try:
            return job.result()
        except Cancelled:
            _cancelled(st.caption, "Annotated video cancelled.", "Draw the annotated video")
        except Exception as exc:  # noqa: BLE001 - the analysis still stands without its drawing
            st.warning(f"The annotated video could not be made ({plain(exc)}); showing the original clip.")
    return None


def add_to_client(analysis: Any, path: Path, *, name: str, exercise: str) -> None:
    """File this result under a client of the trainer library (no second analysis)."""

    with st.expander("Add to a client's library"):
        if not login_gate(key="upload_login"):
            return
        library = get_library()
        clients = {c.name: c.id for c in library.clients()}
        choice = st.selectbox("Client", [*clients, "New client…"], key="upload_client")
        new_name = st.text_input("New client's name", key="upload_new_client") if choice == "New client…" else ""
        filmed = st.date_input("Filmed on", value=date.today(), key="upload_filmed_on")
        if st.button("Add to library", key="upload_add", type="primary"):
            try:
                client_id = clients[choice] if choice in clients else library.create_client(new_name).id
                session = library.add_clip(
                    client_id, path, exercise, name=name, analysis=analysis,
                    recorded_at=datetime.combine(filmed, datetime.now().time().replace(microsecond=0))
                    if filmed != date.today() else None,
                )
            except ValueError as exc:
                st.error(plain(exc))
                return
            st.session_state["lib_client"] = client_id  # the library opens on the client just filed to
            st.success(f"Added to {plain(session.client_name)}'s sessions.")
            st.page_link("webapp/library_page.py", label="Open the library", icon="👥")


def page() -> None:
    st.title("Analyse a set")
    warm_workers()  # while the visitor picks a clip: the workers are ready by the time it is dropped
    limit = st.get_option("server.maxUploadSize")
    intro = st.empty()  # the filming tips until a clip is in: then the result comes first (a phone's screen)
    options = exercise_options()
    exercise = st.selectbox("Exercise", list(options), format_func=options.get, key="upload_exercise")
    upload = st.file_uploader("Drop a clip here", type=UPLOAD_TYPES, key="upload_file")
    if upload is None:
        intro.caption(f"{', '.join(t.upper() for t in UPLOAD_TYPES)}, up to {limit} MB. {TIPS}")
        drop_session_jobs(ANALYSIS_JOB, RENDER_JOB)
        st.info("Nothing is sent anywhere: the clip is analysed on this computer.")
        return
    sha, path = widgets.current_cache().store_upload(upload.getvalue(), upload.name)
    slot = st.empty()  # progress of the analysis, then of the drawing; empty once done
    analysis = analyse_with_progress(path, exercise, name=upload.name, sha=sha, slot=slot)
    if analysis is None:
        return
    annotated = annotated_or_progress(path, analysis, sha, slot)
    widgets.result_view(analysis, path, key=f"upload_{sha[:12]}", annotated=annotated)
    add_to_client(analysis, path, name=upload.name, exercise=exercise)


if __name__ == "__main__":
    page()
