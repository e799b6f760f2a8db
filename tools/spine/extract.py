"""What formcheck's pose model sees in rendered clips, paired with the renderer's spine truth.

    python -m tools.spine.extract /work/spine_data/renders /work/spine_data/inputs

Per clip (``<name>.mp4`` + ``<name>.json`` from tools.synth) one ``<name>.npz``:
the estimator's inputs per frame (the mask's dorsal and ventral profiles and
the chord frame, :func:`analyzer.pose.back_outline.spine_inputs`; the mask in
the chord's frame, :func:`analyzer.pose.back_outline.chord_grid`), the
landmarks, and the true spine angles. The pose model runs exactly as in the
app (VIDEO mode, segmentation on), so the training sees its errors too.
Clips already extracted are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import av
import numpy as np

from analyzer.pose.back_outline import GRID_D, GRID_T, T_SAMPLES, spine_inputs
from analyzer.pose.model import model_path
from analyzer.pose.spine import OUTPUTS


def extract_clip(video: Path, truth_path: Path, out: Path) -> int:
    """Write ``out`` (npz) for one clip; returns the number of frames with inputs."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    truth = json.loads(truth_path.read_text())
    frames = truth["frames"]
    n, k = len(frames), len(T_SAMPLES)
    arrays = {
        "valid": np.zeros(n, bool), "dorsal": np.full((n, k), np.nan), "sharp": np.full((n, k), np.nan),
        "ventral": np.full((n, k), np.nan), "shoulder": np.full((n, 2), np.nan), "u": np.full((n, 2), np.nan),
        "back": np.full((n, 2), np.nan), "length": np.full(n, np.nan), "near_left": np.zeros(n, bool),
        "spread": np.full(n, np.nan), "xy": np.full((n, 33, 2), np.nan), "vis": np.full((n, 33), np.nan),
        "grid": np.zeros((n, len(GRID_T), len(GRID_D)), np.float16),
    }
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path("full"))),
        running_mode=vision.RunningMode.VIDEO, output_segmentation_masks=True,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker, av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(container.streams.video[0])):
            if i >= n:
                break
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
            h, w = rgb.shape[:2]
            res = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb),
                                              int(round(frames[i]["t_ms"])))
            if not res.pose_landmarks:
                continue
            lm = res.pose_landmarks[0]
            xy = np.array([[p.x * w, p.y * h] for p in lm])
            vis = np.array([p.visibility for p in lm])
            arrays["xy"][i], arrays["vis"][i] = xy, vis
            inputs = spine_inputs(res.segmentation_masks[0].numpy_view(), xy, vis)
            if inputs is None:
                continue
            f = inputs.frame
            arrays["valid"][i] = True
            arrays["grid"][i] = inputs.grid
            arrays["dorsal"][i], arrays["sharp"][i], arrays["ventral"][i] = inputs.dorsal, inputs.dorsal_sharpness, inputs.ventral
            arrays["shoulder"][i], arrays["u"][i], arrays["back"][i] = f.shoulder, f.u, f.back
            arrays["length"][i], arrays["near_left"][i], arrays["spread"][i] = f.length, f.near == "left", f.spread
    arrays["truth"] = np.array([[fr["spine"][o] for o in OUTPUTS] for fr in frames])
    arrays["t_ms"] = np.array([fr["t_ms"] for fr in frames])
    arrays["phase"] = np.array([fr["phase"] for fr in frames])
    spec = truth["spec"]
    meta = {"exercise": truth["exercise"], "yaw_deg": spec["yaw_deg"], "errors": truth["errors"],
            "phenotype": spec["phenotype"], "look": spec["look"], "size": [spec["width"], spec["height"]],
            "fill": spec["fill"], "seed": spec["seed"], "barbell": spec.get("barbell") is not None}
    np.savez_compressed(out, meta=json.dumps(meta), **arrays)
    return int(arrays["valid"].sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.spine.extract", description=__doc__.splitlines()[0])
    ap.add_argument("renders", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--worker", default="0/1", help="i/k: extract clips i, i+k, i+2k, ... (by name order)")
    args = ap.parse_args(argv)
    i, k = (int(v) for v in args.worker.split("/"))
    args.out.mkdir(parents=True, exist_ok=True)
    for video in sorted(args.renders.glob("*.mp4"))[i::k]:
        target = args.out / f"{video.stem}.npz"
        truth = video.with_suffix(".json")
        if target.exists() or not truth.exists():
            continue
        valid = extract_clip(video, truth, target)
        print(f"{video.stem}: {valid} frames with inputs", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
