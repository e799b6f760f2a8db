"""What every browser check needs: the app served by ``streamlit run``, a headless Chromium, a wait.

Plain functions (no fixtures), so that the pytest fixtures in ``conftest.py``, the script
``check_video_plays.py`` and ``tools/screenshots.py`` share one copy. Needs Debian's
``chromium`` and ``chromium-driver`` and the ``selenium`` package; Selenium Manager is
never asked to fetch a browser (``SE_OFFLINE=true``): the system's executables are named.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# Every driver gets these: no window, no sandbox (containers), nothing fetched in the background.
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def browser_missing() -> str | None:
    """Why the browser checks cannot run here (to skip with), or None."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install selenium)"
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        return ("Debian's chromium and chromium-driver are not installed "
                "(apt-get install chromium chromium-driver)")
    return None


def skip_unless_runnable(clip: Path) -> None:
    """Skip the calling test (or fixture) when ``clip`` or the browser is missing.

    (The shared real clips' folder is ``tests.helpers.paths.CLIPS``; this module also runs as
    part of a script, without the tests package, so it does not import it.)
    """
    import pytest

    if not clip.exists():
        pytest.skip(f"clip {clip} is not here (the shared clips live outside the repository)")
    if missing := browser_missing():
        pytest.skip(missing)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    script: str | Path,
    env: Mapping[str, str],
    log_path: Path,
    *,
    extra_args: Iterable[str] = (),
    start_timeout_s: float = 60.0,
) -> Iterator[str]:
    """``streamlit run SCRIPT`` on a free local port with ``env``; its URL once ``/_stcore/health`` answers.

    The server's output goes to ``log_path``. It is stopped (terminate, then kill) on the way out.
    """
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--browser.gatherUsageStats", "false", *extra_args, "--server.port", str(port),
             "--server.address", "127.0.0.1"],
            cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text()[-2000:]
                raise RuntimeError(f"streamlit did not start (log {log_path}): {tail}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def chromium(
    extra_flags: Iterable[str] = (),
    *,
    logging_prefs: Mapping[str, str] | None = None,
    page_load_timeout_s: float | None = 60,
) -> Iterator[Any]:
    """Headless Chromium with :data:`BASE_FLAGS`, ``extra_flags`` and a fresh profile; quit on the way out.

    ``logging_prefs`` become the ``goog:loggingPrefs`` capability (e.g. ``{"performance": "ALL"}``).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch a browser
    profile = Path(tempfile.mkdtemp(prefix="formcheck-chromium-"))
    try:
        options = Options()
        options.binary_location = CHROMIUM
        for flag in (*BASE_FLAGS, *extra_flags, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        if logging_prefs:
            options.set_capability("goog:loggingPrefs", dict(logging_prefs))
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        try:
            if page_load_timeout_s is not None:
                driver.set_page_load_timeout(page_load_timeout_s)
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(
    driver: Any, condition: Callable[[Any], Any], timeout: float, what: str, *, shot: str = "failure.png"
) -> Any:
    """What ``condition(driver)`` returns once truthy; on timeout a screenshot in SHOTS, a test failure."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.5).until(condition)
    except TimeoutException:
        import pytest

        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SHOTS / shot))
        pytest.fail(f"timed out waiting for {what}; see artifacts/screenshots/{shot}")


def page_text(driver: Any) -> str:
    return driver.find_element("css selector", "body").text


def script_idle(driver: Any) -> bool:
    """True while the app's script is not running: no element greyed out as stale, no running icon."""
    from selenium.webdriver.common.by import By

    busy = "[data-stale='true'], [data-testid^='stStatusWidgetRunning']"
    return not driver.find_elements(By.CSS_SELECTOR, busy)


def wait_idle(driver: Any, what: str, *, timeout: float = 30, shot: str = "failure.png") -> None:
    """Wait until the app's script has been idle on two polls in a row: a rerun that has been asked for
    but has not started yet shows no sign on the first."""
    seen: list[bool] = []

    def settled(d: Any) -> bool:
        seen.append(script_idle(d))
        return seen[-2:] == [True, True]

    wait_for(driver, settled, timeout, what, shot=shot)


def click_until(driver: Any, key: str, answered: Callable[[Any], bool], what: str, *, tries: int = 3,
                shot: str = "failure.png") -> None:
    """Click the button ``key`` until ``answered(driver)``: a click that lands while the page is being
    re-drawn is lost (the button under the pointer is replaced), so an unanswered click is made again."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    for _ in range(tries - 1):
        wait_idle(driver, f"the page to settle before {what}", shot=shot)
        click_button(driver, key, shot=shot)
        try:
            WebDriverWait(driver, 20, poll_frequency=0.5).until(answered)
            return
        except TimeoutException:
            continue
    click_button(driver, key, shot=shot)
    wait_for(driver, answered, 30, what, shot=shot)


def write_y4m(clip: Path, out: Path, *, seconds: float, fps: int, max_side: int = 640) -> tuple[int, int]:
    """Write the clip's first ``seconds`` as raw 4:2:0 YUV4MPEG2 (what Chromium's fake camera reads)."""
    import av

    from analyzer.io.video import iter_frames

    size: tuple[int, int] | None = None
    with open(out, "wb") as fh:
        for frame in iter_frames(clip, fps=fps, end_ms=seconds * 1000.0, max_side=max_side):
            h, w = frame.rgb.shape[:2]
            if size is None:
                size = (w - w % 2, h - h % 2)
                fh.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
            rgb = frame.rgb[: size[1], : size[0]]
            yuv = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p").to_ndarray()
            fh.write(b"FRAME\n" + yuv.tobytes())  # (H * 3/2, W): the Y, U and V planes in a row
    if size is None:
        raise ValueError(f"no frames in {clip}")
    return size


def fake_camera_flags(y4m: Path) -> tuple[str, ...]:
    """Chromium flags: the camera is ``y4m`` (looped), permission granted, loopback ICE candidates allowed."""
    return (
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
        "--allow-loopback-in-peer-connection",
    )


def click_in_component(driver: Any, label: str, *, shot: str = "failure.png") -> None:
    """Click the streamlit-webrtc button (START/STOP), which lives in the component's iframe."""
    from selenium.webdriver.common.by import By

    frame = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "iframe[title*='webrtc']") or
                     d.find_elements(By.TAG_NAME, "iframe"), 60, "the webcam component", shot=shot)[0]
    driver.switch_to.frame(frame)
    try:
        button = wait_for(driver, lambda d: [b for b in d.find_elements(By.TAG_NAME, "button")
                                             if b.text.strip().upper() == label], 30, f"the {label} button",
                          shot=shot)[0]
        button.click()
    finally:
        driver.switch_to.default_content()


def click_button(driver: Any, key: str, *, shot: str = "failure.png") -> None:
    """Click one of the page's own buttons (its Streamlit key); the status refresh may re-draw it under the
    pointer: try again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    def clicked(d: Any) -> bool:
        try:
            d.find_element(By.CSS_SELECTOR, f".st-key-{key} button").click()
        except (NoSuchElementException, StaleElementReferenceException):
            return False
        return True

    wait_for(driver, clicked, 30, f"the {key} button", shot=shot)


def latency_readout(driver: Any, attribute: str | None = None) -> str:
    """The camera-to-overlay readout's text, or one of its attributes (in its component's frame); '' if none."""
    from selenium.webdriver.common.by import By

    frames = [f for f in driver.find_elements(By.TAG_NAME, "iframe")
              if "camera-to-overlay" in (f.get_attribute("srcdoc") or "")]
    if not frames:
        return ""
    driver.switch_to.frame(frames[0])
    try:
        found = driver.find_elements(By.ID, "camera-to-overlay")
        if not found:
            return ""
        return found[0].text if attribute is None else found[0].get_attribute(attribute) or ""
    finally:
        driver.switch_to.default_content()
