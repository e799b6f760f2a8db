"""What the pages share: the library opened once per server, its login, the upload picker's choices, the
one pool every analysis of the server runs in, and the warm worker processes those analyses use.

One module that every page imports, so that no page imports another.
"""

from __future__ import annotations

import atexit
import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import streamlit as st

import analyzer.store.auth as auth
from analyzer.judging.registry import exercises
from analyzer.pose.extract import Cancelled, prepare_worker
from analyzer.store.files import data_dir
from analyzer.store.library import DATABASE_ENV, Library
from analyzer.workers import WorkerPool, default_workers, pool_in_use

UPLOAD_TYPES = ["mp4", "mov", "m4v", "webm", "mkv", "avi", "gif"]  # what the README promises
# Backslash-escaped wherever user-written text (client names, notes, file names, messages quoting them) is
# shown through Streamlit's markdown: no link, image, HTML or colour directive of theirs takes effect.
MARKDOWN_SPECIALS = frozenset("\\`*_[](){}<>!#+-.|~$:")
# One per server process, shared by every browser session: guessing is limited per address and overall.
LOGIN_LIMITER = auth.LoginLimiter()


def plain(text: object) -> str:
    """``text`` as literal characters in st.markdown and every element or label that renders markdown."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in str(text)).replace("\n", " ")


def score_text(score: int | None) -> str:
    """A score as a reader sees it: a clip too short or unjudgeable has none, which is not the word 'None'."""
    return "n/a" if score is None else f"{score}/100"


def exercise_title(name: str) -> str:
    """An exercise as a reader names it: its title ('Glute bridge'), its name in words if the rules lost it."""
    known = exercises().get(name)
    return known.title if known is not None else name.replace("_", " ")


def exercise_options() -> dict[str, str]:
    """Picker entries: 'auto' first, then every exercise the rules know (name -> label)."""
    return {"auto": "Recognise it for me", **{name: ex.title for name, ex in exercises().items()}}


@st.cache_resource(show_spinner=False)
def _library(root: str, url: str) -> Library:
    return Library(url=url or None, root=Path(root))


def get_library() -> Library:
    """The library of this data folder and database, opened once per server."""
    return _library(str(data_dir()), os.environ.get(DATABASE_ENV, ""))


# -- login ---------------------------------------------------------------------
def _wait_text(seconds: float) -> str:
    seconds = math.ceil(seconds)
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"


def login_gate(key: str = "login") -> bool:
    """True when the library may be shown; otherwise draws the login form (or says how to set a password).

    A login lasts ``auth.SESSION_TTL_S`` (the time it was made is kept in the session state); wrong passwords
    are limited by ``LOGIN_LIMITER``, per visitor address and for all of them together.
    """
    if st.session_state.get("authenticated"):
        if auth.session_valid(st.session_state.get("authenticated_at"), time.time()):
            return True
        st.session_state.pop("authenticated", None)
        st.session_state.pop("authenticated_at", None)
        st.info("Your login has expired: log in again.")
    remote_ip, url = st.context.ip_address, st.context.url
    remote_ip = remote_ip if isinstance(remote_ip, str) else None  # AppTest has a mock here
    if not auth.needs_login(st.get_option("server.address"), remote_ip, url if isinstance(url, str) else None):
        return True
    stored = auth.stored_hash()
    if stored is None:
        st.error(
            "This app can be reached from other computers, so the trainer library needs a password, and none is "
            "set. On the server, run `formcheck set-password` (or set FORMCHECK_PASSWORD_HASH), then reload."
        )
        return False
    with st.form(f"{key}_form"):
        password = st.text_input("Library password", type="password", key=f"{key}_password")
        submitted = st.form_submit_button("Log in")
    if submitted:
        wait = LOGIN_LIMITER.begin(remote_ip)
        if wait > 0:  # refused without checking the password
            st.error(f"Too many tries. Wait {_wait_text(wait)} before trying again.")
            return False
        if auth.verify_password(password, stored):
            LOGIN_LIMITER.succeeded(remote_ip)
            st.session_state["authenticated"] = True
            st.session_state["authenticated_at"] = time.time()
            st.rerun()
        LOGIN_LIMITER.failed(remote_ip)
        st.error("Wrong password.")
    return False


# -- analyses: one bounded pool for the whole server ---------------------------------
# How many analyses run at once (default: one per core). Each gets cores // this many worker processes,
# so the server never runs more pose models than it has cores, however many people upload at once.
ANALYSES_ENV = "FORMCHECK_ANALYSES"
# Waiting and running jobs together. Past this a new one is refused, not queued: each holds an upload on
# disk (the upload cache keeps 12) and, once running, a decoder, a pose model and a track in memory.
MAX_UNFINISHED = 8
# A job nobody has watched this long (its browser tab was closed, its page left) stops at its next check.
ABANDONED_S = 60.0


class PoolFull(RuntimeError):
    """Too many analyses are waiting: the visitor is asked to try again shortly."""


class Job:
    """One piece of work in the pool, owned by one browser session (kept in its ``st.session_state``).

    The work runs on a pool thread and the session's script only reads ``progress`` and the result, so
    a rerun of the page (any click) neither stops nor restarts it; the rerun finds it and watches again.
    """

    def __init__(self, key: Hashable, seq: int, pool: AnalysisPool, abandon_after_s: float | None = ABANDONED_S) -> None:
        self.key = key
        self.seq = seq
        self.pool = pool
        self.abandon_after_s = abandon_after_s
        self.future: Future[Any] = Future()
        self.started = False
        self.done_total = (0, 0)
        self._stop = threading.Event()
        self._seen = time.monotonic()

    def progress(self, done: int, total: int) -> None:
        """The pipeline's progress callback (called on the pool thread)."""
        self.done_total = (done, total)

    def should_cancel(self) -> bool:
        """Polled by the pipeline: cancelled by its session, or abandoned by it."""
        if self._stop.is_set():
            return True
        return self.abandon_after_s is not None and time.monotonic() - self._seen > self.abandon_after_s

    def touch(self) -> None:
        """Someone is still watching (see ``ABANDONED_S``)."""
        self._seen = time.monotonic()

    def cancel(self) -> None:
        """Leave the queue, or stop at the pipeline's next check (rendering is not interruptible: it ends)."""
        self._stop.set()
        self.future.cancel()

    def done(self) -> bool:
        return self.future.done()

    def ahead(self) -> int:
        """Jobs queued before this one that have not finished (running or waiting)."""
        return self.pool.ahead(self)

    @property
    def stopping(self) -> bool:
        """Cancel was asked for (work that cannot be interrupted, a drawing, still runs to its end)."""
        return self._stop.is_set()

    def cancelled(self) -> bool:
        """Cancel was asked for, or the work ended cancelled: a new job is needed for the same key."""
        return self.stopping or self.future.cancelled() or (
            self.future.done() and isinstance(self.future.exception(), Cancelled)
        )

    def result(self) -> Any:
        """What the work returned; raises what it raised (``Cancelled`` when it never ran)."""
        try:
            return self.future.result()
        except CancelledError:
            raise Cancelled() from None


class AnalysisPool:
    """At most ``slots`` jobs at once, first come first served, each told to use ``workers_each`` processes.

    Threads, not processes: a job spends its time waiting on the worker processes that run the pose model
    and draw the video (``workers``: warm ones kept for the server's lifetime, shared by every job; without
    it each job starts its own), and its result stays in this process for the page.
    """

    def __init__(
        self, slots: int, cores: int, max_unfinished: int = MAX_UNFINISHED, workers: WorkerPool | None = None
    ) -> None:
        self.slots = max(1, min(slots, cores))
        self.workers_each = max(1, cores // self.slots)
        self.max_unfinished = max_unfinished
        self.workers = workers
        self._executor = ThreadPoolExecutor(self.slots, thread_name_prefix="formcheck-analysis")
        self._lock = threading.Lock()
        self._unfinished: dict[int, Job] = {}
        self._numbers = itertools.count()

    def submit(self, key: Hashable, work: Callable[[Job], Any], *, abandon_after_s: float | None = ABANDONED_S) -> Job:
        """Queue ``work(job)``; raises ``PoolFull`` when ``max_unfinished`` jobs are already in.

        ``abandon_after_s=None``: work nobody watches (it is never taken for abandoned)."""
        with self._lock:
            if len(self._unfinished) >= self.max_unfinished:
                raise PoolFull(f"{len(self._unfinished)} analyses are already running or waiting")
            job = Job(key, next(self._numbers), self, abandon_after_s)
            self._unfinished[job.seq] = job
            job.future = self._executor.submit(self._run, job, work)
        job.future.add_done_callback(lambda _future: self._forget(job))
        return job

    def ahead(self, job: Job) -> int:
        """Jobs queued before this one that have not finished (running or waiting)."""
        with self._lock:
            return sum(1 for seq in self._unfinished if seq < job.seq)

    def unfinished(self) -> int:
        with self._lock:
            return len(self._unfinished)

    def _run(self, job: Job, work: Callable[[Job], Any]) -> Any:
        job.started = True
        if job.should_cancel():  # abandoned while it waited
            raise Cancelled()
        with pool_in_use(self.workers):
            return work(job)

    def _forget(self, job: Job) -> None:
        with self._lock:
            self._unfinished.pop(job.seq, None)


def _sized_pool() -> AnalysisPool:
    """The server's pool, with one warm worker process per core: every job's tasks together never ask for
    more (``slots * workers_each <= cores``) but a drawing, which uses all cores and then waits its turn."""
    cores = default_workers()
    workers = WorkerPool(cores, warm_up=prepare_worker)
    atexit.register(workers.close)
    return AnalysisPool(int(os.environ.get(ANALYSES_ENV) or cores), cores, workers=workers)


ANALYSIS_POOL = _sized_pool()


def warm_workers() -> None:
    """Start the server's worker processes if they are not up yet (they load the pose model in the
    background), so that the first upload does not wait for them; returns at once."""
    if ANALYSIS_POOL.workers is not None:
        ANALYSIS_POOL.workers.start()


def session_job(name: str, key: Hashable, work: Callable[[Job], Any]) -> Job:
    """This browser session's job ``name`` for ``key``: the one already in, else ``work`` newly queued.

    Kept in ``st.session_state`` and nowhere else, so no session ever sees another's result. A job for
    another key (another clip or exercise) is cancelled and dropped: a session holds one result per name.
    """
    held: Job | None = st.session_state.get(name)
    if held is not None and held.key == key and not held.cancelled():
        return held
    drop_session_jobs(name)
    job = ANALYSIS_POOL.submit(key, work)
    st.session_state[name] = job
    return job


def drop_session_jobs(*names: str) -> None:
    """Cancel this session's jobs ``names`` and forget their results (the clip was removed or replaced)."""
    for name in names:
        job: Job | None = st.session_state.pop(name, None)
        if job is not None:
            job.cancel()


def cancel_session_job(name: str) -> None:
    """Stop this session's job ``name`` but keep it (its page says it was cancelled)."""
    job: Job | None = st.session_state.get(name)
    if job is not None:
        job.cancel()


# Work for the server, not for one browser session (a library session's annotated video): one job per key,
# and never more than this many unfinished, so that they never fill the queue people's uploads wait in.
MAX_SERVER_JOBS = 2
_SERVER_JOBS: dict[Hashable, Job] = {}
_SERVER_JOBS_LOCK = threading.Lock()


def server_job(key: Hashable, work: Callable[[Job], Any]) -> Job | None:
    """The job for ``key`` already running or waiting, else ``work`` newly queued, never abandoned (nobody
    waits for it: the page that asked goes on); None when the pool or the share of it for such work is full
    (the next page asking tries again)."""
    with _SERVER_JOBS_LOCK:
        held = _SERVER_JOBS.get(key)
        if held is not None and not held.done():
            return held
        if sum(not job.done() for job in _SERVER_JOBS.values()) >= MAX_SERVER_JOBS:
            return None
        try:
            job = ANALYSIS_POOL.submit(key, work, abandon_after_s=None)
        except PoolFull:
            return None
        _SERVER_JOBS[key] = job
    job.future.add_done_callback(lambda _future: _forget_server_job(key, job))
    return job


def _forget_server_job(key: Hashable, job: Job) -> None:
    with _SERVER_JOBS_LOCK:
        if _SERVER_JOBS.get(key) is job:
            del _SERVER_JOBS[key]


def running_server_job(key: Hashable) -> Job | None:
    """The unfinished server job for ``key``, if any."""
    with _SERVER_JOBS_LOCK:
        job = _SERVER_JOBS.get(key)
    return job if job is not None and not job.done() else None
