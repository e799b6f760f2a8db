"""Build analyzer/pose/models/pose_landmarker_full.task from Google's PyPI wheel, reproducibly.

Why: the official ``.task`` bundle lives on Google's model storage, which our
machines (and many users' CI) cannot reach, while PyPI can be. The wheel
``mediapipe==0.10.21`` ships the same two BlazePose networks as plain TFLite
files. The detector already carries TFLite metadata and is used byte for byte;
the landmark network lacks the ``TFLITE_METADATA`` that the Tasks API needs to
know its input normalisation, so we add it (see /work/shared/models/README.md).

Two properties the bundle must have, and why:

* Deterministic: same wheel in, same bytes out (fixed zip timestamps, order
  and attributes; the flatbuffer builder is deterministic), so the sha256
  pinned in ``analyzer.pose.model.MODEL_SHA256`` can be re-derived by anyone.
* Aligned: TFLite's schema declares ``Buffer.data`` with ``force_align: 16``
  and at load it checks each read-only tensor's address against its type's
  alignment; a miss prints "Read-only tensor ... has an unaligned buffer ...
  copying to an aligned heap buffer" and costs a copy. MediaPipe maps the
  bundle file and hands TFLite pointers *into the zip*, so both the buffer
  offsets inside each TFLite file and each zip member's data offset count.
  We write landmark buffers on 16-byte boundaries and pad every zip member's
  data to a 64-byte boundary (a multiple of 16; a cache line) with a standard
  zip "extra" padding record, the way Android's zipalign does.

Usage (project venv)::

    .venv/bin/python tools/build_pose_model.py --out analyzer/pose/models/pose_landmarker_full.task
    .venv/bin/python tools/build_pose_model.py --wheel mediapipe-0.10.21-...whl --out /tmp/x.task
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from types import ModuleType

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_NAME = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"

DETECTOR_IN_WHEEL = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKS_IN_WHEEL = "mediapipe/modules/pose_landmark/pose_landmark_{variant}.tflite"
# Member names the PoseLandmarker graph looks up inside the bundle.
DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"

BUFFER_ALIGN = 16  # TFLite schema: `data:[ubyte] (force_align: 16)`.
MEMBER_ALIGN = 64  # zip member data offset; multiple of BUFFER_ALIGN.
# Zip timestamps are local wall-clock fields; a constant keeps builds identical.
# It is the build date of the 0.10.21 wheel's files.
ZIP_DATE_TIME = (2025, 1, 31, 20, 17, 16)
ZIP_ALIGN_EXTRA_ID = 0xD935  # Android zipalign's padding record: id, len, u16 alignment, zeros.

TFLITE_IDENTIFIER = b"TFL3"
METADATA_IDENTIFIER = b"M001"
METADATA_NAME = "TFLITE_METADATA"

# Bytes per element of each TFLite TensorType (schema enum order); TFLite wants
# a read-only tensor's data aligned to at least this.
_TENSOR_TYPE_SIZE = {
    0: 4,  # FLOAT32
    1: 2,  # FLOAT16
    2: 4,  # INT32
    3: 1,  # UINT8
    4: 8,  # INT64
    5: 1,  # STRING
    6: 1,  # BOOL
    7: 2,  # INT16
    8: 8,  # COMPLEX64
    9: 1,  # INT8
    10: 8,  # FLOAT64
    11: 16,  # COMPLEX128
    12: 8,  # UINT64
    13: 1,  # RESOURCE
    14: 1,  # VARIANT
    15: 4,  # UINT32
    16: 2,  # UINT16
    17: 1,  # INT4
    18: 2,  # BFLOAT16
}


class BuildError(RuntimeError):
    pass


# --------------------------------------------------------------------------- schema classes


def load_schema(wheel: Path | None = None) -> tuple[ModuleType, ModuleType]:
    """Return (tflite schema, metadata schema) flatbuffer classes.

    mediapipe (>=0.10, incl. 1.2.x in the project venv) ships both generated
    modules in ``mediapipe.tasks.metadata``. Without them, fall back to the
    copies inside the pinned 0.10.21 wheel (they only need ``flatbuffers``).
    """
    try:
        from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb
        from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

        return tflite_fb, meta_fb
    except ImportError:
        if wheel is None:
            raise BuildError(
                "mediapipe.tasks.metadata is not importable: pass --wheel so the schema classes "
                "can be taken from the mediapipe 0.10.21 wheel"
            ) from None
    mods = []
    with zipfile.ZipFile(wheel) as zf:
        for name in ("schema_py_generated", "metadata_schema_py_generated"):
            source = zf.read(f"mediapipe/tasks/metadata/{name}.py")
            spec = importlib.util.spec_from_loader(f"_formcheck_{name}", loader=None)
            mod = importlib.util.module_from_spec(spec)
            exec(compile(source, f"{wheel}!{name}.py", "exec"), mod.__dict__)  # noqa: S102 (sha256-pinned wheel)
            mods.append(mod)
    return mods[0], mods[1]


# --------------------------------------------------------------------------- metadata


def landmark_metadata(meta_fb: ModuleType) -> bytes:
    """ModelMetadata for the BlazePose GHUM 3D landmark network.

    One RGB image input scaled to [0, 1] (mean 0, std 255: what the legacy
    ``mp.solutions.pose`` graph fed it) and five feature outputs in the
    network's own order (landmarks, pose flag, segmentation, heatmap, world
    landmarks), which the PoseLandmarker graph reads by index.
    """
    import flatbuffers

    norm = meta_fb.NormalizationOptionsT()
    norm.mean = [0.0]
    norm.std = [255.0]
    unit = meta_fb.ProcessUnitT()
    unit.optionsType = meta_fb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm

    image_props = meta_fb.ImagePropertiesT()
    image_props.colorSpace = meta_fb.ColorSpaceType.RGB
    image_content = meta_fb.ContentT()
    image_content.contentPropertiesType = meta_fb.ContentProperties.ImageProperties
    image_content.contentProperties = image_props
    image_stats = meta_fb.StatsT()
    image_stats.max = [1.0]
    image_stats.min = [0.0]

    image = meta_fb.TensorMetadataT()
    image.name = "image"
    image.content = image_content
    image.processUnits = [unit]
    image.stats = image_stats

    outputs = []
    for i in range(5):
        content = meta_fb.ContentT()
        content.contentPropertiesType = meta_fb.ContentProperties.FeatureProperties
        content.contentProperties = meta_fb.FeaturePropertiesT()
        out = meta_fb.TensorMetadataT()
        out.name = f"output_{i}"
        out.content = content
        outputs.append(out)

    subgraph = meta_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = outputs

    model = meta_fb.ModelMetadataT()
    model.name = "BlazePose GHUM 3D"
    model.minParserVersion = "1.0.0"
    model.subgraphMetadata = [subgraph]

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), METADATA_IDENTIFIER)
    return bytes(builder.Output())


# --------------------------------------------------------------------------- tflite repacking


def _aligned_buffer_class(tflite_fb: ModuleType) -> type:
    class AlignedBufferT(tflite_fb.BufferT):
        """BufferT whose data vector starts on a BUFFER_ALIGN boundary.

        The generated Python ``BufferT.Pack`` ignores the schema's
        ``force_align: 16`` and aligns bytes to 1, which is what made the
        first hand-made bundle trigger TFLite's "unaligned buffer" copy.
        """

        def Pack(self, builder):
            data = None
            if self.data is not None:
                payload = bytes(self.data)  # numpy uint8 array or list of ints
                builder.StartVector(1, len(payload), BUFFER_ALIGN)
                builder.head -= len(payload)
                builder.Bytes[builder.head : builder.head + len(payload)] = payload
                data = builder.EndVector()
            tflite_fb.BufferStart(builder)
            if data is not None:
                tflite_fb.BufferAddData(builder, data)
            tflite_fb.BufferAddOffset(builder, self.offset)
            tflite_fb.BufferAddSize(builder, self.size)
            return tflite_fb.BufferEnd(builder)

    return AlignedBufferT


def add_metadata(tflite: bytes, metadata: bytes, tflite_fb: ModuleType) -> bytes:
    """Return ``tflite`` re-packed with ``metadata`` as its TFLITE_METADATA buffer.

    Idempotent: an existing TFLITE_METADATA entry is replaced in place, so
    running it on the landmark file of an already-built bundle gives the same
    bytes as running it on the wheel's original file.
    """
    import numpy as np

    model = tflite_fb.ModelT.InitFromPackedBuf(tflite, 0)
    model.buffers = model.buffers or []
    model.metadata = model.metadata or []
    meta_buffer = tflite_fb.BufferT()
    meta_buffer.data = np.frombuffer(metadata, dtype=np.uint8)
    for entry in model.metadata:
        name = entry.name.decode() if isinstance(entry.name, bytes) else entry.name
        if name == METADATA_NAME:
            model.buffers[entry.buffer] = meta_buffer
            break
    else:
        entry = tflite_fb.MetadataT()
        entry.name = METADATA_NAME
        entry.buffer = len(model.buffers)
        model.buffers.append(meta_buffer)
        model.metadata.append(entry)

    aligned = _aligned_buffer_class(tflite_fb)
    for buf in model.buffers:
        buf.__class__ = aligned

    import flatbuffers

    builder = flatbuffers.Builder(len(tflite) + len(metadata) + (1 << 16))
    builder.Finish(model.Pack(builder), TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def unaligned_tensors(tflite: bytes, tflite_fb: ModuleType, base: int = 0) -> list[str]:
    """Constant tensors whose data would sit off their type's alignment when
    the file starts at offset ``base`` of an aligned mapping (what TFLite warns about)."""
    model = tflite_fb.Model.GetRootAs(tflite, 0)
    starts = {}
    for i in range(model.BuffersLength()):
        buf = model.Buffers(i)
        if buf.DataLength():
            starts[i] = buf._tab.Vector(buf._tab.Offset(4))  # field `data` is vtable slot 4
    bad = []
    for s in range(model.SubgraphsLength()):
        sg = model.Subgraphs(s)
        for t in range(sg.TensorsLength()):
            tensor = sg.Tensors(t)
            start = starts.get(tensor.Buffer())
            need = _TENSOR_TYPE_SIZE.get(tensor.Type(), 16)
            if start is not None and (base + start) % need:
                bad.append(f"{tensor.Name().decode()} (+{base + start}, needs {need})")
    return bad


# --------------------------------------------------------------------------- zip


def _zip_align_extra(header_offset: int, name: str, align: int) -> bytes:
    """Padding extra field so that this member's data starts on ``align``."""
    data_start = header_offset + 30 + len(name.encode()) + 6  # 6 = smallest padding record
    pad = -data_start % align
    return struct.pack("<HHH", ZIP_ALIGN_EXTRA_ID, 2 + pad, align) + b"\0" * pad


def write_bundle(members: list[tuple[str, bytes]]) -> bytes:
    """Zip ``members`` stored (uncompressed), in the given order, deterministically,
    each member's data starting on a MEMBER_ALIGN boundary."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # unix, whatever OS builds it
            info.external_attr = 0o644 << 16
            info.extra = _zip_align_extra(out.tell(), name, MEMBER_ALIGN)
            zf.writestr(info, data)
    return out.getvalue()


def member_offsets(bundle: bytes) -> dict[str, int]:
    """Data offset of each member inside the bundle (read from the local headers)."""
    offsets = {}
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        for info in zf.infolist():
            name_len, extra_len = struct.unpack_from("<HH", bundle, info.header_offset + 26)
            offsets[info.filename] = info.header_offset + 30 + name_len + extra_len
    return offsets


def bundle_from_tflites(detector: bytes, landmarks: bytes, wheel: Path | None = None) -> bytes:
    """The whole build after extraction: metadata on the landmark network, aligned zip."""
    tflite_fb, meta_fb = load_schema(wheel)
    landmarks = add_metadata(landmarks, landmark_metadata(meta_fb), tflite_fb)
    bundle = write_bundle([(DETECTOR_MEMBER, detector), (LANDMARKS_MEMBER, landmarks)])
    offsets = member_offsets(bundle)
    bad = unaligned_tensors(detector, tflite_fb, offsets[DETECTOR_MEMBER])
    bad += unaligned_tensors(landmarks, tflite_fb, offsets[LANDMARKS_MEMBER])
    if bad:
        raise BuildError(f"{len(bad)} tensors would be unaligned, e.g. {bad[:3]}")
    return bundle


# --------------------------------------------------------------------------- wheel


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    """``pip download`` the pinned wheel (PyPI is reachable where Google storage is not)."""
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", WHEEL_REQUIREMENT,
        "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
        "--only-binary=:all:", "--dest", str(dest), "--quiet",
    ]  # fmt: skip
    subprocess.run(cmd, check=True)
    wheel = dest / WHEEL_NAME
    if not wheel.is_file():
        raise BuildError(f"pip did not produce {WHEEL_NAME} in {dest}")
    return wheel


def read_wheel(wheel: Path, variant: str) -> tuple[bytes, bytes]:
    """(detector, landmark network) from the wheel, after checking its pinned sha256."""
    digest = sha256_bytes(wheel.read_bytes())
    if digest != WHEEL_SHA256:
        raise BuildError(f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256} ({WHEEL_REQUIREMENT})")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        wanted = LANDMARKS_IN_WHEEL.format(variant=variant)
        if wanted not in names:
            shipped = sorted(
                n.rsplit("pose_landmark_", 1)[1].removesuffix(".tflite")
                for n in names
                if n.startswith(LANDMARKS_IN_WHEEL.split("{")[0]) and n.endswith(".tflite")
            )
            raise BuildError(
                f"{WHEEL_REQUIREMENT} ships no {wanted}; variants it carries: {', '.join(shipped)} "
                "(legacy mediapipe downloaded lite/heavy at run time)"
            )
        return zf.read(DETECTOR_IN_WHEEL), zf.read(wanted)


def load_warnings(bundle_path: Path) -> list[str]:
    """Load ``bundle_path`` with PoseLandmarker in a fresh process; return its
    stderr lines that mention an unaligned buffer (TFLite logs to fd 2)."""
    code = (
        "import sys\n"
        "from mediapipe.tasks.python import vision\n"
        "from mediapipe.tasks.python.core.base_options import BaseOptions\n"
        "opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=sys.argv[1]),\n"
        "                                    running_mode=vision.RunningMode.IMAGE)\n"
        "with vision.PoseLandmarker.create_from_options(opts):\n"
        "    pass\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(bundle_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode:
        raise BuildError(f"PoseLandmarker could not load {bundle_path}:\n{proc.stderr[-2000:]}")
    return [line for line in proc.stderr.splitlines() if "unaligned" in line.lower()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the .task bundle")
    parser.add_argument("--wheel", type=Path, help=f"an already-downloaded {WHEEL_NAME}")
    parser.add_argument(
        "--variant",
        default="full",
        help="landmark network to take from the wheel (0.10.21 carries only 'full')",
    )
    parser.add_argument("--no-load-check", action="store_true", help="skip loading the result with mediapipe")
    args = parser.parse_args(argv)

    try:
        with tempfile.TemporaryDirectory(prefix="formcheck-wheel-") as tmp:
            wheel = args.wheel or download_wheel(Path(tmp))
            detector, landmarks = read_wheel(wheel, args.variant)
            bundle = bundle_from_tflites(detector, landmarks, wheel)

        args.out.parent.mkdir(parents=True, exist_ok=True)
        partial = args.out.with_name(args.out.name + ".partial")
        partial.write_bytes(bundle)
        os.replace(partial, args.out)

        if not args.no_load_check:
            warnings = load_warnings(args.out)
            if warnings:
                raise BuildError("TFLite still reports unaligned buffers:\n" + "\n".join(warnings))
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"build_pose_model: {exc}", file=sys.stderr)
        return 1

    print(f"{sha256_bytes(bundle)}  {args.out}  ({len(bundle)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
