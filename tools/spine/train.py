"""Train the spine estimator end to end: ``python -m tools.spine.train --data /work/spine_data``.

Renders the clips (tools/spine/specs.py; resumes), runs formcheck's pose
model over them (tools/spine/extract.py), fits the net on the training clips
(means by least squares, sds by likelihood; the mask in the chord's frame and the profiles), measures it on the
held-out clips (other bodies, clothes, rooms) and writes
``analyzer/pose/models/spine_net.npz``, printing its sha256 for
``analyzer.pose.model.SPINE_MODEL_SHA256`` and the error table for the README.
Needs the synth environment (torch for the fit only; the app runs the model in numpy).
Back squats with a loaded bar are left out of the fit, and clips with a bar out of the out-of-distribution
test's yardstick: the plates hide the upper back, the shoulder landmarks go astray under them, and a net that
answers there answers wrongly (tools/spine/README.md, "Barbells"); deadlifts with a bar in the hands are learnt.
Deterministic for a given data set: fixed seeds, one thread.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from analyzer.pose.model import SPINE_MODEL_FILE
from analyzer.pose.spine import OUTPUTS, ChordFrame, SpineInputs, SpineModel, features

if TYPE_CHECKING:
    import torch

CHANNELS = (16, 32, 32)  # the three convolutions' maps
UNITS = 64  # each dense layer's
EPOCHS = 20
INPUT_NOISE = 0.3  # in input sds: the pose model's jitter on real video exceeds the renders'
# The grid is shifted by up to this many cells (0.05 chord lengths each) in each batch: with 1,155 cells a
# net that may look at each on its own learns the training clips by heart (tools/spine/README.md).
SHIFT = 2
OOD_SHRINK = 0.05  # covariance shrinkage toward the diagonal for the out-of-distribution test


@dataclass
class Frames:
    """Model inputs and truths of many frames, with each frame's clip and that clip's description."""

    x: np.ndarray
    grid: np.ndarray  # (N, T, D) the mask in the chord's frame, as extracted (float16)
    y: np.ndarray
    clip: np.ndarray
    phase: np.ndarray  # depth of the movement (0 standing, 1 the bottom)
    meta: list[dict]
    names: list[str]


def load(inputs_dir: Path) -> Frames:
    """Every extracted frame with inputs and a finite truth; clips extracted before the grid was saved are left
    out (extract them again)."""
    xs, grids, ys, clips, phases, metas, names = [], [], [], [], [], [], []
    for path in sorted(inputs_dir.glob("*.npz")):
        with np.load(path) as npz:
            z = {k: npz[k] for k in npz.files}  # each access of an npz member decompresses it again
        if "grid" not in z:
            continue
        c = len(names)
        metas.append(json.loads(str(z["meta"])))
        names.append(path.stem)
        for i in np.flatnonzero(z["valid"]):
            frame = ChordFrame(z["shoulder"][i], z["u"][i], z["back"][i], float(z["length"][i]),
                               "left" if z["near_left"][i] else "right", float(z["spread"][i]))
            x = features(SpineInputs(frame, z["dorsal"][i], z["sharp"][i], z["ventral"][i], z["xy"][i], z["grid"][i]))
            if x is None or not np.all(np.isfinite(z["truth"][i])):
                continue
            xs.append(x)
            grids.append(z["grid"][i])
            ys.append(z["truth"][i])
            clips.append(c)
            phases.append(z["phase"][i])
    return Frames(np.array(xs), np.array(grids), np.array(ys), np.array(clips), np.array(phases), metas, names)


def _net(n_features: int, n_outputs: int) -> torch.nn.Module:
    """The layers SpineModel runs in numpy, in torch for the fit (the same order, the same shapes)."""
    import torch
    from torch import nn
    from torch.nn import functional

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            sizes = (1, *CHANNELS)
            self.convs = nn.ModuleList([nn.Conv2d(a, b, 3, padding=1) for a, b in zip(sizes[:-1], sizes[1:])])
            self.maps = nn.Linear(CHANNELS[-1] * 16, UNITS)
            self.profiles = nn.Linear(n_features, UNITS)
            self.hidden = nn.Linear(2 * UNITS, UNITS)
            self.last = nn.Linear(UNITS, 2 * n_outputs)

        def features(self, grid: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
            """The last hidden layer, from which ``last`` gives the means and log-sds."""
            h = grid
            for i, conv in enumerate(self.convs):
                h = conv(h).relu()
                h = functional.max_pool2d(h, 2) if i < len(self.convs) - 1 else functional.adaptive_avg_pool2d(h, 4)
            h = torch.cat([self.maps(h.flatten(1)).relu(), self.profiles(z).relu()], dim=1)
            return self.hidden(h).relu()

    return Net()


def fit(x: np.ndarray, grid: np.ndarray, y: np.ndarray, seed: int = 0, yardstick: np.ndarray | None = None) -> SpineModel:
    """The net on profile features ``x`` (N, F) and grids (N, T, D) against truths ``y`` (N, 3): means by
    least squares, sds by likelihood around them; grids shifted by up to SHIFT cells at random, profiles noised.
    The out-of-distribution test measures against the rows ``yardstick`` (a boolean mask; all rows without one)."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    x_mean, x_scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-3)
    y_mean, y_scale = y.mean(axis=0), y.std(axis=0)
    z = torch.tensor((x - x_mean) / x_scale, dtype=torch.float32)
    g = torch.tensor(np.asarray(grid, dtype=np.float32))[:, None]
    t = torch.tensor((y - y_mean) / y_scale, dtype=torch.float32)
    k = y.shape[1]
    net = _net(x.shape[1], k)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(EPOCHS):
        for idx in torch.randperm(len(z), generator=gen).split(256):
            dy, dx = (int(v) for v in torch.randint(-SHIFT, SHIFT + 1, (2,), generator=gen))
            hidden = net.features(torch.roll(g[idx], shifts=(dy, dx), dims=(2, 3)),
                                  z[idx] + INPUT_NOISE * torch.randn(len(idx), z.shape[1], generator=gen))
            error = net.last(hidden)[:, :k] - t[idx]
            # the sds learn on the means' features without moving them: the means stay least squares
            log_sd = net.last(hidden.detach())[:, k:].clamp(-6, 6)
            loss = (error**2).mean() + (0.5 * (error.detach() / log_sd.exp()) ** 2 + log_sd).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()

    def wb(layer: torch.nn.Module, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        w = layer.weight.detach().numpy().astype(np.float64)
        return (w.T if dense else w), layer.bias.detach().numpy().astype(np.float64)

    whiten, limit = ood_whitening(((x[yardstick] if yardstick is not None else x) - x_mean) / x_scale)
    return SpineModel(
        x_mean, x_scale, tuple(wb(c, False) for c in net.convs),
        tuple(wb(d, True) for d in (net.maps, net.profiles, net.hidden, net.last)),
        y_mean, y_scale, whiten, limit,
    )


def ood_whitening(z: np.ndarray, shrink: float = OOD_SHRINK) -> tuple[np.ndarray, float]:
    """Whitening matrix of the standardised training inputs (covariance shrunk toward its diagonal) and the
    99th percentile of their mean squared whitened values: the yardstick of SpineModel.predict's distance."""
    cov = np.cov(z, rowvar=False)
    cov = (1 - shrink) * cov + shrink * np.diag(np.diag(cov))
    eigenvalues, vectors = np.linalg.eigh(cov)
    whiten = vectors / np.sqrt(np.maximum(eigenvalues, 1e-3))
    return whiten, float(np.percentile(np.mean((z @ whiten) ** 2, axis=1), 99))


def error_table(mean: np.ndarray, frames: Frames) -> dict[str, dict[str, list[float]]]:
    """Median and 90th percentile absolute error (deg) of the estimated ``mean`` (N, 3) per angle, overall and
    per group of clips."""
    err = np.abs(mean - frames.y)

    def group(meta: dict) -> list[str]:
        weight = meta["phenotype"]["weight"]
        body = "slim" if weight < 0.4 else "heavy" if weight > 0.6 else "average"
        yaw = meta["yaw_deg"]
        return [
            "all", f"yaw {int(yaw // 10) * 10}-{int(yaw // 10) * 10 + 10}", f"body {body}",
            "long sleeves" if meta["look"]["long_sleeves"] else "short sleeves",
            "small figure (fill < 0.5)" if meta["fill"] < 0.5 else "large figure", meta["exercise"],
            f"{meta['exercise']} with a barbell" if meta.get("barbell") else f"{meta['exercise']} without",
        ]

    rows: dict[str, list[int]] = {}
    for i, c in enumerate(frames.clip):
        where = ["bottom half of the rep"] if frames.phase[i] > 0.5 else []
        for g in group(frames.meta[c]) + where:
            rows.setdefault(g, []).append(i)
    table = {}
    for g, idx in sorted(rows.items()):
        e = err[idx]
        table[g] = {o: [round(float(np.median(e[:, j])), 1), round(float(np.percentile(e[:, j], 90)), 1)]
                    for j, o in enumerate(OUTPUTS)} | {"frames": [len(idx)]}
    return table


def change_errors(mean: np.ndarray, frames: Frames) -> dict[str, list[float]]:
    """Per clip, what the checks read: the change from standing (depth < 0.1) to the bottom (> 0.85), estimated
    (``mean``, N x 3) against true; median and 90th percentile of its absolute error (deg) over the clips, per
    exercise and angle (the deadlift's as lumbar plus thoracic, the sum its check judges), and the number of clips."""
    errors: dict[str, list[float]] = {}
    for c in np.unique(frames.clip):
        here = frames.clip == c
        bottom, standing = frames.phase[here] > 0.85, frames.phase[here] < 0.1
        if bottom.sum() < 2 or standing.sum() < 2:
            continue
        change = mean[here][bottom].mean(axis=0) - mean[here][standing].mean(axis=0)
        truth = frames.y[here][bottom].mean(axis=0) - frames.y[here][standing].mean(axis=0)
        error = np.abs(change - truth)
        loaded = " (barbell)" if frames.meta[c].get("barbell") else ""
        if frames.meta[c]["exercise"] == "squat":
            rows = {f"squat lumbar flexion{loaded}": error[0], f"squat pelvic tilt{loaded}": error[2]}
        else:
            rows = {f"deadlift lumbar + thoracic flexion{loaded}": abs(change[0] + change[1] - truth[0] - truth[1])}
        for key, value in rows.items():
            errors.setdefault(key, []).append(float(value))
    return {k: [round(float(np.median(v)), 1), round(float(np.percentile(v, 90)), 1), len(v)]
            for k, v in sorted(errors.items())}


def markdown(table: dict) -> str:
    head = "| held-out frames | n | " + " | ".join(f"{o} median / p90" for o in OUTPUTS) + " |"
    lines = [head, "|" + "---|" * (2 + len(OUTPUTS))]
    for g, row in table.items():
        cells = " | ".join(f"{row[o][0]} / {row[o][1]}" for o in OUTPUTS)
        lines.append(f"| {g} | {row['frames'][0]} | {cells} |")
    return "\n".join(lines)


def subset(frames: Frames, keep: np.ndarray) -> Frames:
    return Frames(frames.x[keep], frames.grid[keep], frames.y[keep], frames.clip[keep], frames.phase[keep], frames.meta,
                  frames.names)


FIXTURE_KEYS = ("valid", "dorsal", "sharp", "ventral", "shoulder", "u", "back", "length", "near_left", "spread", "xy",
                "grid", "truth", "phase")


def _rounding(meta: dict) -> tuple[float, float]:
    """A rendered clip's upper and lower back rounding (deg; negative arches)."""
    return tuple(meta["errors"].get(f"{region}_back_rounding", 0) for region in ("upper", "lower"))


def write_fixture(inputs_dir: Path, out: Path) -> None:
    """A few held-out clips' inputs and truths for tests/test_spine_estimator.py: a clean squat, a
    squat winking on every rep, a clean deadlift and a rounded one (the first of each, by name)."""
    wanted = {
        "squat_clean": lambda m: m["exercise"] == "squat" and not m["errors"],
        "squat_wink": lambda m: m["exercise"] == "squat" and m["errors"].get("butt_wink", 0) >= 15,
        "deadlift_clean": lambda m: m["exercise"] == "deadlift" and not m["errors"],
        # both regions rounding: an upper back rounding over a lower back arching adds up to little (13 deg of
        # 0064's 39 and -11)
        "deadlift_rounded": lambda m: m["exercise"] == "deadlift"
        and sum(_rounding(m)) >= 25 and min(_rounding(m)) >= 0,
    }
    arrays: dict[str, np.ndarray] = {}
    for path in sorted(inputs_dir.glob("*_test_*.npz")):
        with np.load(path) as npz:
            meta = json.loads(str(npz["meta"]))
            if meta["yaw_deg"] > 30:
                continue
            for label, pick in wanted.items():
                if f"{label}_valid" not in arrays and pick(meta):
                    arrays |= {f"{label}_{k}": npz[k].astype(np.float32) if npz[k].dtype == np.float64 else npz[k]
                               for k in FIXTURE_KEYS}
                    arrays[f"{label}_clip"] = np.array(path.stem)
    np.savez_compressed(out, **arrays)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.spine.train", description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="working directory (renders/, inputs/), not in the repo")
    ap.add_argument("--n", type=int, default=2800, help="clips to render")
    ap.add_argument("--out", type=Path, default=SPINE_MODEL_FILE)
    ap.add_argument("--skip-render", action="store_true", help="use the clips already in DATA/renders")
    ap.add_argument("--fixture", type=Path, help="also write the test fixture of held-out inputs here")
    args = ap.parse_args(argv)
    from analyzer.pose.model import model_sha256
    from tools.spine.extract import main as extract
    from tools.spine.render_set import render_set

    if not args.skip_render:
        render_set(args.data / "renders", args.n, seed=16)
    extract([str(args.data / "renders"), str(args.data / "inputs")])
    frames = load(args.data / "inputs")
    held_out = np.array(["_test_" in frames.names[c] for c in frames.clip])
    barbell = np.array([bool(frames.meta[c].get("barbell")) for c in frames.clip])
    back_squat = barbell & np.array([frames.meta[c]["exercise"] == "squat" for c in frames.clip])
    train = ~held_out & ~back_squat
    model = fit(frames.x[train], frames.grid[train], frames.y[train], yardstick=~barbell[train])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    measured = subset(frames, held_out & ~back_squat)  # the net refuses back squats (see the module doc)
    estimated, _, _ = model.predict(measured.x, measured.grid)  # once: both tables read it
    table = error_table(estimated, measured)
    (args.data / "eval.json").write_text(json.dumps(table, indent=1))
    print(markdown(table))
    print("\n| change standing -> bottom, per held-out clip | median / p90 abs error (deg) | clips |\n|---|---|---|")
    for key, (median, p90, n) in change_errors(estimated, measured).items():
        print(f"| {key} | {median} / {p90} | {n} |")
    print(f"train frames {int(train.sum())}, held-out {len(measured.x)} (back squats with a bar in neither)")
    print(f"{args.out}: sha256 {model_sha256(args.out)}")
    if args.fixture:
        write_fixture(args.data / "inputs", args.fixture)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
