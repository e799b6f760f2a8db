"""Make the README's screenshots from the project's own rendered sample clips (no real person in them).

    .venv/bin/python tools/screenshots.py   # writes docs/upload_result.png and docs/live_coaching.png

Starts the app (``streamlit run app.py`` on a free local port, an empty data folder), then in
headless Chromium:

- *upload*: sends ``sample_videos/deadlift_rounded_back.mp4`` with the exercise left on auto,
  waits for the result, jumps the annotated video to the first finding and saves the page
  (verdict, annotated frame, finding cards, timeline; the window grows to hold the whole timeline);
- *live*: feeds Chromium's fake camera from ``sample_videos/squat_butt_wink.mp4`` (looped),
  opens ``/live?exercise=squat``, presses START, then Start set, and after ``--live-seconds`` saves the page at a
  moment when the drawn skeleton sits on the body (see ``LiveTruth``).

Each PNG is cropped to the page's content, at most 1400 px wide and under 400 KB. Needs
Debian's ``chromium`` and ``chromium-driver``, ``selenium`` and Pillow (all in the test extra);
the browser pieces are the browser tests' (``tests/browser/chrome.py``).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.chrome import (  # after ROOT is on the path
    browser_missing,
    chromium,
    click_button,
    click_in_component,
    fake_camera_flags,
    latency_readout,
    page_text,
    streamlit_server,
    wait_for,
    write_y4m,
)

UPLOAD_CLIP = ROOT / "sample_videos" / "deadlift_rounded_back.mp4"
LIVE_CLIP = ROOT / "sample_videos" / "squat_butt_wink.mp4"
MAX_WIDTH = 1400
MAX_BYTES = 400_000
WINDOW = (1400, 1800)
MAX_WINDOW_HEIGHT = 2600
COMMON_FLAGS = ("--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
                f"--window-size={WINDOW[0]},{WINDOW[1]}")

# Bottom of the page's content in CSS pixels (the main block, or the given element if any).
BOTTOM_SCRIPT = """
const el = arguments[0] || document.querySelector('[data-testid="stMainBlockContainer"]');
return el ? el.getBoundingClientRect().bottom : window.innerHeight;
"""
VIDEO_READY_SCRIPT = """
const v = document.querySelector('video');
return v && v.readyState >= 2 && !v.seeking ? v.currentTime : null;
"""


def save_png(png: bytes, out: Path, *, bottom_px: float | None = None, margin_px: int = 24) -> Path:
    """Crop a screenshot to ``bottom_px`` (+ margin), fit it into MAX_WIDTH and MAX_BYTES, write it."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if bottom_px is not None:
        image = image.crop((0, 0, image.width, min(image.height, int(bottom_px) + margin_px)))
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.LANCZOS)
    scale = 1.0
    while True:
        shown = image if scale == 1.0 else image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
        palette = shown.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        for candidate in (shown, palette):
            buffer = io.BytesIO()
            candidate.save(buffer, format="PNG", optimize=True)
            if buffer.tell() < MAX_BYTES:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(buffer.getvalue())
                size = f"{candidate.width}x{candidate.height}, {buffer.tell() // 1024} KB"
                print(f"{out}: {size}")
                return out
        scale *= 0.9


def upload_result(url: str, out: Path) -> Path:
    from selenium.webdriver.common.by import By

    with chromium(COMMON_FLAGS) as driver:
        driver.get(url)
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=file]"), 90,
                 "the upload page")
        driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(UPLOAD_CLIP))
        wait_for(driver, lambda d: "Score" in page_text(d) and "Downloads" in page_text(d), 300,
                 "the analysis result")
        assert "Traceback" not in page_text(driver)
        jumps = [b for b in driver.find_elements(By.TAG_NAME, "button") if b.text.startswith("▶")]
        if jumps:  # show the annotated frame of the first finding
            target = float(jumps[0].text.rstrip(" s").split("·")[-1].strip(" ▶"))
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", jumps[0])
            jumps[0].click()
            wait_for(driver, lambda d: abs((d.execute_script(VIDEO_READY_SCRIPT) or -9.0) - target) < 1.0,
                     30, f"the video at {target} s")
        wait_for(driver, lambda d: d.execute_script(VIDEO_READY_SCRIPT) is not None, 30, "a video frame")
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .main-svg"), 30,
                 "the timeline")
        driver.execute_script(
            "document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer], section')"
            ".forEach(e => e.scrollTop = 0); window.scrollTo(0, 0);"
        )
        time.sleep(1.5)  # the scroll and the video frame settle
        timeline = driver.find_element(By.CSS_SELECTOR, ".js-plotly-plot")
        bottom = driver.execute_script(BOTTOM_SCRIPT, timeline)
        missing = bottom + 24 - driver.execute_script("return window.innerHeight")
        if missing > 0:  # a taller window, so that the whole timeline is in the picture
            driver.set_window_size(WINDOW[0], min(MAX_WINDOW_HEIGHT, WINDOW[1] + int(missing)))
            time.sleep(1.5)
            bottom = driver.execute_script(BOTTOM_SCRIPT, timeline)
        return save_png(driver.get_screenshot_as_png(), out, bottom_px=bottom)


def live_coaching(url: str, out: Path, work: Path, seconds: float, shots: int) -> Path:
    camera = work / "camera.y4m"
    write_y4m(LIVE_CLIP, camera, seconds=60.0, fps=15)  # the whole clip; the fake camera loops it
    flags = (*COMMON_FLAGS, *fake_camera_flags(camera), "--autoplay-policy=no-user-gesture-required")
    with chromium(flags) as driver:
        driver.get(f"{url}/live?exercise=squat")
        wait_for(driver, lambda d: "Press START" in page_text(d), 90, "the live page")
        wait_for(driver, lambda d: latency_readout(d, "data-installed"), 30, "the camera wrapped to stamp its frames")
        click_in_component(driver, "START")
        started = time.monotonic()
        wait_for(driver, lambda d: "Reps:" in _status(d), 90, "the live status (is the WebRTC link up?)")
        click_button(driver, "live_start")  # the set begins after its countdown
        wait_for(driver, lambda d: "Reps: 0" not in _status(d), 90, "the first rep counted")
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        assert "Traceback" not in page_text(driver)
        png, fit = _best_aligned(driver, LiveTruth(LIVE_CLIP), shots)
        print(f"live after {time.monotonic() - started:.0f} s: {' | '.join(_status(driver).splitlines())}; "
              f"overlay on the body at {fit:.0%} of the joints checked")
        return save_png(png, out, bottom_px=driver.execute_script(BOTTOM_SCRIPT, None))


class LiveTruth:
    """The clip's frames (small, grey) and true joints, to tell how well a shown overlay sits on the body.

    On a busy machine the pose model lags the camera, so the skeleton drawn on a frame can be a
    few frames old; the screenshot is taken where it sits on the body (as it does on a normal machine).
    """

    JOINTS = (11, 12, 23, 24, 25, 26, 27, 28)  # shoulders, hips, knees, ankles (MediaPipe order)
    SMALL = (48, 64)

    def __init__(self, clip: Path) -> None:
        import json

        import numpy as np
        from PIL import Image

        from analyzer.io.video import iter_frames

        truth = json.loads(clip.with_suffix(".json").read_text())["frames"]
        self.frames = np.stack([
            np.asarray(Image.fromarray(f.rgb).convert("L").resize(self.SMALL), dtype=np.float32)
            for f in iter_frames(clip)
        ])
        self.joints = [[(x, y) for i, (x, y, _z) in enumerate(t["image"]) if i in self.JOINTS and t["visible"][i]]
                       for t in truth[: len(self.frames)]]

    def fit(self, shown: Any) -> tuple[float, float]:
        """Share of the visible joints of the frame on show that have the overlay's white on them, and how
        closely the shown frame matches the clip's (minus the mean squared difference: blur costs)."""
        import numpy as np

        small = np.asarray(shown.convert("L").resize(self.SMALL), dtype=np.float32)
        below = slice(self.SMALL[1] * 3 // 10, None)  # the counter and the angle cover the top
        errors = ((self.frames[:, below] - small[below]) ** 2).mean(axis=(1, 2))
        index = int(np.argmin(errors))
        rgb = np.asarray(shown.convert("RGB"))
        white = rgb.min(axis=2) >= 240
        h, w = white.shape
        r = max(3, w // 50)
        hits = [white[max(0, int(y * h) - r): int(y * h) + r, max(0, int(x * w) - r): int(x * w) + r].any()
                for x, y in self.joints[index]]
        return (float(np.mean(hits)) if hits else 0.0), -float(errors[index])


def _best_aligned(driver: Any, truth: LiveTruth, shots: int) -> tuple[bytes, float]:
    """Of ``shots`` screenshots a few tenths of a second apart, the one whose overlay best fits the body
    (of those that fit as well, the sharpest); with the share of joints it fits."""
    from PIL import Image

    rect = "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];"
    frame = driver.find_element("css selector", "iframe[title*='webrtc']")
    left, top, _, _ = driver.execute_script(rect, frame)
    driver.switch_to.frame(frame)
    try:  # the video is in the component's iframe
        box = driver.execute_script(rect, driver.find_element("tag name", "video"))
    finally:
        driver.switch_to.default_content()
    box = tuple(round(v + (left, top)[i % 2]) for i, v in enumerate(box))
    best: tuple[tuple[float, float], bytes] = ((-1.0, 0.0), b"")
    for _ in range(shots):
        png = driver.get_screenshot_as_png()
        fit = truth.fit(Image.open(io.BytesIO(png)).crop(box))
        if fit > best[0]:
            best = (fit, png)
        time.sleep(0.2)
    return best[1], best[0][0]


def _status(driver: Any) -> str:
    found = driver.find_elements("css selector", ".st-key-live_status")
    return found[0].text if found else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs (default docs/)")
    parser.add_argument("--live-seconds", type=float, default=15.0, help="how long the live set runs first")
    parser.add_argument("--live-shots", type=int, default=30,
                        help="live screenshots to pick from: the one whose overlay sits best on the body")
    parser.add_argument("--only", choices=("upload", "live"), help="make one of the two")
    args = parser.parse_args(argv)
    if missing := browser_missing():
        parser.error(missing)
    with tempfile.TemporaryDirectory(prefix="formcheck-shots-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "FORMCHECK_DATA": str(work / "data"), "FORMCHECK_ICE_LOOPBACK": "only",
               "PYTHONPATH": str(ROOT)}
        env.pop("FORMCHECK_PUBLIC", None)
        with streamlit_server("app.py", env, work / "streamlit.log", start_timeout_s=120,
                              extra_args=("--server.fileWatcherType", "none")) as url:
            if args.only in (None, "upload"):
                upload_result(url, args.out / "upload_result.png")
            if args.only in (None, "live"):
                live_coaching(url, args.out / "live_coaching.png", work, args.live_seconds, args.live_shots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
