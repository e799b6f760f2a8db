"""The result view in a real browser, at a laptop's and a phone's width: the jump buttons seek and play the
video, every time, with whole labels; on a phone the verdict and the video come first and a jump brings
the video into view.

Fast: the pose model is replaced by a skeleton plank (``fake_pose/sitecustomize.py``); the clip is a rendered
sample.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from analyzer.store.library import Library
from tests.browser.chrome import SHOTS, browser_missing, page_text, wait_for, wait_idle
from tests.helpers.fake_library import plank_analysis
from tests.helpers.paths import REPO

CLIP = REPO / "sample_videos" / "plank_sagging_hips.mp4"
FAKE_POSE = Path(__file__).resolve().parent / "fake_pose"
PHONE, LAPTOP = (390, 844), (1280, 900)
VIDEO_STATE = """
const v = document.querySelector('video'); if (!v) return null;
const box = v.getBoundingClientRect();
return {time: v.currentTime, paused: v.paused, top: box.top, bottom: box.bottom, height: window.innerHeight};
"""

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, start_streamlit, data_dir: Path) -> str:
    if missing := browser_missing():
        pytest.skip(missing)
    env = {**os.environ, "FORMCHECK_DATA": str(data_dir),
           "PYTHONPATH": os.pathsep.join([str(FAKE_POSE), str(REPO)])}
    env.pop("FORMCHECK_PUBLIC", None)
    return start_streamlit("app.py", env, tmp_path_factory.mktemp("log") / "streamlit.log")


def _open(start_chromium, url: str, size: tuple[int, int]):
    driver = start_chromium("--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                            "--mute-audio", f"--window-size={max(size[0], 500)},{size[1]}")
    # A headless window is at least 500 px wide: a phone's width is emulated (the page sees a 390 px viewport).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 500})
    driver.get(url)
    return driver


def _result(start_chromium, server: str, size: tuple[int, int]):
    driver = _open(start_chromium, server, size)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=file]"), 60, "the upload page")
    driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(CLIP))
    wait_for(driver, lambda d: "Downloads" in page_text(d) and d.find_elements(By.CSS_SELECTOR, "button.fc-jump"),
             90, "the result with its jump buttons")
    wait_for(driver, lambda d: d.execute_script("const v = document.querySelector('video'); return v && v.readyState >= 1;"),
             30, "the video's metadata")
    return driver


def _video(driver) -> dict:
    return driver.execute_script(VIDEO_STATE)


# Seeks and playback of the page's video, recorded as they happen (polling could miss a short clip's play).
# Read at 'seeking': no playback can move the position before the seek completes, whereas by the time a busy
# browser runs a 'seeked' handler the video may have played on past the tolerance (seen once in a full run).
WATCH_VIDEO = """
const v = document.querySelector('video');
window.fcSeeks = [];
if (!v.fcWatched) { v.addEventListener('seeking', () => window.fcSeeks.push(v.currentTime)); v.fcWatched = true; }
"""
PLAYED_FROM = """
const v = document.querySelector('video');
return window.fcSeeks.some((t) => Math.abs(t - arguments[0]) < 0.5) && (!v.paused || v.ended);
"""


def _click(driver, button) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def _jump(driver, button) -> float:
    """Click a jump once the video's seeks are watched; the time it jumps to."""
    driver.execute_script(WATCH_VIDEO)
    _click(driver, button)
    return float(button.get_attribute("data-seconds"))


def _plays_from(driver, seconds: float, what: str) -> None:
    wait_for(driver, lambda d: d.execute_script(PLAYED_FROM, seconds), 20,
             f"the video sought to {seconds} s and playing ({what})")


def test_jumps_seek_and_play_every_time_with_whole_labels(start_chromium, server: str) -> None:
    driver = _result(start_chromium, server, LAPTOP)
    jumps = driver.find_elements(By.CSS_SELECTOR, "button.fc-jump")
    labels = [b.text for b in jumps]
    assert all(b.get_property("scrollWidth") <= b.get_property("clientWidth") for b in jumps), labels  # not cut
    for card_labels in _labels_per_card(driver):
        assert len(card_labels) == len(set(card_labels)), card_labels
    target = _jump(driver, jumps[0])
    _plays_from(driver, target, "first click")
    wait_for(driver, lambda d: _video(d)["time"] > target + 1.2, 20, "the video to play on")
    _jump(driver, jumps[0])  # the same button again: back to its time
    _plays_from(driver, target, "second click")
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / "result_1280.png"))


def _labels_per_card(driver) -> list[list[str]]:
    bars = driver.find_elements(By.CSS_SELECTOR, ".fc-jumps")
    return [[b.text for b in bar.find_elements(By.CSS_SELECTOR, "button.fc-jump")] for bar in bars]


def test_on_a_phone_the_verdict_and_video_come_first_and_a_jump_shows_the_video(start_chromium, server: str) -> None:
    driver = _result(start_chromium, server, PHONE)
    assert driver.execute_script("return window.innerWidth") <= PHONE[0]
    driver.execute_script("window.scrollTo(0, 0)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / "result_390.png"))
    video = _video(driver)
    assert video["top"] < video["height"], "the video starts below the fold"
    verdict = driver.find_element(By.CSS_SELECTOR, "h3").rect["y"]
    metrics = min(m.rect["y"] for m in driver.find_elements(By.CSS_SELECTOR, "[data-testid=stMetric]"))
    assert verdict < video["top"] < metrics
    target = _jump(driver, driver.find_elements(By.CSS_SELECTOR, "button.fc-jump")[0])
    _plays_from(driver, target, "on a phone")
    wait_for(driver, lambda d: _video(d)["top"] >= -1 and _video(d)["bottom"] <= _video(d)["height"] + 1, 10,
             "the video in view after the jump")
    driver.save_screenshot(str(SHOTS / "result_390_jump.png"))


def _videos(driver) -> list[dict]:
    return driver.execute_script(
        "return [...document.querySelectorAll('video')].map(v => ({time: v.currentTime, paused: v.paused}));")


def _pick(driver, label: str, option: int) -> None:
    box = wait_for(driver, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=stSelectbox]")
                                           if e.text.startswith(label)), None), 20, f"the {label} picker")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.find_element(By.CSS_SELECTOR, "input").click()
    wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[role=option]")) > option, 10, f"{label}'s list")
    driver.find_elements(By.CSS_SELECTOR, "[role=option]")[option].click()
    wait_idle(driver, "the rerun")


def test_compare_plays_both_sessions_together(start_chromium, server: str, data_dir: Path) -> None:
    library = Library(root=data_dir)
    client = library.create_client("Ana Lima")
    for clip, skeleton in (("plank_sagging_hips.mp4", "sag_late.mp4"), ("plank_clean.mp4", "clean.mp4")):
        library.add_clip(client.id, REPO / "sample_videos" / clip, "plank", analysis=plank_analysis(skeleton))
    library.close()
    driver = _open(start_chromium, f"{server}/library", LAPTOP)
    tab = wait_for(driver, lambda d: next((t for t in d.find_elements(By.CSS_SELECTOR, "[role=tab]")
                                           if "Compare" in t.text), None), 60, "the Compare tab")
    tab.click()
    _pick(driver, "First session", 0)
    _pick(driver, "Second session", 1)
    wait_for(driver, lambda d: len(_videos(d)) == 2 and d.find_elements(By.CSS_SELECTOR, ".fc-jump"), 30,
             "both videos and the play-both button")
    play, pause = driver.find_elements(By.CSS_SELECTOR, ".fc-jump")
    _click(driver, play)
    wait_for(driver, lambda d: all(not v["paused"] and v["time"] > 0.5 for v in _videos(d)), 20, "both playing")
    first, second = _videos(driver)
    assert abs(first["time"] - second["time"]) < 0.5  # both sets start at 0 s: together, not one after the other
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / "compare_1280.png"))
    _click(driver, pause)
    wait_for(driver, lambda d: all(v["paused"] for v in _videos(d)), 10, "both paused")
