"""Fixtures for the browser tests: start the app and Chromium (the plain pieces are in ``chrome.py``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.chrome import chromium, streamlit_server


@pytest.fixture(scope="module")
def start_streamlit() -> Iterator[Callable[..., str]]:
    """``start(script, env, log_path, extra_args=())``: the URL of ``streamlit run script``.

    Every server started is stopped when the module's tests are done.
    """
    with contextlib.ExitStack() as stack:

        def start(*args: Any, **kwargs: Any) -> str:
            try:
                return stack.enter_context(streamlit_server(*args, **kwargs))
            except RuntimeError as error:
                pytest.fail(str(error))

        yield start


@pytest.fixture(scope="module")
def start_chromium() -> Iterator[Callable[..., Any]]:
    """``start(*extra_flags, **options)``: a headless Chromium (``chrome.chromium``).

    Every driver started is quit when the module's tests are done.
    """
    with contextlib.ExitStack() as stack:
        yield lambda *extra_flags, **options: stack.enter_context(chromium(extra_flags, **options))
