"""The app in a real browser: upload a real clip, wait for the result, check the findings, jump the video.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package
(no browser download: the system's executables are named). Screenshots go to
``artifacts/screenshots/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.chrome import SHOTS, click_until, page_text, skip_unless_runnable, wait_for, wait_idle
from tests.helpers.paths import CLIPS

CLIP = CLIPS / "formfit__squat.mp4"  # short (8.5 s), side-ish view, reps
RESULT_TIMEOUT_S = 150

pytestmark = [pytest.mark.clips, pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's data folder (``FORMCHECK_DATA``), empty at the start."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, start_streamlit, data_dir: Path) -> str:
    """``streamlit run app.py`` on a free local port with an empty data folder."""
    skip_unless_runnable(CLIP)
    env = {**os.environ, "FORMCHECK_DATA": str(data_dir)}
    env.pop("FORMCHECK_PUBLIC", None)
    return start_streamlit("app.py", env, tmp_path_factory.mktemp("log") / "streamlit.log")


def cached_tracks(data_dir: Path) -> dict[str, tuple[int, int]]:
    """The pose tracks the app's cache holds, each with its inode and mtime: rewritten when the pose
    model runs again (the cache replaces the file), untouched when the cache serves the result."""
    folder = data_dir / "cache" / "tracks"
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def browser(start_chromium):
    return start_chromium("--disable-dev-shm-usage", "--window-size=1400,2200")


def _upload(browser, server: str, screenshot: str | None = None) -> float:
    """Open the upload page, send the clip, wait for the result; returns the seconds it took (for the log)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.get(server)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=file]"), 60, "the upload page")
    if screenshot:
        browser.save_screenshot(str(SHOTS / screenshot))
    started = time.monotonic()
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(CLIP))
    wait_for(browser, lambda d: "Score" in page_text(d) and "Downloads" in page_text(d), RESULT_TIMEOUT_S,
             "the analysis result")
    return time.monotonic() - started


def _click_text(browser, tag: str, text: str) -> None:
    element = wait_for(
        browser, lambda d: next((e for e in d.find_elements(By.TAG_NAME, tag) if e.text.strip().endswith(text)), None),
        20, f"a {tag} saying {text!r}",
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def test_upload_a_clip_and_see_the_findings(server: str, browser) -> None:
    elapsed = _upload(browser, server, screenshot="upload_page.png")
    text = page_text(browser)
    assert "Traceback" not in text
    assert "squat" in text.lower()
    assert "Not judged from this video" in text
    # finding cards, the clean-set message, or the verdict saying what was not judged
    cards = "Do:" in text or "No form error found" in text or "no fault found in" in text
    assert cards, "neither finding cards nor what the set's verdict claims is shown"
    browser.save_screenshot(str(SHOTS / "upload_result.png"))
    # The findings come first; the annotated video replaces the original clip once drawn.
    wait_for(browser, lambda d: "Annotated: faults in colour." in page_text(d), RESULT_TIMEOUT_S, "the annotated video")
    wait_idle(browser, "the page with the annotated video")

    jumps = [b for b in browser.find_elements(By.TAG_NAME, "button") if b.text.startswith("▶")]
    if jumps:
        target = float(jumps[0].text.rstrip(" s").split("·")[-1].strip(" ▶"))
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", jumps[0])
        jumps[0].click()
        wait_for(
            browser,
            lambda d: abs(d.execute_script("const v = document.querySelector('video'); return v ? v.currentTime : -1;")
                         - target) < 1.0,
            20, f"the video to jump to {target} s",
        )
        browser.save_screenshot(str(SHOTS / "upload_jump.png"))
    print(f"result shown {elapsed:.1f} s after the upload")


def test_file_the_result_under_a_client_and_open_it(server: str, browser, data_dir: Path) -> None:
    before = cached_tracks(data_dir)
    assert before, "the first upload left no pose track in the cache"
    _upload(browser, server)
    assert cached_tracks(data_dir) == before  # the same clip again: served from the cache, no new pose run
    _click_text(browser, "summary", "Add to a client's library")
    name = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "input[aria-label=\"New client's name\"]"),
                    20, "the new client's name field")
    name.send_keys("Ana Lima", Keys.ENTER)
    click_until(browser, "upload_add", lambda d: "Added to Ana Lima's sessions." in page_text(d), "the confirmation")

    browser.get(f"{server}/library")
    wait_for(browser, lambda d: "Open a session" in page_text(d), 60, "the library's session list")
    browser.save_screenshot(str(SHOTS / "library_sessions.png"))
    picker = next(e for e in browser.find_elements(By.CSS_SELECTOR, "[data-testid=stSelectbox]")
                  if e.text.startswith("Open a session"))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", picker)
    picker.find_element(By.CSS_SELECTOR, "input").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=option]"), 10, "the session list")
    browser.find_elements(By.CSS_SELECTOR, "[role=option]")[0].click()
    wait_for(browser, lambda d: "Note on this session" in page_text(d) and "Score" in page_text(d), 60,
             "the opened session")
    assert "Traceback" not in page_text(browser)
    browser.save_screenshot(str(SHOTS / "library_session.png"))
