"""On ``PYTHONPATH`` (with the repository), this makes ``streamlit run app.py`` use a skeleton plank for the pose
model: Python imports ``sitecustomize`` at start-up, before the app.

For browser checks of the page itself (jumps, layout at a phone's width): every upload reads as the skeleton
plank whose hips sag from 3.5 s (``tests.helpers.fake_library``), in a second, and the clip shown is the uploaded
one (no annotated video is drawn), so a real playable clip plays under real findings.
"""

from __future__ import annotations

import analyzer.pipeline as pipeline
from analyzer.store.cache import AnalysisCache
from tests.helpers.fake_library import plank_analysis


def _skeleton_plank(path, exercise="auto", **_kwargs):
    return plank_analysis("sag_late.mp4", exercise)


pipeline.run_analysis = _skeleton_plank
AnalysisCache.annotated = lambda self, *args, **kwargs: None
