"""The shipped pose model: integrity, that it works, that it loads cleanly, that
it can be rebuilt byte for byte, and how 'lite'/'heavy' downloads fail offline."""

from __future__ import annotations

import importlib.util
import io
import zipfile

import av
import mediapipe as mp
import numpy as np
import pytest
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

import analyzer.pose.model as model
from analyzer.pipeline import analyze_track
from analyzer.pose.model import MODEL_SHA256, ModelError, model_path, model_sha256, verified_sha256
from analyzer.report import SourceInfo
from tests.helpers import skeleton as sk
from tests.helpers.paths import REPO, shared_clip

UNREACHABLE = "http://127.0.0.1:9/pose_landmarker_{variant}.task"  # discard port: refused at once


def _builder():
    spec = importlib.util.spec_from_file_location("build_pose_model", REPO / "tools" / "build_pose_model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_shipped_bundle_matches_pinned_sha256():
    path = model_path("full")
    assert path.is_file()
    assert path.stat().st_size < 20 * 1024 * 1024
    assert model_sha256(path) == MODEL_SHA256["full"]


def test_full_model_needs_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network used for the built-in model")

    monkeypatch.setattr(model.urllib.request, "urlopen", no_network)
    assert model_path("full").name == "pose_landmarker_full.task"


@pytest.mark.clips
def test_finds_a_person_in_a_real_frame():
    clip = shared_clip("formfit__deadlift.mp4")
    with av.open(str(clip)) as container:
        frame = next(container.decode(video=0))
        # Odd widths give padded rows: MediaPipe needs a C-contiguous HxWx3 uint8 array.
        rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path("full"))),
        running_mode=vision.RunningMode.IMAGE,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))

    assert len(result.pose_landmarks) == 1
    landmarks = result.pose_landmarks[0]
    assert len(landmarks) == 33
    for hip in (landmarks[23], landmarks[24]):  # left_hip, right_hip
        assert 0.0 <= hip.x <= 1.0 and 0.0 <= hip.y <= 1.0


def test_loading_prints_no_unaligned_buffer_warning():
    """TFLite copies (and warns about) constant tensors that sit off their alignment."""
    assert _builder().load_warnings(model_path("full")) == []


def test_builder_is_deterministic_and_reproduces_the_shipped_bundle():
    build = _builder()
    shipped = model_path("full").read_bytes()
    with zipfile.ZipFile(io.BytesIO(shipped)) as zf:
        detector = zf.read(build.DETECTOR_MEMBER)
        landmarks = zf.read(build.LANDMARKS_MEMBER)

    first = build.bundle_from_tflites(detector, landmarks)
    second = build.bundle_from_tflites(detector, landmarks)
    assert first == second
    # Re-adding the metadata replaces it in place, so the shipped bundle is a fixed point.
    assert first == shipped


def test_bundle_layout_is_aligned_and_stored():
    build = _builder()
    tflite_fb, _ = build.load_schema()
    shipped = model_path("full").read_bytes()
    offsets = build.member_offsets(shipped)
    assert list(offsets) == [build.DETECTOR_MEMBER, build.LANDMARKS_MEMBER]
    with zipfile.ZipFile(io.BytesIO(shipped)) as zf:
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            assert offsets[info.filename] % build.MEMBER_ALIGN == 0
            member = zf.read(info)
            assert build.unaligned_tensors(member, tflite_fb, offsets[info.filename]) == []


def test_landmark_network_carries_normalization_metadata():
    build = _builder()
    tflite_fb, meta_fb = build.load_schema()
    with zipfile.ZipFile(model_path("full")) as zf:
        tflite = zf.read(build.LANDMARKS_MEMBER)
    m = tflite_fb.Model.GetRootAs(tflite, 0)
    entries = {m.Metadata(i).Name().decode(): m.Metadata(i).Buffer() for i in range(m.MetadataLength())}
    raw = m.Buffers(entries["TFLITE_METADATA"]).DataAsNumpy().tobytes()
    assert raw[4:8] == b"M001"
    meta = meta_fb.ModelMetadataT.InitFromPackedBuf(raw, 0)
    (subgraph,) = meta.subgraphMetadata
    (image,) = subgraph.inputTensorMetadata
    (unit,) = image.processUnits
    assert (list(unit.options.mean), list(unit.options.std)) == ([0.0], [255.0])
    assert len(subgraph.outputTensorMetadata) == 5


def test_unaligned_members_are_detected():
    """The check behind the builder's guarantee catches the layout that made TFLite warn."""
    build = _builder()
    tflite_fb, _ = build.load_schema()
    with zipfile.ZipFile(model_path("full")) as zf:
        detector = zf.read(build.DETECTOR_MEMBER)
    assert build.unaligned_tensors(detector, tflite_fb, 0) == []
    assert build.unaligned_tensors(detector, tflite_fb, 2) != []


def test_download_offline_raises_helpful_error_and_leaves_no_file(monkeypatch, tmp_path):
    monkeypatch.setattr(model, "MODEL_URL", UNREACHABLE)
    with pytest.raises(ModelError) as info:
        model_path("heavy", cache_dir=tmp_path)
    message = str(info.value)
    assert "'heavy'" in message and "'full'" in message
    assert str(tmp_path / "pose_landmarker_heavy.task") in message
    assert list(tmp_path.iterdir()) == []


def test_cache_dir_defaults_to_formcheck_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(model, "MODEL_URL", UNREACHABLE)
    monkeypatch.setenv("FORMCHECK_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ModelError, match="cache"):
        model_path("lite")
    assert list((tmp_path / "cache").iterdir()) == []


def test_hand_placed_file_is_used_and_its_sha256_recorded(monkeypatch, tmp_path):
    monkeypatch.setattr(model, "MODEL_URL", UNREACHABLE)
    placed = tmp_path / "pose_landmarker_heavy.task"
    placed.write_bytes(b"heavy model bytes")
    assert model_path("heavy", cache_dir=tmp_path) == placed
    recorded = (tmp_path / "pose_landmarker_heavy.task.sha256").read_text().split()[0]
    assert recorded == model_sha256(placed)
    assert model_path("heavy", cache_dir=tmp_path) == placed
    assert verified_sha256(placed) == recorded  # what a report built on this model names


def test_reports_name_the_model_that_made_the_track():
    track, _ = sk.squat(reps=2)
    source = SourceInfo(file="t.csv", kind="pose_track", duration_s=1.0, fps=30.0)
    assert analyze_track(track, source=source).report.versions.model is None  # imported: unknown model
    track.meta.update(model="pose_landmarker_heavy.task", model_sha256="ab" * 32)
    named = analyze_track(track, source=source).report.versions
    assert (named.model, named.model_sha256) == ("pose_landmarker_heavy.task", "ab" * 32)
    assert named.spine_model_sha256 is None  # no spine angles in this track
    assert verified_sha256(model_path("full")) == MODEL_SHA256["full"]


def test_corrupted_cached_file_is_rejected(monkeypatch, tmp_path):
    monkeypatch.setattr(model, "MODEL_URL", UNREACHABLE)
    placed = tmp_path / "pose_landmarker_heavy.task"
    placed.write_bytes(b"heavy model bytes")
    model_path("heavy", cache_dir=tmp_path)  # records its sha256
    placed.write_bytes(b"heavy model by")  # truncated later

    with pytest.raises(ModelError, match="sha256"):
        model_path("heavy", cache_dir=tmp_path)
    assert not placed.exists()


def test_pinned_sha256_rejects_a_different_file(monkeypatch, tmp_path):
    monkeypatch.setattr(model, "MODEL_URL", UNREACHABLE)
    monkeypatch.setitem(MODEL_SHA256, "lite", "0" * 64)
    (tmp_path / "pose_landmarker_lite.task").write_bytes(b"not the pinned model")
    with pytest.raises(ModelError, match="sha256"):
        model_path("lite", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_variant():
    with pytest.raises(ModelError, match="lite, full, heavy"):
        model_path("medium")
