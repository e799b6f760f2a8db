"""Open annotated videos and HTML reports in headless Chromium: they must play to the end, offline.

Usage (Debian: ``apt-get install -y chromium chromium-driver``; ``selenium`` in the venv)::

    python tests/browser/check_video_plays.py --video out/annotated.mp4 --html out/report.html \
        --shots /tmp/render_shots

For each video: a small local page plays it muted with autoplay; it must reach ``ended``
with ``duration`` within a frame of the file's and no media error. For each report: the
page loads with no request other than file:/data: URLs (from Chromium's network log), the
timeline plot is drawn, the embedded video (if any) plays to the end. Full-page screenshots
go to ``--shots``. Prints one JSON line per item; exit status 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

try:
    from .chrome import chromium
except ImportError:  # run as a script: python tests/browser/check_video_plays.py
    from chrome import chromium  # type: ignore[no-redef]

# On top of chrome.BASE_FLAGS (headless, no sandbox, nothing fetched in the background).
CHROME_FLAGS = (
    "--autoplay-policy=no-user-gesture-required",
    "--disable-dev-shm-usage",
    "--mute-audio",
)
PLAY_TIMEOUT_EXTRA_S = 20.0

# Plays a <video> to its end and records what happened (read back by the driver).
PLAY_SCRIPT = """
const video = arguments[0], done = arguments[arguments.length - 1];
const state = {events: []};
const finish = (why) => done({why, ended: video.ended, duration: video.duration,
  currentTime: video.currentTime, width: video.videoWidth, height: video.videoHeight,
  error: video.error ? video.error.code : null, events: state.events});
['loadedmetadata', 'playing', 'ended', 'error', 'stalled'].forEach(e => video.addEventListener(e, () => {
  state.events.push(e); if (e === 'ended') finish('ended'); if (e === 'error') finish('error'); }));
video.muted = true;
setTimeout(() => finish('timeout'), arguments[1] * 1000);
if (video.ended) finish('ended');
else video.play().catch(err => { state.events.push('play-rejected: ' + err); });
"""

SEEK_SCRIPT = """
const video = arguments[0], t = arguments[1], done = arguments[arguments.length - 1];
video.pause();
video.addEventListener('seeked', () => setTimeout(() => done(video.currentTime), 200), {once: true});
video.currentTime = t;
"""


def _driver() -> Any:
    """A Chromium (a context manager) that keeps its network log for :func:`_requests`."""
    return chromium(CHROME_FLAGS, logging_prefs={"performance": "ALL"}, page_load_timeout_s=None)


def _requests(driver: Any) -> list[str]:
    """URLs the page asked for since the last call (Chromium's DevTools network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _full_screenshot(driver: Any, path: Path) -> None:
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 600)")
    driver.set_window_size(1200, min(int(height) + 40, 12000))
    time.sleep(0.3)
    driver.save_screenshot(str(path))
    driver.set_window_size(1200, 900)


def _expected_duration(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return float(s.duration * s.time_base) if s.duration else float(c.duration or 0) / 1e6


def _play(driver: Any, video: Any, timeout_s: float) -> dict[str, Any]:
    return driver.execute_async_script(PLAY_SCRIPT, video, timeout_s)


def check_video(driver: Any, path: Path, shots: Path, seek_s: list[float]) -> dict[str, Any]:
    """Play one MP4 in a local page to its end; screenshot frames at ``seek_s``."""
    expected = _expected_duration(path)
    page = shots / f"_play_{path.stem}.html"
    page.write_text(
        "<!DOCTYPE html><html><body style='margin:0;background:#222'>"
        f"<video id='v' muted playsinline preload='auto' style='max-width:100%;max-height:100vh' "
        f"src='{path.resolve().as_uri()}'></video></body></html>"
    )
    driver.get(page.resolve().as_uri())
    video = driver.find_element("id", "v")
    result = _play(driver, video, expected + PLAY_TIMEOUT_EXTRA_S)
    for t in seek_s:
        driver.execute_async_script(SEEK_SCRIPT, video, t)
        driver.save_screenshot(str(shots / f"{path.stem}_{t:.1f}s.png"))
    page.unlink(missing_ok=True)
    fps_tolerance = 0.1
    ok = (
        result["why"] == "ended"
        and result["error"] is None
        and abs(result["duration"] - expected) <= fps_tolerance
    )
    return {"item": str(path), "kind": "video", "ok": ok, "expected_duration": round(expected, 3), **result}


def check_report(driver: Any, path: Path, shots: Path, play_video: bool = True) -> dict[str, Any]:
    """Open a report: no network request, the plot drawn, the embedded video (if any) plays to the end."""
    _requests(driver)  # forget earlier pages
    driver.get(path.resolve().as_uri())
    time.sleep(1.5)
    plots = driver.execute_script("return document.querySelectorAll('.plotly-graph-div .main-svg').length")
    images = driver.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
    )
    videos = driver.find_elements("tag name", "video")
    _full_screenshot(driver, shots / f"{path.stem}_report.png")
    played = _play(driver, videos[0], 120.0) if videos and play_video else None
    if videos:
        driver.execute_script("arguments[0].scrollIntoView()", videos[0])
        driver.save_screenshot(str(shots / f"{path.stem}_report_video.png"))
    outside = [u for u in _requests(driver) if not u.startswith(("file:", "data:", "blob:", "about:"))]
    ok = not outside and plots > 0 and images == 0 and (played is None or played["why"] == "ended")
    return {
        "item": str(path),
        "kind": "report",
        "ok": ok,
        "network_requests": outside,
        "plots": plots,
        "broken_images": images,
        "video": played,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, action="append", default=[])
    parser.add_argument("--html", type=Path, action="append", default=[])
    parser.add_argument(
        "--seek", type=float, action="append", default=[], help="screenshot the video at these seconds"
    )
    parser.add_argument("--shots", type=Path, default=Path("/tmp/render_shots"))
    parser.add_argument("--no-report-video", action="store_true", help="do not play the video inside reports")
    args = parser.parse_args(argv)
    args.shots.mkdir(parents=True, exist_ok=True)
    failed = 0
    with _driver() as driver:
        driver.set_script_timeout(600)
        driver.set_window_size(1200, 900)
        for path in args.video:
            result = check_video(driver, path, args.shots, args.seek)
            failed += not result["ok"]
            print(json.dumps(result))
        for path in args.html:
            result = check_report(driver, path, args.shots, play_video=not args.no_report_video)
            failed += not result["ok"]
            print(json.dumps(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
