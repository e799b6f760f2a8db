"""The clip on the page and the buttons that jump it to a finding.

A jump is done in the browser, not by rerunning the page with a new start time: the rerun redraws the video
only when the time changes (a second click on the same jump did nothing), never starts playback, and on a
phone, where the buttons sit below the video, leaves the video out of view. Here a click seeks the page's own
<video>, plays it and scrolls it into view when it is not, with no round trip to the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from analyzer.report import Finding
from webapp.state import plain

BROWSER_PLAYABLE = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/mp4", ".webm": "video/webm"}
# Portrait phone clips would fill the screen at full column width: cap the drawn height.
MAX_VIDEO_HEIGHT_PX = 560
MAX_JUMPS_PER_CARD = 8

_JUMPS_JS = """
function videoOf(player) { return document.querySelector('.' + player + ' video'); }

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector('.fc-jumps');
  root.replaceChildren(...data.buttons.map((spec) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'fc-jump';
    button.textContent = spec.label;
    button.title = spec.title;
    if (spec.targets.length) button.dataset.seconds = spec.targets[0].seconds ?? '';
    button.addEventListener('click', () => {
      const videos = spec.targets.map((t) => [videoOf(t.player), t.seconds]).filter(([v]) => v);
      if (!videos.length) return;
      const box = videos[0][0].getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) videos[0][0].scrollIntoView({ block: 'center' });
      for (const [video, seconds] of videos) {
        if (!spec.play) { video.pause(); continue; }
        if (seconds !== null) video.currentTime = seconds;
        video.play().catch(() => { video.muted = true; video.play().catch(() => {}); });
      }
    });
    return button;
  }));
}
"""
_JUMPS_CSS = """
.fc-jumps { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: 0.25rem 0; }
.fc-jump { font: inherit; font-size: 0.875rem; line-height: 1.6; padding: 0.2rem 0.7rem; cursor: pointer;
  white-space: nowrap; color: inherit; background: transparent; border: 1px solid rgba(128, 128, 128, 0.45);
  border-radius: 0.5rem; }
.fc-jump:hover, .fc-jump:focus-visible { border-color: #ff4b4b; color: #ff4b4b; }
"""
_jump_bar = st.components.v2.component(
    "formcheck_jumps", html="<div class='fc-jumps'></div>", css=_JUMPS_CSS, js=_JUMPS_JS, isolate_styles=False
)


@dataclass(frozen=True)
class Jump:
    label: str
    seconds: float


def _player_key(key: str) -> str:
    return f"{key}_player"


def _player_class(key: str) -> str:
    """The CSS class Streamlit gives the keyed container around the video (its key, other characters as '-')."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", _player_key(key))


def finding_jumps(group: list[Finding]) -> list[Jump]:
    """One jump per distinct start of a fault, in time order, each label different: 'rep 3 · 12.5 s'."""
    starts = sorted({(round(start / 1000.0, 1), f.rep) for f in group for start, _end in f.spans_ms})
    return [Jump(f"rep {rep} · {seconds:g} s" if rep else f"{seconds:g} s", seconds)
            for seconds, rep in starts[:MAX_JUMPS_PER_CARD]]


def _button(label: str, title: str, targets: dict[str, float | None], *, play: bool = True) -> dict[str, Any]:
    return {"label": label, "title": title, "play": play,
            "targets": [{"player": _player_class(key), "seconds": s} for key, s in targets.items()]}


def jump_bar(key: str, name: str, jumps: list[Jump]) -> None:
    """Buttons that play the video drawn by :func:`show_video` with the same ``key`` from their times."""
    if jumps:
        buttons = [_button(f"▶ {j.label}", f"Play the video from {j.seconds:g} s", {key: j.seconds}) for j in jumps]
        _jump_bar(key=f"{key}_jumps_{name}", data={"buttons": buttons})


def sync_bar(name: str, starts: dict[str, float], what: str) -> None:
    """'Play both' (each video from its own ``starts[key]``, at once) and 'Pause both', for videos drawn by
    :func:`show_video` under those keys: two sets side by side, aligned on ``what`` (e.g. 'rep 2')."""
    buttons = [_button(f"▶ Play both from {what}", f"Start every video at {what}, together", dict(starts)),
               _button("❚❚ Pause both", "Pause every video", dict.fromkeys(starts), play=False)]
    _jump_bar(key=f"sync_{name}", data={"buttons": buttons})


def show_video(path: Path | None, *, key: str, caption: str = "", start_s: float = 0.0,
               size: tuple[int | None, int | None] = (None, None)) -> None:
    """The clip (from ``start_s``), in a container :func:`jump_bar` finds; a note when the browser cannot play it."""
    if path is None or not Path(path).exists():
        st.info("The video is not available any more.")
        return
    suffix = Path(path).suffix.lower()
    if suffix == ".gif":
        st.image(str(path), caption=caption or None)
        st.caption("GIFs cannot jump to a time: the annotated video can.")
        return
    if suffix not in BROWSER_PLAYABLE:
        st.info(f"Browsers cannot play {plain(suffix)} files; the annotated video shows the clip when it is available.")
        return
    width, height = size
    fit = int(MAX_VIDEO_HEIGHT_PX * width / height) if width and height and height > width else "stretch"
    with st.container(key=_player_key(key)):
        st.video(str(path), format=BROWSER_PLAYABLE[suffix], start_time=start_s, width=fit)
        if caption:
            st.caption(caption)
