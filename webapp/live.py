"""Live coaching page: the browser's webcam -> :class:`analyzer.live.coach.LiveCoach` -> the overlay sent back.

WebRTC runs through ``streamlit-webrtc`` (aiortc on the server). It must work
on localhost with no STUN or TURN server, so both ICE configurations are
empty lists (an unset one makes streamlit-webrtc look for hosted TURN
credentials), and the server also offers a 127.0.0.1 host candidate: aioice
leaves loopback out on purpose (RFC 8445), which fails on a host whose only
interface is ``lo``. ``FORMCHECK_ICE_LOOPBACK`` = ``1`` (default: add
127.0.0.1), ``only`` (offer nothing else) or ``0`` (aioice's own choice).
A Chromium on such a host also needs ``--allow-loopback-in-peer-connection``.

The video frames are never queued: each frame is handed to a
:class:`~analyzer.live.coach.LatestFrameWorker` (which only ever processes the newest)
and returned at once with the latest result drawn on it, so the picture is
always live and the overlay trails it by one processing time at most. How
long it trails, as the user sees it, the browser measures (:mod:`webapp.latency`):
from getting a camera frame to showing the frame that carries its result.

A set is a session: START turns the camera on and the framing is told (one
line, and the coloured border the overlay draws) until Start set; a countdown
in frame time, then the set is judged until Pause. Each new cue is said aloud
by the browser (:mod:`webapp.speech`) unless muted.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import streamlit as st
from streamlit_webrtc import VideoProcessorBase, WebRtcMode, webrtc_streamer

from analyzer.draw.plots import measure_label
from analyzer.io.track_csv import write_track_csv
from analyzer.judging.registry import exercises
from analyzer.live.coach import AUTO, LatestFrameWorker, LiveCoach, LiveState, draw_live
from analyzer.live.framing import first_problem
from analyzer.pipeline import Analysis, InputError
from analyzer.report import Severity
from analyzer.store.library import Library, LibraryError, SessionInfo
from webapp.latency import WHAT_IS_MEASURED, ServerTimings, StampBook, camera_to_overlay_readout, server_line
from webapp.speech import speak
from webapp.state import get_library, login_gate, plain, score_text

LOG = logging.getLogger(__name__)
LOOPBACK_ENV = "FORMCHECK_ICE_LOOPBACK"
NO_ICE_SERVERS: dict[str, Any] = {"iceServers": []}
STATUS_REFRESH_S = 0.5
VIDEO_CLOCK = 90_000  # RTP's video clock (Hz)
# Below this many poses a second the coach misses the bottom of fast reps: the athlete is told.
SLOW_FPS = 8.0
WORKER_KEY = "live_worker"
SUMMARY_KEY = "live_summary"
SAID_KEY = "live_last_said"  # the cue code said last (said again only after it went away)
SAID_COUNT_KEY = "live_said"  # (number, text) of the last utterance: numbers only grow (see webapp.speech)


def enable_loopback_ice() -> None:
    """Make aiortc offer a 127.0.0.1 host candidate (see the module doc); idempotent."""
    mode = os.environ.get(LOOPBACK_ENV, "1").strip().lower()
    if mode in ("0", "false", "no"):
        return
    import aioice.ice

    original = getattr(aioice.ice.get_host_addresses, "__wrapped__", aioice.ice.get_host_addresses)

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        found = [] if mode == "only" else original(use_ipv4, use_ipv6)
        return found + ["127.0.0.1"] if use_ipv4 and "127.0.0.1" not in found else found

    host_addresses.__wrapped__ = original  # type: ignore[attr-defined]
    aioice.ice.get_host_addresses = host_addresses


def newest_frames_only() -> None:
    """Make aiortc's received video hand over only the newest decoded frame; idempotent.

    aiortc queues every decoded frame (unbounded) until the track is read, and it is read once per frame sent
    back. When processing a frame and encoding the answer take longer than a frame interval (a loaded machine),
    that queue grows and the picture falls ever further behind (seen here: ten seconds). Frames decoded while
    the previous one was in hand are skipped instead.

    The frame sent back keeps the time of the frame it answers (streamlit-webrtc copies it), so each frame is
    re-timed by when it is read: with its capture time, the skips and the processing's ups and downs look like
    network jitter to the browser, whose jitter buffer then holds the returned video ever longer (seen here: the
    picture ten seconds behind while the server kept up).
    """
    from aiortc.rtcrtpreceiver import RemoteStreamTrack

    original = getattr(RemoteStreamTrack.recv, "__wrapped__", RemoteStreamTrack.recv)

    async def newest(self: RemoteStreamTrack) -> Any:
        frame = await original(self)
        while self.kind == "video" and not self._queue.empty():
            newer = self._queue.get_nowait()
            if newer is None:  # the track's end: put back, for the next read to end on
                self._queue.put_nowait(None)
                break
            frame = newer
        if self.kind == "video":  # timed by when it is read: see the docstring
            frame.pts, frame.time_base = int(time.monotonic() * VIDEO_CLOCK), Fraction(1, VIDEO_CLOCK)
        return frame

    newest.__wrapped__ = original  # type: ignore[attr-defined]
    RemoteStreamTrack.recv = newest  # type: ignore[method-assign]


def _new_worker(exercise: str) -> LatestFrameWorker:
    """A coach that shows the skeleton and checks the framing until Start set is pressed."""
    return LatestFrameWorker(LiveCoach(exercise, background_eval=True, wait_for_start=True))


class CoachProcessor(VideoProcessorBase):
    """streamlit-webrtc video processor: hands frames to the coach, returns them with the overlay.

    ``recv`` stays cheap (a copy and some drawing) so it can run on aiortc's
    event loop for every frame; the pose model runs on the worker's thread.
    """

    def __init__(self, exercise: str) -> None:
        self.exercise = exercise
        self.worker = _new_worker(exercise)
        self.timings = ServerTimings()
        self._stamps = StampBook()
        self._t0: float | None = None

    def set_exercise(self, exercise: str) -> None:
        """Start over with another exercise (the old coach is closed)."""
        if exercise == self.exercise:
            return
        old, self.worker = self.worker, _new_worker(exercise)
        self.exercise = exercise
        old.stop()

    def recv(self, frame: av.VideoFrame) -> av.VideoFrame:
        rgb = frame.to_ndarray(format="rgb24")
        now = frame.time if frame.time is not None else time.monotonic()
        if self._t0 is None:
            self._t0 = now
        t_ms = (now - self._t0) * 1000.0
        self._stamps.keep(t_ms, rgb)
        self.worker.submit(rgb, t_ms)
        out = rgb.copy()  # the worker reads ``rgb``: draw on a copy
        state = self.worker.state
        if state is not None:
            draw_live(out, state)
            self.timings.add(state, self.worker.processed)
        self._stamps.put(out, rgb, state.t_ms if state is not None else None)  # for the page to read back
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    def on_ended(self) -> None:
        self.worker.stop()


@st.fragment(run_every=STATUS_REFRESH_S)
def _server_timings(processor: CoachProcessor) -> None:
    """The server's share of the latency, beside the browser's camera-to-overlay readout."""
    with st.container(key="live_timings"):
        st.caption(f"{server_line(processor.timings.summary())}  \n{WHAT_IS_MEASURED}")


def _angle_words(name: str, value: float) -> str:
    """'Knee angle 92°': the series in words (its unit, degrees, drawn as a sign)."""
    words = measure_label(name).removesuffix(" (deg)")
    return f"{words} {value:.0f}°"


IDLE_WORDS = {"waiting": "Press Start set when you are in position", "paused": "Paused: press Start set to go on"}


def _session_words(state: LiveState) -> str | None:
    """Where the session stands, when the set is not being judged."""
    if state.phase == "countdown":
        return f"Starting in {max(1, state.countdown or 1)}… get into position"
    return IDLE_WORDS.get(state.phase)


def status_line(state: LiveState | None, exercise_kind: str) -> str:
    """The live state in one line a person doing the set can read at a glance (shown under the video; the
    browser test reads it). How the computer keeps up is said only when it does not: frame rates, delays and
    skipped frames are for the log, not for the athlete."""
    if state is None:
        return "Waiting for the camera…"
    counter = f"Hold: {state.hold_s or 0.0:.0f} s" if exercise_kind == "hold" else f"Reps: {state.rep_count}"
    parts = [counter, *filter(None, [_session_words(state)])]
    if state.landmarks is None:
        return " · ".join([*parts, "Step back until your whole body is in the picture."])
    if state.framing:
        problem = first_problem(list(state.framing))
        parts.append(f"Framing: {problem.text}" if problem else "Framing: all right")
    if state.phase == "running" and state.recognising:
        parts.append("Recognising the exercise: start the set")
    elif state.phase == "running":
        parts.append(f"{state.cue_title}: {state.cue}" if state.cue_title else "Form looks good")
    if state.key_angle:
        parts.append(_angle_words(*state.key_angle))
    if 0 < state.fps < SLOW_FPS:
        parts.append("This computer is falling behind: close other programs.")
    return " · ".join(parts)


def session_control(coach: LiveCoach) -> None:
    """One button: Start set (after a countdown) while not judging, Pause while judging or counting down."""
    if coach.phase in ("waiting", "paused"):
        st.button("Start set", key="live_start", type="primary", on_click=coach.start)
    else:  # no tooltips: one would cover the camera's STOP button while the pointer rests here
        st.button("Pause", key="live_pause", on_click=coach.pause)


def say_new_cue(state: LiveState | None) -> None:
    """Say a cue aloud when it appears (once: the same cue on show is not said again). The last utterance
    stays on the page, so a status refresh does not take away the speech still going on."""
    code = state.cue_code if state is not None else None
    if not code:
        st.session_state.pop(SAID_KEY, None)  # the cue went away: the next one is said again
    elif st.session_state.get(SAID_KEY) != code:
        st.session_state[SAID_KEY] = code
        number = st.session_state.get(SAID_COUNT_KEY, (0, ""))[0] + 1
        st.session_state[SAID_COUNT_KEY] = (number, f"{state.cue_title}. {state.cue}")
    if SAID_COUNT_KEY in st.session_state:
        number, text = st.session_state[SAID_COUNT_KEY]
        speak(text, number)


def _status(worker: LatestFrameWorker, spoken: bool) -> None:
    """The session control, the live state in text, and the new cue said aloud."""
    session_control(worker.coach)
    state = worker.state
    with st.container(key="live_status"):
        st.markdown(status_line(state, state.kind if state else "reps"))
        if worker.error is not None:
            st.warning(f"Live analysis hit an error: {plain(worker.error)}")
    if spoken:
        say_new_cue(state)


def _summary(worker: LatestFrameWorker) -> dict[str, Any]:
    """The set judged offline from the whole session's poses (the estimator is closed first)."""
    worker.stop()
    if worker.coach.phase == "waiting":
        return {"error": "the set was never started: press Start set once you are in position."}
    try:
        analysis = worker.coach.summary()
    except InputError as exc:
        return {"error": str(exc)}
    except Exception as exc:
        LOG.exception("live summary failed")
        return {"error": f"the summary failed ({type(exc).__name__}: {exc})"}
    exercise = analysis.exercise.name if analysis.exercise else None  # None: never recognised
    return {"analysis": analysis, "exercise": exercise, "when": datetime.now()}


def _show_summary(result: dict[str, Any]) -> None:
    st.subheader("Your set")
    if "error" in result:
        st.info(f"Nothing to summarise: {plain(result['error'])}")
        return
    report = result["analysis"].report
    st.markdown(f"**{report.verdict}**")
    cols = st.columns(3)
    if report.hold is None:
        cols[0].metric("Reps", len(report.reps))
    else:
        cols[0].metric("Hold", f"{report.hold.duration_s:.0f} s")
    cols[1].metric("Score", score_text(report.score))
    cols[2].metric("Frames analysed", report.frames_with_pose)
    judged = [f for f in report.findings if f.assessable and f.severity != Severity.info]
    for f in sorted(judged, key=lambda f: (f.severity != Severity.danger, f.rep or 0)):
        where = f" (rep {f.rep})" if f.rep else ""
        st.markdown(f"- **{f.severity.value}** · {f.title}{where}: {f.cue}")
    not_judged = [f for f in report.findings if not f.assessable]
    if not_judged:
        with st.expander("Not judged from this camera view"):
            for f in not_judged:
                st.markdown(f"- {f.title}: {f.reason}")
    for note in report.notices:
        st.caption(note)
    if result["exercise"]:
        _save_to_library(result)


def save_live_session(library: Library, client_id: int, analysis: Analysis, exercise: str, when: datetime) -> SessionInfo:
    """File the live set under a client. The library stores sessions by file, so the pose track is the file."""
    name = f"live-{exercise}-{when:%Y%m%d-%H%M%S}.csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        write_track_csv(analysis.track, path)
        return library.add_clip(client_id, path, exercise, name=name, recorded_at=when, analysis=analysis)


def _save_to_library(result: dict[str, Any]) -> None:
    with st.expander("Save to the trainer library"):
        if not login_gate("live_login"):
            return
        library = get_library()
        clients = {c.name: c.id for c in library.clients()}
        new = "➕ New client…"
        choice = st.selectbox("Client", [*clients, new], key="live_client")
        name = st.text_input("New client's name", key="live_new_client") if choice == new else choice
        if st.button("Save to library", key="live_save", disabled=not name):
            try:
                client_id = clients.get(name) or library.create_client(name).id
                info = save_live_session(library, client_id, result["analysis"], result["exercise"], result["when"])
            except (LibraryError, OSError) as exc:
                st.error(f"Could not save: {plain(exc)}")
                return
            st.success(f"Saved for {plain(info.client_name)}: {plain(info.label if hasattr(info, 'label') else info.id)}.")


def page() -> None:
    """The live coaching page (called by the app's navigation)."""
    st.title("Live coaching")
    enable_loopback_ice()
    newest_frames_only()
    known = exercises()
    st.caption(
        "Film yourself from the side with your whole body in view: START turns the camera on, "
        "Start set begins the set after a 3-second countdown; Pause stops counting and cues until Start set. "
        "The video is processed on this computer and is not stored."
    )
    left, right = st.columns([3, 1])
    names = [*known, AUTO]
    wanted = st.query_params.get("exercise", "")  # ?exercise=squat: a bookmark straight to one's exercise
    # No default: a coach set up for the wrong exercise counts and cues nonsense; recognising is asked for.
    exercise = right.selectbox(
        "Exercise", names, index=names.index(wanted) if wanted in names else None,
        format_func=lambda n: known[n].title if n in known else "Recognise it", key="live_exercise",
        placeholder="Choose the exercise",
    )
    if exercise is None:
        left.info("Choose the exercise first: the live coach counts and judges one exercise at a time.")
        return
    spoken = right.toggle("Speak cues", value=True, key="live_speak",
                          help="Each new cue said aloud by the browser (on this computer, nothing sent anywhere).")
    with left:
        ctx = webrtc_streamer(
            key="live",
            mode=WebRtcMode.SENDRECV,
            video_processor_factory=lambda: CoachProcessor(exercise),
            async_processing=False,
            rtc_configuration=NO_ICE_SERVERS,
            server_rtc_configuration=NO_ICE_SERVERS,
            media_stream_constraints={"video": True, "audio": False},
        )
        camera_to_overlay_readout()
    processor = ctx.video_processor
    if ctx.state.playing and processor is not None:
        with left:
            _server_timings(processor)
        processor.set_exercise(exercise)
        st.session_state[WORKER_KEY] = processor.worker
        st.session_state.pop(SUMMARY_KEY, None)

        @st.fragment(run_every=STATUS_REFRESH_S)
        def live_status() -> None:
            _status(processor.worker, spoken)

        live_status()
        return
    worker = st.session_state.pop(WORKER_KEY, None)
    if worker is not None:
        with st.spinner("Judging the whole set…"):
            st.session_state[SUMMARY_KEY] = _summary(worker)
    if SUMMARY_KEY in st.session_state:
        _show_summary(st.session_state[SUMMARY_KEY])
    else:
        st.info("Press START to turn on the camera. Allow the browser to use it when asked.")


if __name__ == "__main__":
    page()
