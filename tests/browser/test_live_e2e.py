"""The live page in a real browser: Chromium's fake camera plays a clip; the framing is told until Start set, a
countdown, then the counter and a cue show up and the cue is handed to the browser's speech synthesis; Pause
stops the counting.

Chromium reads the fake camera from a YUV4MPEG2 file, written here from one of
our rendered sample clips (push-ups whose hips sag by 20 deg: the offline
analysis flags every rep).
Nothing leaves the machine: no STUN/TURN server, the browser is allowed
loopback ICE candidates and the server offers only 127.0.0.1
(``FORMCHECK_ICE_LOOPBACK=only``). Needs Debian's ``chromium`` and
``chromium-driver`` and the ``selenium`` package; screenshots go to
``artifacts/screenshots/live_*.png``.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.browser.chrome import (
    ROOT,
    SHOTS,
    click_button,
    click_in_component,
    fake_camera_flags,
    skip_unless_runnable,
    wait_for,
    write_y4m,
)

CLIP = ROOT / "sample_videos" / "pushup_hip_sag.mp4"
# The fake camera loops the file; 9.3 s hold its three reps.
CAMERA_SECONDS = 9.3
CAMERA_FPS = 15
LIVE_TIMEOUT_S = 60
FAILURE_SHOT = "live_failure.png"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory, start_streamlit) -> str:
    """The live page served by ``streamlit run app.py``, as people open it."""
    skip_unless_runnable(CLIP)
    work = tmp_path_factory.mktemp("live")
    env = {**os.environ, "FORMCHECK_DATA": str(work / "data"), "FORMCHECK_ICE_LOOPBACK": "only",
           "PYTHONPATH": str(ROOT)}
    env.pop("FORMCHECK_PUBLIC", None)
    log_path = work / "streamlit.log"
    print(f"server log: {log_path}")
    return start_streamlit(ROOT / "app.py", env, log_path, extra_args=("--server.fileWatcherType", "none")) + "/live"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, start_chromium) -> Any:
    """Headless Chromium whose camera is the clip (fake device, permission granted, loopback ICE allowed)."""
    camera = tmp_path_factory.mktemp("camera") / "clip.y4m"
    write_y4m(CLIP, camera, seconds=CAMERA_SECONDS, fps=CAMERA_FPS)
    return start_chromium("--disable-dev-shm-usage", "--window-size=1400,1400", *fake_camera_flags(camera),
                          "--autoplay-policy=no-user-gesture-required")


def _wait(driver: Any, condition: Any, timeout: float, what: str) -> Any:
    return wait_for(driver, condition, timeout, what, shot=FAILURE_SHOT)


def _status(driver: Any) -> str:
    """The live status line's text ('' when there is none). It is re-drawn several times a second, so the
    element found may be gone by the time its text is read: then it is found again."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _ in range(40):
        try:
            found = driver.find_elements(By.CSS_SELECTOR, ".st-key-live_status")
            return found[0].text if found else ""
        except StaleElementReferenceException:
            time.sleep(0.05)
    return ""


def _reps(status: str) -> int:
    match = re.search(r"Reps: (\d+)", status)
    return int(match.group(1)) if match else -1


# Stands in for the browser's speech synthesis (headless Chromium has no voice): keeps what it was given.
RECORD_SPEECH = "window.__spoken = []; window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);"


def test_live_page_counts_reps_and_cues(live_url: str, browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.get(f"{live_url}?exercise=pushup")
    _wait(browser, lambda d: "Press START" in d.find_element(By.TAG_NAME, "body").text, 60, "the live page")
    browser.execute_script(RECORD_SPEECH)
    click_in_component(browser, "START", shot=FAILURE_SHOT)
    started = time.monotonic()
    _wait(browser, lambda d: "Press Start set" in _status(d) and "Framing:" in _status(d), LIVE_TIMEOUT_S,
          "the framing told before the set (is the WebRTC link up?)")
    browser.save_screenshot(str(SHOTS / "live_framing.png"))
    assert _reps(_status(browser)) == 0, "nothing is counted before Start set"

    click_button(browser, "live_start", shot=FAILURE_SHOT)
    _wait(browser, lambda d: "Starting in" in _status(d) or _reps(_status(d)) > 0 or "Form" in _status(d),
          LIVE_TIMEOUT_S, "the countdown")
    _wait(browser, lambda d: _reps(_status(d)) >= 2 and "Form looks good" not in _status(d), LIVE_TIMEOUT_S,
          "the rep counter to move and a cue to appear")
    status = _status(browser)
    browser.save_screenshot(str(SHOTS / "live_coaching.png"))
    print(f"live after {time.monotonic() - started:.1f} s: {status}")
    assert not re.search(r"fps|latency|dropped", status)  # the athlete's words, not the log's
    spoken = _wait(browser, lambda d: d.execute_script("return window.__spoken"), LIVE_TIMEOUT_S, "a spoken cue")
    assert any("hips" in text.lower() for text in spoken), spoken

    click_button(browser, "live_pause", shot=FAILURE_SHOT)
    _wait(browser, lambda d: "Paused" in _status(d), LIVE_TIMEOUT_S, "the pause")
    paused = _status(browser)
    _wait(browser, lambda d: _status(d) != paused, LIVE_TIMEOUT_S, "a status refresh while paused")
    assert "Paused" in _status(browser) and _reps(_status(browser)) == _reps(paused), "no reps counted while paused"
    browser.save_screenshot(str(SHOTS / "live_paused.png"))

    click_in_component(browser, "STOP", shot=FAILURE_SHOT)
    _wait(browser, lambda d: "Save to the trainer library" in d.find_element(By.TAG_NAME, "body").text, 60,
          "the set summary with its save button")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Traceback" not in text
    assert "rep" in text.lower() and "push-up" in text.lower()
    browser.save_screenshot(str(SHOTS / "live_summary.png"))
