"""Annotated video: frame count, duration, codec and faststart as the browser needs them; faults in colour
on the right segments for exactly the frames of the finding.

A synthetic plank (tests.helpers.plank_clip) whose hips sag from 3 s on gives a danger finding with known
spans; it is drawn over a plain grey clip of the same timing, so pixel checks do not depend on
the background.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

import analyzer.draw.annotate as annotate
from analyzer.adaptive import on_timeline
from analyzer.draw.annotate import EncodeSettings, render_annotated, render_parallel
from analyzer.draw.overlay import SEVERITY_COLOUR, annotated_still, overlay_plan
from analyzer.io.video import _mp4_top_boxes, frame_times_ms, probe
from analyzer.landmarks import INDEX
from analyzer.pipeline import Analysis
from tests.helpers.media import make_video, plain_clip
from tests.helpers.plank_clip import FPS, SECONDS, SIZE, sagging_plank

RED = np.array(SEVERITY_COLOUR["danger"], dtype=float)


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    result = sagging_plank()
    sag = [f for f in result.report.findings if f.code == "plank.sagging_hips"]
    assert sag and sag[0].severity.value == "danger", "the synthetic plank should sag past the danger limit"
    return result


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plain_clip(tmp_path_factory.mktemp("clip") / "plank.mp4", SIZE, int(SECONDS * FPS), FPS)


@pytest.fixture(scope="module")
def annotated(tmp_path_factory: pytest.TempPathFactory, clip: Path, analysis: Analysis) -> Path:
    return render_annotated(clip, analysis, tmp_path_factory.mktemp("out") / "annotated.mp4")


def decoded(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as c:
        return [(float(f.time) * 1000.0, f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


def stream_facts(path: Path) -> dict[str, object]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        times = [float(f.time) for f in c.decode(s)]
        return {
            "codec": s.codec_context.name,
            "pix_fmt": s.codec_context.pix_fmt,
            "frames": len(times),
            "times": times,
            "duration": float(s.duration * s.time_base),
            "size": (s.width, s.height),
            "audio": len(c.streams.audio),
        }


def midpoint_px(analysis: Analysis, t_ms: float, a: str, b: str, size: tuple[int, int]) -> tuple[int, int]:
    plan = overlay_plan(analysis)
    side = plan.side
    xy = plan.pose_at(t_ms) * np.array(size)
    p = (xy[INDEX[f"{side}_{a}"]] + xy[INDEX[f"{side}_{b}"]]) / 2
    return round(float(p[0])), round(float(p[1]))


def colour_near(img: np.ndarray, xy: tuple[int, int], radius: int = 1) -> np.ndarray:
    x, y = xy
    return (
        img[y - radius : y + radius + 1, x - radius : x + radius + 1]
        .reshape(-1, 3)
        .astype(float)
        .mean(axis=0)
    )


def is_red(rgb: np.ndarray) -> bool:
    return bool(rgb[0] > 150 and rgb[1] < 110 and rgb[2] < 110)


def test_same_frames_duration_codec_and_faststart(clip: Path, annotated: Path) -> None:
    source, out = stream_facts(clip), stream_facts(annotated)
    assert out["codec"] == "h264" and out["pix_fmt"] == "yuv420p"
    assert out["frames"] == source["frames"] == probe(clip).frame_count
    assert out["times"] == pytest.approx(source["times"], abs=1e-6)
    assert abs(out["duration"] - source["duration"]) <= 1.0 / FPS
    boxes = _mp4_top_boxes(annotated)
    assert boxes.index("moov") < boxes.index("mdat"), f"not faststart: {boxes}"
    assert out["audio"] == 0


def test_finding_segments_red_only_inside_its_span(analysis: Analysis, annotated: Path) -> None:
    (sag,) = [f for f in analysis.report.findings if f.code == "plank.sagging_hips"]
    ((t0, t1),) = sag.spans_ms
    frames = decoded(annotated)
    inside = [(t, img) for t, img in frames if t0 + 200 <= t <= t1 - 200]
    outside = [(t, img) for t, img in frames if 1000 <= t <= t0 - 300]
    assert inside and outside
    for t, img in inside[:: max(1, len(inside) // 5)]:
        for a, b in (
            ("shoulder", "hip"),
            ("hip", "knee"),
            ("knee", "ankle"),
        ):  # the body line shoulder-hip-ankle
            assert is_red(colour_near(img, midpoint_px(analysis, t, a, b, SIZE))), (
                f"{a}-{b} not red at {t:.0f} ms"
            )
        forearm = colour_near(img, midpoint_px(analysis, t, "elbow", "wrist", SIZE))
        assert not is_red(forearm), f"forearm coloured at {t:.0f} ms though the finding is about the hips"
    for t, img in outside[:: max(1, len(outside) // 5)]:
        rgb = colour_near(img, midpoint_px(analysis, t, "hip", "knee", SIZE))
        assert not is_red(rgb) and rgb.min() > 170, (
            f"hip-knee should be white outside the span at {t:.0f} ms: {rgb}"
        )


def test_frames_skipped_by_stride_still_get_the_overlay(
    tmp_path: Path, analysis: Analysis, clip: Path
) -> None:
    strided = replace(analysis, track=analysis.track[::3])  # analysed every 3rd frame; spans stay the same
    strided.features = None
    out = render_annotated(clip, strided, tmp_path / "strided.mp4")
    frames = decoded(out)
    assert len(frames) == probe(clip).frame_count
    ((t0, t1),) = next(f for f in analysis.report.findings if f.code == "plank.sagging_hips").spans_ms
    skipped = [(t, img) for k, (t, img) in enumerate(frames) if k % 3 and t0 + 200 <= t <= t1 - 200]
    t, img = skipped[len(skipped) // 2]
    assert is_red(colour_near(img, midpoint_px(strided, t, "hip", "knee", SIZE)))


def test_odd_size_is_padded_to_even(tmp_path: Path, analysis: Analysis) -> None:
    odd = make_video(
        tmp_path / "odd.mkv", width=321, height=241, n_frames=12, fps=30, codec="ffv1", pix_fmt="yuv444p"
    )
    out = render_annotated(odd, analysis, tmp_path / "odd.mp4")
    facts = stream_facts(out)
    assert facts["size"] == (322, 242) and facts["pix_fmt"] == "yuv420p"
    assert facts["frames"] == 12


def test_parallel_chunks_join_into_the_same_video(
    tmp_path: Path, analysis: Analysis, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annotate, "MIN_RENDER_CHUNK_FRAMES", 30)
    seen: list[int] = []
    out = render_parallel(
        clip, analysis, tmp_path / "parallel.mp4", workers=2, progress=lambda done, total: seen.append(done)
    )
    source, joined = stream_facts(clip), stream_facts(out)
    assert joined["frames"] == source["frames"]
    assert joined["times"] == pytest.approx(source["times"], abs=1e-6)
    assert abs(joined["duration"] - source["duration"]) <= 1.0 / FPS
    boxes = _mp4_top_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")
    assert seen and seen[-1] == source["frames"]


@pytest.fixture(scope="module")
def clip_60fps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plain_clip(tmp_path_factory.mktemp("clip60") / "plank60.mp4", SIZE, int(SECONDS * 60), 60)


def test_high_rate_clip_is_drawn_at_the_analysis_rate(
    tmp_path: Path, analysis: Analysis, clip_60fps: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 60 fps clip analysed at a lower rate: the video keeps the frames on the 30 fps grid (the default
    analysis's), at their source times, over the whole clip; the progress bar counts those frames."""
    monkeypatch.setattr(annotate, "MIN_RENDER_CHUNK_FRAMES", 30)
    seen: list[tuple[int, int]] = []
    out = render_parallel(
        clip_60fps, analysis, tmp_path / "shown.mp4", workers=2, progress=lambda done, total: seen.append((done, total))
    )
    source, shown = stream_facts(clip_60fps), stream_facts(out)
    assert source["frames"] == SECONDS * 60 and shown["frames"] == SECONDS * 30
    assert shown["times"] == pytest.approx(source["times"][::2], abs=1e-6)
    assert abs(shown["duration"] - source["duration"]) <= 2.0 / 60
    assert seen[-1] == (SECONDS * 30, SECONDS * 30)
    ((t0, t1),) = next(f for f in analysis.report.findings if f.code == "plank.sagging_hips").spans_ms
    t, img = next((t, img) for t, img in decoded(out) if t >= (t0 + t1) / 2)
    assert is_red(colour_near(img, midpoint_px(analysis, t, "hip", "knee", SIZE)))


def test_a_track_with_every_frame_is_drawn_on_every_frame(
    tmp_path: Path, analysis: Analysis, clip_60fps: Path
) -> None:
    every = replace(analysis, track=on_timeline(analysis.track, frame_times_ms(clip_60fps)))
    out = render_annotated(clip_60fps, every, tmp_path / "every.mp4")
    assert stream_facts(out)["frames"] == probe(clip_60fps).frame_count == SECONDS * 60


def test_settings_cap_large_sources(tmp_path: Path, analysis: Analysis, clip: Path) -> None:
    out = render_annotated(clip, analysis, tmp_path / "small.mp4", settings=EncodeSettings(max_side=240))
    assert stream_facts(out)["size"] == (240, 180)


def test_still_without_video_draws_the_skeleton_on_plain_ground(analysis: Analysis) -> None:
    plan = overlay_plan(analysis)
    still = annotated_still(None, plan, 5000.0, max_side=300)
    assert max(still.shape[:2]) <= 300
    red = (still[..., 0] > 180) & (still[..., 1] < 90) & (still[..., 2] < 90)
    assert red.sum() > 20, "the sagging hips should be drawn in red"
