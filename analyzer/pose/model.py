"""Finding the pose model: the built-in 'full' bundle, or 'lite'/'heavy' on request.

The 'full' PoseLandmarker bundle ships inside the package
(``analyzer/pose/models/pose_landmarker_full.task``), built reproducibly from
Google's PyPI wheel by ``tools/build_pose_model.py``; using it never touches
the network. 'lite' and 'heavy' exist only on Google's model storage and are
downloaded when asked for, into ``$FORMCHECK_CACHE`` (default
``~/.cache/formcheck``).

Nothing here touches the network at import time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

MODEL_VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")

# Google's documented download address for the PoseLandmarker bundles.
MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
)

MODEL_SHA256: dict[str, str] = {
    # Our build (tools/build_pose_model.py, mediapipe 0.10.21 wheel); rebuild to re-derive.
    "full": "05d3e11aab17c3b7cb639e5955da641fea75f2a5c12836bc01c453aef1b9f019",
    # 'lite' and 'heavy' are not pinned: Google publishes no checksums for its
    # model bundles and the 'latest' address may serve a newer build at any
    # time. The first download's sha256 is recorded next to the file
    # (``<file>.sha256``) and every later use is checked against it, so a
    # truncated or altered cache file is caught.
}

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "models"

# The spine estimator's weights (analyzer/pose/spine.py), trained by `python -m tools.spine.train`,
# which prints the new digest; pinned so that a damaged or stray file is never used.
SPINE_MODEL_FILE = SHIPPED_MODEL_DIR / "spine_net.npz"
SPINE_MODEL_SHA256 = "b1fb7b468cd193cc3fe3299a1867e29c3fa6a1ed58b26ea70a25a9ecd4f32ca6"
DOWNLOAD_TIMEOUT_S = 10.0  # per socket operation: offline machines must fail fast


class ModelError(RuntimeError):
    """A pose model could not be found, downloaded or verified; the message says what to do."""


def model_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in chunks (bundles are 5-30 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_cache_dir() -> Path:
    env = os.environ.get("FORMCHECK_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "formcheck"


def model_url(variant: str) -> str:
    return MODEL_URL.format(variant=variant)


def model_path(variant: str = "full", cache_dir: Path | None = None) -> Path:
    """Path of the PoseLandmarker bundle for ``variant`` ('lite', 'full' or 'heavy').

    'full' is the shipped file (sha256 checked once per process). 'lite' and
    'heavy' come from the cache, downloaded there first if missing; raises
    ModelError when that is impossible (offline) or a file fails its sha256.
    """
    if variant not in MODEL_VARIANTS:
        raise ModelError(f"unknown pose model {variant!r}: choose one of {', '.join(MODEL_VARIANTS)}.")
    if variant == "full":
        return _shipped_model(str(SHIPPED_MODEL_DIR / "pose_landmarker_full.task"))

    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = directory / f"pose_landmarker_{variant}.task"
    if target.is_file():
        expected = _expected_sha256(variant, target)
        actual = model_sha256(target)
        if expected is None:
            _record_sha256(target, actual)  # placed by hand: trust it from now on
            return target
        if actual == expected:
            return target
        target.unlink()  # corrupted or truncated: fetch a fresh copy below
        _sidecar(target).unlink(missing_ok=True)
        return _download(variant, target, reason=f"the cached file failed its sha256 check (got {actual})")
    return _download(variant, target)


@functools.cache
def _shipped_model(path: str) -> Path:
    """Checked once per process: a half-copied install must not give silently wrong poses."""
    p = Path(path)
    if not p.is_file():
        raise ModelError(f"the built-in pose model is missing ({p}): reinstall formcheck.")
    actual = model_sha256(p)
    if actual != MODEL_SHA256["full"]:
        raise ModelError(
            f"the built-in pose model {p} is damaged (sha256 {actual}): reinstall formcheck "
            "or rebuild it with tools/build_pose_model.py."
        )
    return p


def spine_model_path() -> Path | None:
    """The shipped spine estimator's weights if present and matching their pin, else None (the app
    then runs without absolute spine angles: the rules fall back on the outline or say they cannot judge)."""
    return _checked_spine_model(str(SPINE_MODEL_FILE))


@functools.cache
def _checked_spine_model(path: str) -> Path | None:
    p = Path(path)
    return p if p.is_file() and model_sha256(p) == SPINE_MODEL_SHA256 else None


def verified_sha256(path: str | os.PathLike[str]) -> str | None:
    """The sha256 a bundle from :func:`model_path` was checked against (no re-hashing): the pin of
    the shipped file, the recorded digest of a download; None for a file from elsewhere."""
    p = Path(path)
    if p == SHIPPED_MODEL_DIR / "pose_landmarker_full.task":
        return MODEL_SHA256["full"]
    try:
        return _sidecar(p).read_text().split()[0]
    except (OSError, IndexError):
        return None


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _expected_sha256(variant: str, target: Path) -> str | None:
    if variant in MODEL_SHA256:
        return MODEL_SHA256[variant]
    try:
        return _sidecar(target).read_text().split()[0]
    except (OSError, IndexError):
        return None


def _record_sha256(target: Path, digest: str) -> None:
    _write_atomic(_sidecar(target), f"{digest}  {target.name}\n".encode())


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _download(variant: str, target: Path, reason: str | None = None) -> Path:
    """Stream the bundle to a temporary file beside ``target``, check it, then
    rename it into place, so an interrupted download never leaves a file that
    looks complete."""
    url = model_url(variant)
    advice = (
        f"use the built-in 'full' model, or download {url} on a machine with internet "
        f"and place it at {target}."
    )
    why = f"{reason}; " if reason else ""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"could not create the model cache {target.parent} ({exc}): {advice}") from exc

    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as fh:
            request = urllib.request.Request(url, headers={"User-Agent": "formcheck"})
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    digest.update(chunk)
                    fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        actual = digest.hexdigest()
        expected = MODEL_SHA256.get(variant)
        if expected is not None and actual != expected:
            raise ModelError(
                f"the downloaded '{variant}' pose model has sha256 {actual}, expected {expected}: {advice}"
            )
        os.replace(tmp, target)
    except ModelError:
        tmp.unlink(missing_ok=True)
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        tmp.unlink(missing_ok=True)
        detail = getattr(exc, "reason", None) or exc
        raise ModelError(f"could not download the '{variant}' pose model ({why}{detail}): {advice}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _record_sha256(target, actual)
    return target
