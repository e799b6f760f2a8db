"""Where things are: the repository and the shared real clips (one place for every test and script).

The clips are other people's videos: read from outside the repository, never copied into it.
``FORMCHECK_CLIPS`` points elsewhere; by default they sit beside the checkout in ``../shared/clips``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLIPS_ENV = "FORMCHECK_CLIPS"
CLIPS = Path(os.environ.get(CLIPS_ENV) or REPO.parent / "shared" / "clips")


def clips_missing() -> str | None:
    """Why the real clips cannot be used here (a skip reason), or None."""
    if not CLIPS.is_dir():
        return f"the shared real clips are not at {CLIPS} (set {CLIPS_ENV})"
    return None


def shared_clip(name: str) -> Path:
    """The path of one shared clip; skips the calling test (or fixture) when it is not there."""
    import pytest

    path = CLIPS / name
    if not path.exists():
        pytest.skip(f"shared clip {path} is not here (the clips live outside the repository; set {CLIPS_ENV})")
    return path
