"""Train the spine estimator end to end: ``python -m tools.spine.train --data /work/spine_data``.

Renders the clips (tools/spine/specs.py; resumes), runs formcheck's pose
model over them (tools/spine/extract.py), fits the MLP on the training clips
with a Gaussian likelihood (mean and sd per angle), measures it on the
held-out clips (other bodies, clothes, rooms) and writes
``analyzer/pose/models/spine_mlp.npz``, printing its sha256 for
``analyzer.pose.model.SPINE_MODEL_SHA256`` and the error table for the README.
Needs the synth environment (torch for the fit only; the app runs the model in numpy).
Deterministic for a given data set: fixed seeds, one thread.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzer.pose.back_outline import T_SAMPLES
from analyzer.pose.model import SPINE_MODEL_FILE
from analyzer.pose.spine import OUTPUTS, VENTRAL_STEP, ChordFrame, SpineInputs, SpineModel, features

HIDDEN = (128, 128)
EPOCHS = 200
WARMUP_EPOCHS = 60  # means alone first (MSE), then means and sds together (likelihood)
INPUT_NOISE = 0.3  # in input sds: the pose model's jitter on real video exceeds the renders'
# Loose or tight clothes, a jacket, hair: the outline moves out or in as a whole (chord lengths, sd), which
# must not read as a bend; each training sample gets its own such shift of each profile.
OUTLINE_SHIFT = 0.03
OOD_SHRINK = 0.05  # covariance shrinkage toward the diagonal for the out-of-distribution test


@dataclass
class Frames:
    """Model inputs and truths of many frames, with each frame's clip and that clip's description."""

    x: np.ndarray
    y: np.ndarray
    clip: np.ndarray
    phase: np.ndarray  # depth of the movement (0 standing, 1 the bottom)
    meta: list[dict]
    names: list[str]


def load(inputs_dir: Path) -> Frames:
    xs, ys, clips, phases, metas, names = [], [], [], [], [], []
    for c, path in enumerate(sorted(inputs_dir.glob("*.npz"))):
        with np.load(path) as npz:
            z = {k: npz[k] for k in npz.files}  # each access of an npz member decompresses it again
        metas.append(json.loads(str(z["meta"])))
        names.append(path.stem)
        for i in np.flatnonzero(z["valid"]):
            frame = ChordFrame(z["shoulder"][i], z["u"][i], z["back"][i], float(z["length"][i]),
                               "left" if z["near_left"][i] else "right", float(z["spread"][i]))
            x = features(SpineInputs(frame, z["dorsal"][i], z["sharp"][i], z["ventral"][i], z["xy"][i]))
            if x is None or not np.all(np.isfinite(z["truth"][i])):
                continue
            xs.append(x)
            ys.append(z["truth"][i])
            clips.append(c)
            phases.append(z["phase"][i])
    return Frames(np.array(xs), np.array(ys), np.array(clips), np.array(phases), metas, names)


def fit(x: np.ndarray, y: np.ndarray, seed: int = 0) -> SpineModel:
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    x_mean, x_scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-3)
    y_mean, y_scale = y.mean(axis=0), y.std(axis=0)
    z = torch.tensor((x - x_mean) / x_scale, dtype=torch.float32)
    t = torch.tensor((y - y_mean) / y_scale, dtype=torch.float32)
    sizes = (x.shape[1], *HIDDEN)
    layers: list[torch.nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], 2 * y.shape[1]))
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    gen = torch.Generator().manual_seed(seed)
    k = y.shape[1]
    n_profile = len(T_SAMPLES)
    n_ventral = len(T_SAMPLES[::VENTRAL_STEP])
    dorsal = np.zeros(x.shape[1])
    dorsal[:n_profile] = 1.0
    ventral = np.zeros(x.shape[1])
    ventral[n_profile:n_profile + n_ventral] = 1.0
    shift_d = torch.tensor(OUTLINE_SHIFT * dorsal / x_scale, dtype=torch.float32)
    shift_v = torch.tensor(OUTLINE_SHIFT * ventral / x_scale, dtype=torch.float32)
    for epoch in range(EPOCHS):
        for idx in torch.randperm(len(z), generator=gen).split(512):
            shifts = torch.randn(len(idx), 2, generator=gen)
            noisy = (z[idx] + INPUT_NOISE * torch.randn(len(idx), z.shape[1], generator=gen)
                     + shifts[:, :1] * shift_d + shifts[:, 1:] * shift_v)
            out = net(noisy)
            mean, log_sd = out[:, :k], out[:, k:].clamp(-6, 6)
            if epoch < WARMUP_EPOCHS:
                loss = ((mean - t[idx]) ** 2).mean()
            else:
                loss = (0.5 * ((mean - t[idx]) / log_sd.exp()) ** 2 + log_sd).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    linear = [m for m in net if isinstance(m, torch.nn.Linear)]
    whiten, limit = ood_whitening((x - x_mean) / x_scale)
    return SpineModel(
        x_mean, x_scale,
        tuple(m.weight.detach().numpy().T.astype(np.float64) for m in linear),
        tuple(m.bias.detach().numpy().astype(np.float64) for m in linear),
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


def error_table(model: SpineModel, frames: Frames) -> dict[str, dict[str, list[float]]]:
    """Median and 90th percentile absolute error (deg) per angle, overall and per group of clips."""
    mean, _, _ = model.predict(frames.x)
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


def change_errors(model: SpineModel, frames: Frames) -> dict[str, list[float]]:
    """Per clip, what the checks read: the change from standing (depth < 0.1) to the bottom (> 0.85), estimated
    against true; median and 90th percentile of its absolute error (deg) over the clips, per exercise and angle
    (the deadlift's as lumbar plus thoracic, the sum its check judges), and the number of clips."""
    mean, _, _ = model.predict(frames.x)
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
    return Frames(frames.x[keep], frames.y[keep], frames.clip[keep], frames.phase[keep], frames.meta, frames.names)


FIXTURE_KEYS = ("valid", "dorsal", "sharp", "ventral", "shoulder", "u", "back", "length", "near_left", "spread", "xy",
                "truth", "phase")


def write_fixture(inputs_dir: Path, out: Path) -> None:
    """A few held-out clips' inputs and truths for tests/test_spine_estimator.py: a clean squat, a
    squat winking on every rep, a clean deadlift and a rounded one (the first of each, by name)."""
    wanted = {
        "squat_clean": lambda m: m["exercise"] == "squat" and not m["errors"],
        "squat_wink": lambda m: m["exercise"] == "squat" and m["errors"].get("butt_wink", 0) >= 15,
        "deadlift_clean": lambda m: m["exercise"] == "deadlift" and not m["errors"],
        "deadlift_rounded": lambda m: m["exercise"] == "deadlift"
        and m["errors"].get("upper_back_rounding", 0) + m["errors"].get("lower_back_rounding", 0) >= 25,
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
    ap.add_argument("--n", type=int, default=2200, help="clips to render")
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
    model = fit(frames.x[~held_out], frames.y[~held_out])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    table = error_table(model, subset(frames, held_out))
    (args.data / "eval.json").write_text(json.dumps(table, indent=1))
    print(markdown(table))
    print("\n| change standing -> bottom, per held-out clip | median / p90 abs error (deg) | clips |\n|---|---|---|")
    for key, (median, p90, n) in change_errors(model, subset(frames, held_out)).items():
        print(f"| {key} | {median} / {p90} | {n} |")
    print(f"train frames {int((~held_out).sum())}, held-out {int(held_out.sum())}")
    print(f"{args.out}: sha256 {model_sha256(args.out)}")
    if args.fixture:
        write_fixture(args.data / "inputs", args.fixture)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
