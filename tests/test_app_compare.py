"""Compare two sessions side by side, played together from the same rep (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analyzer.store.cache import AnalysisCache
from analyzer.store.library import Library
from tests.helpers.fake_library import fake_clip
from tests.helpers.paths import REPO

pytestmark = pytest.mark.usefixtures("data_dir")  # tests/conftest.py: a data folder of its own


def _sync_buttons(at: AppTest) -> list[dict]:
    [bar] = [b for b in at.get("bidi_component") if b.proto.id.endswith("-sync_cmp")]
    return json.loads(bar.proto.json)["buttons"]


def test_compare_plays_both_videos_together_from_the_set_start(
    fake_pipeline: list[str], monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr(AnalysisCache, "annotated", lambda self, *a, **k: None)
    library = Library(root=data_dir)
    client = library.create_client("Ida")
    ids = [library.add_clip(client.id, fake_clip(tmp_path, name), "plank").id for name in ("sag.mp4", "clean.mp4")]
    library.close()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run().switch_page("webapp/library_page.py").run()
    at.selectbox(key="cmp_a").select(ids[0]).run()
    at.selectbox(key="cmp_b").select(ids[0]).run()
    assert "Choose two different sessions." in [i.value for i in at.info] and not at.exception
    at.selectbox(key="cmp_b").select(ids[1]).run()
    assert not at.exception
    play, pause = _sync_buttons(at)
    assert play["label"] == "▶ Play both from the start of the set" and play["play"]
    assert {t["player"] for t in play["targets"]} == {f"st-key-cmp_{i}_player" for i in ids}
    assert not pause["play"] and len(pause["targets"]) == 2
