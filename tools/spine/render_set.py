"""Render the spine estimator's clips: ``python -m tools.spine.render_set --out DIR --n 2800 [--worker 0/2]``.

Skips clips already rendered, so an interrupted run resumes; ``--worker i/k``
renders every k-th clip from the i-th, for k processes side by side. Clips are
rendered in a child process replaced every CLIPS_PER_CHILD clips: the renderer
keeps ~30 MB a clip it never gives back, which filled 24 GB after 350 clips.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tools.spine.specs import make_specs
from tools.synth.spec import ClipSpec

CLIPS_PER_CHILD = 25


def _render(item: dict, path: Path) -> str:
    from tools.synth.render import generate

    r = generate(ClipSpec.from_json(item), path)
    return f"{path.name}: {r.frames} frames, {r.frames / r.seconds:.1f} fps"


def render_set(out: Path, n: int, seed: int, worker: tuple[int, int] = (0, 1)) -> None:
    out.mkdir(parents=True, exist_ok=True)
    specs = make_specs(n, seed)
    (out / "specs.json").write_text(json.dumps(specs, indent=1))
    i, k = worker
    with ProcessPoolExecutor(max_workers=1, max_tasks_per_child=CLIPS_PER_CHILD) as child:
        for item in specs[i::k]:
            item = dict(item)
            path = out / f"{item.pop('name')}.mp4"
            if path.exists() and path.with_suffix(".json").exists():
                continue
            print(child.submit(_render, item, path).result(), flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.spine.render_set", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=2800)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--worker", default="0/1", help="i/k: render clips i, i+k, i+2k, ...")
    args = ap.parse_args(argv)
    i, k = (int(v) for v in args.worker.split("/"))
    render_set(args.out, args.n, args.seed, (i, k))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
