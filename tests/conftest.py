"""What every test module shares: the real clips' folder, the ``clips`` and ``slow`` markers, the
pose model replaced by skeleton tracks.

The markers are declared in pyproject.toml. A test marked ``clips`` is skipped when the shared
clips are absent, so no test module checks for them itself; the folder is ``tests.helpers.paths.CLIPS``
(``FORMCHECK_CLIPS``), also given by the ``clips_dir`` fixture, and ``tests.helpers.paths.shared_clip(name)``
skips when one named clip is missing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import analyzer.pipeline as pipeline
import analyzer.store.auth as auth
from tests.helpers.fake_library import fake_run_analysis
from tests.helpers.paths import CLIPS, clips_missing


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = clips_missing()
    if missing is None:
        return
    skip = pytest.mark.skip(reason=missing)
    for item in items:
        if item.get_closest_marker("clips") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def main_module_restored() -> Iterator[None]:
    """Streamlit's AppTest leaves its page script as ``__main__``; a process pool started later by
    another test (spawn) would then run that script in every worker (an AppTest.from_function script
    fails there with a NameError). Every test ends with the real ``__main__`` back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's tests: a data folder and database of the test's own, and a server that is local."""
    root = tmp_path / "data"
    monkeypatch.setenv("FORMCHECK_DATA", str(root))
    for name in ("FORMCHECK_DATABASE_URL", auth.ENV_PUBLIC, auth.ENV_HASH):
        monkeypatch.delenv(name, raising=False)
    return root


@pytest.fixture(scope="session")
def clips_dir() -> Path:
    """The shared real clips' folder (``FORMCHECK_CLIPS``); skips when it is not there."""
    if (missing := clips_missing()) is not None:
        pytest.skip(missing)
    return CLIPS


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pose model replaced by skeleton tracks (``helpers.fake_library``); the paths it was run on."""
    calls: list[str] = []

    def counting(path, *args, **kwargs):
        calls.append(str(path))
        return fake_run_analysis(path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "run_analysis", counting)
    return calls
