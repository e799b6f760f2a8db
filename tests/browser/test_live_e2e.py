"""The live page in a real browser: Chromium's fake camera plays a real clip, the counter and a cue show up.

Chromium reads the fake camera from a YUV4MPEG2 file, written here from a
shared clip (a squat set that the offline analysis flags for forward lean).
Nothing leaves the machine: no STUN/TURN server, the browser is allowed
loopback ICE candidates and the server offers only 127.0.0.1
(``FORMCHECK_ICE_LOOPBACK=only``). Needs Debian's ``chromium`` and
``chromium-driver`` and the ``selenium`` package; screenshots go to
``artifacts/screenshots/live_*.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIPS = Path(os.environ.get("FORMCHECK_CLIPS", ROOT.parent / "shared" / "clips"))
CLIP = CLIPS / "gymtracker__squat.mp4"
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# The fake camera loops the file; 9 s hold four to five reps of the clip.
CAMERA_SECONDS = 9.0
CAMERA_FPS = 15
LIVE_TIMEOUT_S = 60

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
pytest.importorskip("streamlit_webrtc", reason="streamlit-webrtc is not installed")
pytestmark = [pytest.mark.clips, pytest.mark.slow, pytest.mark.timeout(240)]


def write_y4m(clip: Path, out: Path, *, seconds: float, fps: int, max_side: int = 640) -> tuple[int, int]:
    """Write the clip's first ``seconds`` as raw 4:2:0 YUV4MPEG2 (what Chromium's fake camera reads)."""
    import av

    from analyzer.video import iter_frames

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The live page served by ``streamlit run`` (the app's navigation, or a one-page harness without it)."""
    if not CLIP.exists():
        pytest.skip(f"shared clip {CLIP} is not here (the clips live outside the repository)")
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    work = tmp_path_factory.mktemp("live")
    if (ROOT / "app.py").exists() and "live_page" in (ROOT / "app.py").read_text():
        script, path = ROOT / "app.py", "/live"
    else:
        script, path = work / "harness.py", ""
        script.write_text("from webapp import live\n\nlive.page()\n")
    port = _free_port()
    env = {**os.environ, "FORMCHECK_DATA": str(work / "data"), "FORMCHECK_ICE_LOOPBACK": "only",
           "PYTHONPATH": str(ROOT)}
    env.pop("FORMCHECK_PUBLIC", None)
    log_path = work / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url + path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        print(f"server log: {log_path}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Headless Chromium whose camera is the clip (fake device, permission granted, loopback ICE allowed)."""
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    work = tmp_path_factory.mktemp("camera")
    camera = work / "clip.y4m"
    write_y4m(CLIP, camera, seconds=CAMERA_SECONDS, fps=CAMERA_FPS)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch a browser
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1400",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}", "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={work / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait(driver: Any, condition: Callable[[Any], Any], timeout: float, what: str) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.5).until(condition)
    except TimeoutException:
        driver.save_screenshot(str(SHOTS / "live_failure.png"))
        pytest.fail(f"timed out waiting for {what}; see artifacts/screenshots/live_failure.png")


def _click_in_component(driver: Any, label: str) -> None:
    """Click the streamlit-webrtc button (START/STOP), which lives in the component's iframe."""
    from selenium.webdriver.common.by import By

    frame = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "iframe[title*='webrtc']") or
                  d.find_elements(By.TAG_NAME, "iframe"), 60, "the webcam component")[0]
    driver.switch_to.frame(frame)
    try:
        button = _wait(driver, lambda d: [b for b in d.find_elements(By.TAG_NAME, "button")
                                          if b.text.strip().upper() == label], 30, f"the {label} button")[0]
        button.click()
    finally:
        driver.switch_to.default_content()


def _status(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, ".st-key-live_status")
    return found[0].text if found else ""


def _reps(status: str) -> int:
    match = re.search(r"Reps: (\d+)", status)
    return int(match.group(1)) if match else -1


def test_live_page_counts_reps_and_cues(live_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.get(f"{live_url}?exercise=squat")
    _wait(browser, lambda d: "Press START" in d.find_element(By.TAG_NAME, "body").text, 60, "the live page")
    _click_in_component(browser, "START")
    started = time.monotonic()
    _wait(browser, lambda d: _reps(_status(d)) >= 0, LIVE_TIMEOUT_S, "the live status (is the WebRTC link up?)")
    browser.save_screenshot(str(SHOTS / "live_start.png"))
    first = _reps(_status(browser))
    _wait(browser, lambda d: _reps(_status(d)) >= first + 2 and "Cue: none" not in _status(d), LIVE_TIMEOUT_S,
          "the rep counter to move and a cue to appear")
    status = _status(browser)
    browser.save_screenshot(str(SHOTS / "live_coaching.png"))
    print(f"live after {time.monotonic() - started:.1f} s: {status}")
    assert re.search(r"\d+ fps", status)

    _click_in_component(browser, "STOP")
    _wait(browser, lambda d: "Save to the trainer library" in d.find_element(By.TAG_NAME, "body").text, 60,
          "the set summary with its save button")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Traceback" not in text
    assert "rep" in text.lower() and "squat" in text.lower()
    browser.save_screenshot(str(SHOTS / "live_summary.png"))
