"""Render one synthetic clip: ``python -m tools.synth.render --exercise deadlift --rounded-back-deg 35 --out x.mp4``.

Writes ``x.mp4`` (H.264, yuv420p) and ``x.json`` (ground truth, see
``truth.py``).  ``--spec file.json`` takes a ClipSpec (or a list of them,
then ``--out`` is a directory and files are named by each spec's ``name``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from analyzer.landmarks import INDEX
from tools.synth import GENERATOR_VERSION
from tools.synth.appearance import Look, vertex_colours
from tools.synth.camera import place
from tools.synth.exercises import EXERCISES, PoseContext
from tools.synth.poser import Placed, Poser
from tools.synth.props import Mesh, barbell
from tools.synth.raster import Lighting, Renderer, Room
from tools.synth.rig import Body
from tools.synth.spec import ClipSpec, resolve, view_kind
from tools.synth.timeline import build as build_timeline
from tools.synth.truth import FrameRecord, TruthBuilder, spine_angles, visibility
from tools.synth.video import Mp4Writer, degrade


@dataclass(frozen=True)
class Rendered:
    video: Path
    truth: Path
    frames: int
    seconds: float
    first_frame: np.ndarray


def generate(spec: ClipSpec, out: Path, write_video: bool = True) -> Rendered:
    """Pose every frame, place the camera on the whole motion, render, encode and write the truth."""
    started = time.perf_counter()
    spec = resolve(spec)
    exercise = EXERCISES[spec.exercise]
    body = Body(spec.phenotype)
    poser = Poser(body)
    look = Look(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec.look.items()})
    colours = vertex_colours(body.bones, body.part_of_vertex, body.rest.vertices, look)
    timeline = build_timeline(exercise, spec.fps, spec.reps, spec.hold_s, spec.tempo, spec.errors, spec.error_reps)

    ctx = PoseContext(poser)
    ctx.style = spec.style or {}
    ctx.barbell = spec.barbell
    neutral_heads = poser.skin({}).heads
    poses: list[Placed] = []
    for ft in timeline.frames:
        ctx.rep = ft.rep
        placed = exercise.make(ctx, ft.p, ft.errors)
        poses.append(replace(placed, vertices=placed.vertices.astype(np.float32)))
    props = exercise.props(ctx) if exercise.props else []  # a bench or a pad, in the picture and the depth
    carried = _barbells(poses, spec.barbell)
    meshes = props + [m for frame in carried for m in frame]
    lo = np.min([p.vertices.min(axis=0) for p in poses] + [v.min(axis=0) for v, _, _ in meshes], axis=0)
    hi = np.max([p.vertices.max(axis=0) for p in poses] + [v.max(axis=0) for v, _, _ in meshes], axis=0)
    camera = place(lo, hi, spec.yaw_deg, spec.side, spec.camera_height_m, spec.width, spec.height,
                   spec.fov_y_deg, spec.fill)

    truth = TruthBuilder(exercise)
    rng = np.random.default_rng(spec.seed + 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    first = None
    writer = Mp4Writer(out, spec.width, spec.height, spec.fps, spec.crf) if write_video else None
    try:
        with Renderer(spec.width, spec.height) as renderer:
            for ft, placed, held in zip(timeline.frames, poses, carried):
                rgb, depth = renderer.draw(placed.vertices, body.faces, colours, camera.view, camera.projection,
                                           Lighting(**spec.lighting), Room(**spec.room), props + held)
                rgb = degrade(rgb, spec.blur, spec.noise, rng)
                first = rgb if first is None else first
                if writer:
                    writer.write(rgb)
                image = camera.project(placed.landmarks)
                cam = camera.to_camera(placed.landmarks)
                hip_mid = (cam[INDEX["left_hip"]] + cam[INDEX["right_hip"]]) / 2
                spine = spine_angles(placed.heads, neutral_heads, body.index)
                truth.add(FrameRecord(ft.t_ms, ft.rep, ft.p, ft.errors, image, cam - hip_mid,
                                      placed.landmarks, visibility(image, depth), spine))
    finally:
        if writer:
            writer.close()

    view = {"kind": view_kind(abs(abs(spec.yaw_deg) - exercise.turned_deg)), "yaw_deg": spec.yaw_deg, "side": spec.side,
            "camera_eye_m": np.round(camera.eye, 3).tolist(), "camera_target_m": np.round(camera.target, 3).tolist(),
            "fov_y_deg": spec.fov_y_deg}
    video = {"file": out.name, "fps": spec.fps, "width": spec.width, "height": spec.height,
             "frames": len(timeline.frames), "duration_s": round(timeline.duration_s, 3)}
    generator = {"name": "formcheck-synth", "version": GENERATOR_VERSION, "anny": _version("anny")}
    data = truth.build(spec.to_json(), timeline, view, video, generator)
    truth_path = out.with_suffix(".json")
    truth_path.write_text(json.dumps(data, separators=(",", ":")))
    return Rendered(out, truth_path, len(timeline.frames), time.perf_counter() - started, first)


def _barbells(poses: list[Placed], spec: dict | None) -> list[list[Mesh]]:
    """Per frame, the barbell held (ClipSpec.barbell), its plates no larger than the bar's lowest height
    over the clip, so that they never sink into the floor."""
    if spec is None:
        return [[] for _ in poses]
    radius = min(spec["plate_radius"], min(float(p.bar[2]) for p in poses))
    return [barbell(p.bar, radius, spec["plate_width"], tuple(spec["plate_colour"])) for p in poses]


# --barbell: black 20 kg bumper plates, one a side; the hands a little wider than the shoulders.
DEFAULT_BARBELL = {"plate_radius": 0.225, "plate_width": 0.06, "plate_colour": [0.08, 0.08, 0.08], "grip": 0.4}


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m tools.synth.render", description=__doc__.splitlines()[0])
    ap.add_argument("--exercise", choices=sorted(EXERCISES))
    ap.add_argument("--spec", type=Path, help="JSON ClipSpec (or a list with a 'name' each)")
    ap.add_argument("--out", type=Path, required=True, help="output .mp4 (or directory with --spec list)")
    for ex in EXERCISES.values():  # error names are unique across exercises
        for name, err in ex.errors.items():
            flag = "--" + name.replace("_", "-") + {"deg": "-deg", "s": "-s", "deg/s": "-deg-per-s"}[err.unit]
            ap.add_argument(flag, type=float, default=0.0, dest=name,
                            help=f"{ex.name}: {err.doc}".replace("%", "%%"))  # argparse formats help with %
    ap.add_argument("--error-reps", type=lambda s: [int(x) for x in s.split(",")], default=None,
                    help="comma list of 1-based reps that carry the error (default: all)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--hold-s", type=float, default=8.0)
    ap.add_argument("--tempo", type=float, default=None, help="slow-down factor (1 = default tempo)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--yaw", type=float, default=0.0, help="degrees off the side view toward the front")
    ap.add_argument("--side", choices=("left", "right"), default="left", help="body side facing the camera")
    ap.add_argument("--camera-height", type=float, default=None)
    ap.add_argument("--fill", type=float, default=None, help="fraction of the frame the motion fills")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--size", default="640x480", help="WIDTHxHEIGHT")
    ap.add_argument("--noise", type=float, default=0.0, help="sensor noise sigma (0-255 levels)")
    ap.add_argument("--blur", type=float, default=0.0, help="gaussian blur sigma (pixels)")
    ap.add_argument("--crf", type=int, default=28)
    ap.add_argument("--barbell", action="store_true",
                    help="squat, deadlift: a loaded barbell (a back squat; a bar in the hands), 20 kg plates")
    return ap


def _spec_from_args(args: argparse.Namespace) -> ClipSpec:
    width, height = (int(v) for v in args.size.lower().split("x"))
    errors = {n: getattr(args, n) for n in EXERCISES[args.exercise].errors if getattr(args, n)}
    return ClipSpec(
        exercise=args.exercise, errors=errors, error_reps=args.error_reps, reps=args.reps, hold_s=args.hold_s,
        tempo=args.tempo, seed=args.seed, yaw_deg=args.yaw, side=args.side, camera_height_m=args.camera_height,
        fill=args.fill, fps=args.fps, width=width, height=height, noise=args.noise, blur=args.blur, crf=args.crf,
        barbell=dict(DEFAULT_BARBELL) if args.barbell else None,
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.spec:
        data = json.loads(args.spec.read_text())
        items = data if isinstance(data, list) else [data]
        jobs = []
        for item in items:
            item = dict(item)
            name = item.pop("name", None)
            path = args.out / f"{name}.mp4" if isinstance(data, list) else args.out
            jobs.append((ClipSpec.from_json(item), path))
    elif args.exercise:
        jobs = [(_spec_from_args(args), args.out)]
    else:
        print("give --exercise or --spec", file=sys.stderr)
        return 2
    for spec, path in jobs:
        r = generate(spec, path)
        size = r.video.stat().st_size / 1e6
        print(f"{r.video}: {r.frames} frames in {r.seconds:.1f} s ({r.frames / r.seconds:.1f} fps), "
              f"{size:.2f} MB; truth {r.truth}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
