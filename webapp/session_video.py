"""A library session's annotated video, drawn in the server's analysis pool (``state.server_job``).

Adding clips in the library analyses them and files them; the drawing is queued behind, so the page is not
held up by it. A session filed without one (before this, or when the pool was full) gets it queued when it
is opened, and the page shows the drawing's progress until it replaces the original clip.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from analyzer.store.library import Library, SessionInfo
from webapp.state import UPLOAD_TYPES, Job, running_server_job, server_job
from webapp.widgets import current_cache, watch_job

LOG = logging.getLogger("formcheck.app")
POLL_S = 2.0
# Sessions whose drawing failed in this server process: not tried again at every look (the page would rerun
# and retry for ever); a restart tries again.
_FAILED: set[tuple[str, str, str]] = set()


def _key(session: SessionInfo) -> tuple[str, str, str]:
    return ("annotated", session.video.stem, session.exercise)


def annotated_video(session: SessionInfo) -> Path | None:
    """The session's annotated video when it has been drawn."""
    path = current_cache().annotated_path(session.video.stem, session.exercise)
    return path if path.exists() else None


def draw_annotated(library: Library, session: SessionInfo) -> Job | None:
    """Queue the drawing of the session's annotated video (once per session, whoever asks); None when there
    is nothing to draw (already drawn, or the session is a pose track with no video) or the pool is full."""
    key = _key(session)
    if key in _FAILED or annotated_video(session) is not None or not is_video(session):
        return None
    cache = current_cache()  # looked up here: the pool's thread has no Streamlit script around it

    def draw(job: Job) -> Path | None:
        try:
            drawn = cache.annotated(session.video, library.analysis(session.id), session.video.stem,
                                    progress=job.progress)
        except Exception:
            LOG.exception("the annotated video of session %s could not be drawn", session.id)
            drawn = None
        if drawn is None or not drawn.exists():
            _FAILED.add(key)
        return drawn

    return server_job(key, draw)


def is_video(session: SessionInfo) -> bool:
    """A session filed from a clip (a live session is kept as its pose track, a CSV: nothing to draw on)."""
    return session.video.suffix.lower().lstrip(".") in UPLOAD_TYPES


def drawing_progress(session: SessionInfo) -> None:
    """While the session's video is being drawn: how far along, and the page again once it is done."""
    job = running_server_job(_key(session))
    if job is not None:
        watch_job(job, _drawing_caption, every_s=POLL_S)


def _drawing_caption(job: Job) -> None:
    done, total = job.done_total
    share = f" ({done / total:.0%})" if total else ""
    st.caption(f"Drawing the annotated video{share}: it replaces the original clip here when it is ready.")
