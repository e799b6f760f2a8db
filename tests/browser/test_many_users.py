"""Many people on one server: analyses wait their turn in one bounded pool, and each browser session
sees its own result, never another's.

The fast tests check the pool (``webapp.state.AnalysisPool``) and two Streamlit sessions through
AppTest with the pose model replaced by skeleton tracks. The browser test opens Chromium sessions
on one ``streamlit run app.py``, each uploading a different rendered sample clip (the first seconds
of ``sample_videos/``, re-encoded) at once, with the real pose model; it prints the server's peak
RSS and how long each session waited. Two sessions by default, the server allowed one analysis at a
time so that the second must show its place in the queue; ``FORMCHECK_STRESS_SESSIONS=4`` (``make
stress-app``) runs four at 1080p with the server's own pool size. Skipped without Chromium.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import av
import pytest
from streamlit.testing.v1 import AppTest

import webapp.state as state
from analyzer.judging.registry import exercises, get_exercise
from analyzer.pose.extract import Cancelled
from analyzer.store.cache import AnalysisCache
from tests.browser.chrome import SHOTS, browser_missing, page_text, wait_for, wait_idle
from tests.helpers.paths import REPO
from webapp.upload import ANALYSIS_JOB

SESSIONS = int(os.environ.get("FORMCHECK_STRESS_SESSIONS") or 2)
STRESS = SESSIONS > 2
# Rendered clips of distinct exercises: a session showing another's exercise got another's result.
SAMPLES = (
    ("plank_sagging_hips.mp4", "plank"),
    ("squat_clean.mp4", "squat"),
    ("pushup_hip_sag.mp4", "pushup"),
    ("glute_bridge_clean.mp4", "glute_bridge"),
)
SECONDS = 8.0 if STRESS else 4.0
SHORT_SIDE = 1080 if STRESS else None  # 1080p: the rendered 480x640 clips scaled up
RESULT_TIMEOUT_S = 300 * SESSIONS
RSS_EVERY_S = 0.5
FAILED = "[data-testid=stException], [data-testid=stAlertContentError]"  # a crash or an error message: no wait
MIB = 1 << 20


# -- the pool ------------------------------------------------------------------------
@pytest.fixture
def pool() -> Iterator[state.AnalysisPool]:
    made = state.AnalysisPool(slots=2, cores=2, max_unfinished=4)
    yield made
    made._executor.shutdown(wait=True, cancel_futures=True)


def _until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_pool_runs_its_slots_in_order_and_says_how_many_are_ahead(pool: state.AnalysisPool) -> None:
    gate, running, most = threading.Event(), [0], [0]
    lock = threading.Lock()

    def work(job: state.Job) -> Any:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        gate.wait(30)
        with lock:
            running[0] -= 1
        return job.key

    jobs = [pool.submit(f"clip{i}", work) for i in range(4)]
    _until(lambda: jobs[0].started and jobs[1].started, "the first two jobs to start")
    assert [j.started for j in jobs] == [True, True, False, False]
    assert [j.ahead() for j in jobs] == [0, 1, 2, 3]
    with pytest.raises(state.PoolFull):
        pool.submit("one too many", work)

    jobs[2].cancel()  # a waiting job leaves the queue at once
    assert jobs[2].cancelled() and jobs[3].ahead() == 2
    with pytest.raises(Cancelled):
        jobs[2].result()
    gate.set()
    assert [jobs[i].result() for i in (0, 1, 3)] == ["clip0", "clip1", "clip3"]
    assert not jobs[2].started and most[0] == 2 and pool.unfinished() == 0


def test_a_running_job_stops_when_cancelled_or_abandoned(
    pool: state.AnalysisPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def until_told(job: state.Job) -> None:
        while not job.should_cancel():
            time.sleep(0.01)
        raise Cancelled()

    job = pool.submit("a", until_told)
    _until(lambda: job.started, "the job to start")
    job.cancel()
    with pytest.raises(Cancelled):
        job.result()
    assert job.cancelled()

    monkeypatch.setattr(state, "ABANDONED_S", 0.0)  # nobody watched it: its tab was closed
    with pytest.raises(Cancelled):
        pool.submit("b", until_told).result()


def test_workers_per_analysis_keep_the_machine_bounded() -> None:
    for slots, cores in [(2, 2), (1, 8), (3, 8), (16, 4)]:
        sized = state.AnalysisPool(slots, cores)
        assert sized.slots * sized.workers_each <= cores
        assert sized.slots == min(slots, cores) and sized.workers_each >= 1


def test_two_sessions_each_keep_their_own_result(
    fake_pipeline: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMCHECK_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("FORMCHECK_DATABASE_URL", raising=False)
    monkeypatch.setattr(AnalysisCache, "annotated", lambda self, *a, **k: None)  # fake clips are no videos

    def session(name: str) -> AppTest:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
        at.file_uploader(key="upload_file").upload(name, f"FAKE:{name}\n".encode(), "video/mp4")
        return at

    sagging, clean = session("sag.mp4").run(), session("clean.mp4").run()
    sagging.run()  # a rerun of the first, after the second analysed its clip
    assert "sagging hips" in sagging.subheader[0].value.lower()
    assert "sagging hips" not in clean.subheader[0].value.lower()
    assert sagging.session_state[ANALYSIS_JOB] is not clean.session_state[ANALYSIS_JOB]
    assert len(fake_pipeline) == 2


# -- real browsers ---------------------------------------------------------------------
def sample_clip(name: str, out: Path, *, seconds: float, short_side: int | None = None) -> Path:
    """The first ``seconds`` of a rendered sample clip, scaled so its short side is ``short_side``."""
    with av.open(str(REPO / "sample_videos" / name)) as source, av.open(str(out), "w") as target:
        video = source.streams.video[0]
        width, height = video.width, video.height
        if short_side:
            scale = short_side / min(width, height)
            width, height = round(width * scale / 2) * 2, round(height * scale / 2) * 2
        stream = target.add_stream("libx264", rate=video.average_rate, options={"crf": "20", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in source.decode(video):
            if frame.time is not None and frame.time >= seconds:
                break
            picture = frame.to_ndarray(format="rgb24", width=width, height=height)
            target.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        target.mux(stream.encode())
    return out


def _server_pid(url: str) -> int:
    """The ``streamlit run`` process serving ``url`` (found by its port on the command line)."""
    port = f"--server.port\0{urlparse(url).port}\0".encode()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and port in (proc / "cmdline").read_bytes():
                return int(proc.name)
        except OSError:
            continue
    raise RuntimeError(f"no process serves {url}")


def _status_kib(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def _tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and every process under it (the pose model's workers)."""
    parents: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit():
                parents[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, total = [pid], 0
    while tree:
        current = tree.pop()
        try:
            total += _status_kib(current, "VmRSS") * 1024
        except OSError:
            continue
        tree += [child for child, parent in parents.items() if parent == current]
    return total


class RssWatch:
    """Samples the server's process tree in a thread; the server's own peak is the kernel's VmHWM."""

    def __init__(self, pid: int) -> None:
        self.pid, self.tree_peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(RSS_EVERY_S):
            self.tree_peak = max(self.tree_peak, _tree_rss(self.pid))

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def server_peak(self) -> int:
        return _status_kib(self.pid, "VmHWM") * 1024


@dataclass
class Visitor:
    """One browser session and what it was seen doing (times from its upload, for the report)."""

    driver: Any
    clip: Path
    exercise: str
    sent: float = 0.0
    queue_texts: list[str] = field(default_factory=list)
    started_s: float | None = None
    result_s: float | None = None

    def look(self, now: float) -> None:
        text = page_text(self.driver)
        for line in text.splitlines():
            if "ahead of yours" in line and line not in self.queue_texts:
                self.queue_texts.append(line)
        if self.started_s is None and "Finding the body" in text:
            self.started_s = now - self.sent
        if "Score" in text and "Downloads" in text or self.driver.find_elements("css selector", FAILED):
            self.result_s = now - self.sent


def _choose_exercise(driver: Any, title: str) -> None:
    from selenium.webdriver.common.by import By

    picker = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=stSelectbox] input"), 60,
                      "the exercise picker")[0]
    picker.click()
    option = wait_for(driver, lambda d: [o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]")
                                         if o.text.strip() == title], 20, f"the option {title!r}")[0]
    option.click()
    wait_for(driver, lambda d: picker.get_attribute("value") == title, 20, "the exercise chosen")
    wait_idle(driver, "the rerun after choosing the exercise")


def _shown_exercise(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    metrics = [m.text for m in driver.find_elements(By.CSS_SELECTOR, "[data-testid=stMetric]")]
    return next((m.splitlines()[1] for m in metrics if m.startswith("Exercise") and "\n" in m), "")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    if missing := browser_missing():
        pytest.skip(missing)
    if SESSIONS > len(SAMPLES):
        pytest.skip(f"FORMCHECK_STRESS_SESSIONS={SESSIONS}: at most {len(SAMPLES)} distinct exercises")
    folder = tmp_path_factory.mktemp("clips")
    return [(sample_clip(name, folder / f"session{i}_{name}", seconds=SECONDS, short_side=SHORT_SIDE), exercise)
            for i, (name, exercise) in enumerate(SAMPLES[:SESSIONS])]


@pytest.mark.slow
@pytest.mark.timeout(RESULT_TIMEOUT_S + 300)
def test_browser_sessions_at_once_each_see_their_own_result(
    clips: list[tuple[Path, str]], tmp_path_factory: pytest.TempPathFactory, start_streamlit, start_chromium
) -> None:
    from selenium.webdriver.common.by import By

    env = {**os.environ, "FORMCHECK_DATA": str(tmp_path_factory.mktemp("data"))}
    for name in ("FORMCHECK_PUBLIC", "FORMCHECK_DATABASE_URL", state.ANALYSES_ENV):
        env.pop(name, None)
    if not STRESS:
        env[state.ANALYSES_ENV] = "1"  # one at a time: the second session must wait and say so
    url = start_streamlit("app.py", env, tmp_path_factory.mktemp("log") / "streamlit.log")
    titles = {name: ex.title for name, ex in exercises().items()}
    visitors = [Visitor(start_chromium("--disable-dev-shm-usage", "--window-size=1400,2200"), clip, exercise)
                for clip, exercise in clips]
    for visitor in visitors:
        visitor.driver.get(url)
        _choose_exercise(visitor.driver, titles[visitor.exercise])

    with RssWatch(_server_pid(url)) as rss:
        for visitor in visitors:  # all at once: each upload only starts the browser sending
            visitor.sent = time.monotonic()
            visitor.driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(visitor.clip))
        deadline = time.monotonic() + RESULT_TIMEOUT_S
        while any(v.result_s is None for v in visitors) and time.monotonic() < deadline:
            for visitor in (v for v in visitors if v.result_s is None):
                visitor.look(time.monotonic())
            time.sleep(0.2)

    SHOTS.mkdir(parents=True, exist_ok=True)
    figures = {
        "sessions": SESSIONS,
        "clip_size": SHORT_SIDE and f"{SHORT_SIDE}p" or "as rendered",
        "seconds": SECONDS,
        "server_peak_rss_mib": round(rss.server_peak() / MIB),
        "server_and_workers_peak_rss_mib": round(rss.tree_peak / MIB),
        "visitors": [{"exercise": v.exercise, "started_after_s": v.started_s and round(v.started_s, 1),
                      "result_after_s": v.result_s and round(v.result_s, 1), "queue": v.queue_texts}
                     for v in visitors],
    }
    print("\n" + json.dumps(figures, indent=1))
    (SHOTS.parent / f"many_users_{SESSIONS}.json").write_text(json.dumps(figures, indent=1))
    for i, visitor in enumerate(visitors):
        assert visitor.result_s is not None, f"session {i} ({visitor.exercise}) showed no result"
        # The findings come before the annotated video; the page runs again when it is drawn.
        wait_for(visitor.driver, lambda d: not d.find_elements(By.CSS_SELECTOR, ".st-key-render_cancel"),
                 RESULT_TIMEOUT_S, f"session {i}'s annotated video")
        wait_idle(visitor.driver, f"session {i}'s page to settle")
        visitor.driver.save_screenshot(str(SHOTS / f"many_users_{SESSIONS}_{i}_{visitor.exercise}.png"))
        text = page_text(visitor.driver)
        assert "Traceback" not in text and "could not analyse" not in text
        assert _shown_exercise(visitor.driver) == get_exercise(visitor.exercise).title
    if not STRESS:
        assert any(v.queue_texts for v in visitors), "no session showed its place in the queue"
