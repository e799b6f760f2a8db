"""Tests for analyzer.io.video: containers, rotation, timestamps, chunks, streaming, errors, real clips."""

from __future__ import annotations

import csv
import logging
import math
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

import analyzer.io.video as video
from analyzer.io.video import Frame, VideoError, iter_frames, probe
from tests.helpers import media
from tests.helpers.paths import shared_clip

# --------------------------------------------------------------------------- helpers


def assert_pattern(rgb: np.ndarray, i: int | None = None, tol: float = 12.0) -> None:
    """Colour bars in the right columns (no shear) and, optionally, frame i's marker."""
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
    assert rgb.flags["C_CONTIGUOUS"]
    h, w, _ = rgb.shape
    expected = media.pattern(w, h, 0)
    # Compare the bars away from their edges (codecs blur edges), on the top AND bottom
    # rows of the bar area: a sheared/padded image would drift between the two.
    for y in (h // 16, (3 * h) // 4 - 2):
        for b in range(len(media.BARS)):
            x0, x1 = (b * w + len(media.BARS) - 1) // len(media.BARS), ((b + 1) * w) // len(media.BARS)
            inner = slice(x0 + 2, x1 - 2) if x1 - x0 > 5 else slice(x0, x1)
            got = rgb[y, inner].astype(float).mean(axis=0)
            assert np.abs(got - expected[y, x0]).max() < tol * 3, (y, b, got, expected[y, x0])
    if i is not None:
        block = rgb[(3 * h) // 4 + 3 : h - 3, 3 : w // 4 - 3].astype(float)
        assert abs(block.mean() - media.marker_level(i)) < 3.0, (i, block.mean())


def ts(frames: list[Frame]) -> list[float]:
    return [f.t_ms for f in frames]


def one_sentence(e: BaseException) -> str:
    msg = str(e)
    assert "\n" not in msg and "Traceback" not in msg
    assert msg.endswith(".") and msg[0].isupper(), msg
    return msg


# --------------------------------------------------------------------------- containers & pixels


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv", ".webm", ".avi", ".gif"])
def test_every_container_decodes_all_frames_with_right_pixels(tmp_path: Path, suffix: str) -> None:
    path = media.make_video(tmp_path / f"clip{suffix}", width=96, height=64, n_frames=12)
    info = probe(path)
    assert (info.kind, info.width, info.height, info.rotation) == ("video", 96, 64, 0)
    assert info.frame_count == 12
    assert info.duration_s == pytest.approx(12 / 30, abs=0.05)
    frames = list(iter_frames(path))
    assert [f.index for f in frames] == list(range(12))
    assert frames[0].t_ms == 0.0
    assert np.all(np.diff(ts(frames)) > 0)
    assert frames[-1].t_ms == pytest.approx(11 * 1000 / 30, abs=12)  # gif: centisecond delays
    for f in frames:
        assert_pattern(f.rgb, None if suffix == ".gif" else f.index, tol=25 if suffix == ".gif" else 12)


@pytest.mark.parametrize("w,h", [(854, 480), (492, 720), (620, 360)])
def test_unaligned_widths_are_contiguous_and_unsheared(tmp_path: Path, w: int, h: int) -> None:
    path = media.make_video(tmp_path / "odd.mp4", width=w, height=h, n_frames=2)
    frames = list(iter_frames(path))
    assert frames[0].rgb.shape == (h, w, 3)
    for f in frames:
        assert_pattern(f.rgb, f.index)


def test_odd_sizes_via_rgb_codec_and_via_downscale(tmp_path: Path) -> None:
    # yuv420p cannot encode 333x241; PNG-in-MOV (rgb24) can, and exercises the same path.
    path = media.make_video(
        tmp_path / "odd.mov", width=333, height=241, n_frames=2, codec="png", pix_fmt="rgb24"
    )
    f = next(iter_frames(path))
    assert f.rgb.shape == (241, 333, 3)
    assert_pattern(f.rgb, 0, tol=1)
    # downscaling an even clip to odd output sizes
    path = media.make_video(tmp_path / "big.mp4", width=854, height=480, n_frames=1)
    f = next(iter_frames(path, max_side=333))
    assert f.rgb.shape == (187, 333, 3)
    assert_pattern(f.rgb, 0)


def test_to_rgb_copies_padded_rows() -> None:
    src = av.VideoFrame.from_ndarray(media.pattern(334, 242), format="rgb24").reformat(format="yuv444p")
    raw = src.to_ndarray(format="rgb24")
    assert not raw.flags["C_CONTIGUOUS"]  # the trap this module exists to avoid
    out = video._to_rgb(src, 0, None)
    assert out.flags["C_CONTIGUOUS"] and out.shape == (242, 334, 3)
    assert np.array_equal(out, raw)


def test_max_side_keeps_aspect_and_never_upscales(tmp_path: Path) -> None:
    path = media.make_video(tmp_path / "c.mp4", width=160, height=96, n_frames=2)
    assert next(iter_frames(path, max_side=80)).rgb.shape == (48, 80, 3)
    assert next(iter_frames(path, max_side=1000)).rgb.shape == (96, 160, 3)


# --------------------------------------------------------------------------- rotation


@pytest.mark.parametrize("ccw,cw", [(-90, 90), (90, 270), (180, 180), (0, 0)])
def test_rotation_metadata_makes_frames_upright(tmp_path: Path, ccw: int, cw: int) -> None:
    # A phone held upright records a landscape picture plus "rotate 90° clockwise" (ccw=-90).
    path = media.make_video(tmp_path / "phone.mp4", width=96, height=64, n_frames=3, rotation_ccw=ccw)
    info = probe(path)
    assert info.rotation == cw
    assert (info.width, info.height) == ((64, 96) if cw in (90, 270) else (96, 64))
    for f in iter_frames(path, max_side=48):
        assert f.rgb.flags["C_CONTIGUOUS"]
        assert f.rgb.shape == ((48, 32, 3) if cw in (90, 270) else (32, 48, 3))
    f = next(iter_frames(path))
    expected = np.rot90(media.pattern(96, 64, 0), k=-cw // 90)
    assert f.rgb.shape == expected.shape
    assert np.abs(f.rgb.astype(int) - expected).mean() < 6


@pytest.mark.parametrize("suffix", [".mov", ".mkv", ".webm"])
def test_rotation_in_other_containers(tmp_path: Path, suffix: str) -> None:
    path = media.make_video(tmp_path / f"phone{suffix}", width=96, height=64, n_frames=2, rotation_ccw=-90)
    assert probe(path).rotation == 90
    assert next(iter_frames(path)).rgb.shape == (96, 64, 3)


def test_legacy_rotate_tag_and_display_matrix_conventions() -> None:
    from types import SimpleNamespace as NS

    assert video._tag_rotation(NS(metadata={"rotate": "90"})) == 90
    assert video._tag_rotation(NS(metadata={"rotate": "-90"})) == 270
    assert video._tag_rotation(NS(metadata={"rotate": "junk"})) == 0
    assert video._frame_rotation(NS(rotation=-90), 0) == 90  # display matrix wins
    assert video._frame_rotation(NS(rotation=180), 0) == 180
    assert video._frame_rotation(NS(rotation=0), 270) == 270  # no matrix: fall back to the tag


def test_portrait_phone_clip_comes_out_portrait(tmp_path: Path) -> None:
    path = media.make_video(tmp_path / "p.mov", width=128, height=72, n_frames=2, rotation_ccw=-90)
    f = next(iter_frames(path))
    assert f.rgb.shape[0] > f.rgb.shape[1]
    # stored leftmost bar (white) ends up on top, stored rightmost (black) at the bottom
    assert f.rgb[2, 40:60].mean() > 240 and f.rgb[-3, 40:60].mean() < 15


# --------------------------------------------------------------------------- timestamps


def test_variable_frame_rate_timestamps_come_from_pts(tmp_path: Path) -> None:
    pts = [0, 1, 3, 4, 10, 11, 12, 20, 21, 22]
    path = media.make_video(tmp_path / "vfr.mp4", n_frames=10, pts=pts, time_base=Fraction(1, 30))
    frames = list(iter_frames(path))
    assert ts(frames) == pytest.approx([p * 1000 / 30 for p in pts])
    for f in frames:
        assert_pattern(f.rgb, f.index)


def test_duplicate_pts_are_dropped_keeping_order(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = media.make_video_packet_pts(tmp_path / "dup.mkv", [0, 33, 33, 100, 133])
    with caplog.at_level(logging.WARNING, logger="analyzer.io.video"):
        frames = list(iter_frames(path))
    assert ts(frames) == [0, 33, 100, 133]
    assert [f.index for f in frames] == [0, 1, 3, 4]
    assert "duplicate" in caplog.text


# --------------------------------------------------------------------------- stride / fps / chunks


def test_stride_keeps_every_nth_source_frame(tmp_path: Path) -> None:
    path = media.make_video(tmp_path / "c.mp4", n_frames=20)
    frames = list(iter_frames(path, stride=3))
    assert [f.index for f in frames] == list(range(0, 20, 3))
    for f in frames:
        assert_pattern(f.rgb, f.index)


def test_fps_picks_frames_closest_to_target_grid(tmp_path: Path) -> None:
    path = media.make_video(tmp_path / "c.mp4", n_frames=30)
    assert ts(list(iter_frames(path, fps=10))) == pytest.approx([k * 100 for k in range(10)], abs=0.01)
    assert len(list(iter_frames(path, fps=60))) == 30  # never invents frames
    # VFR source: closest by time, not by index
    pts = [0, 1, 2, 4, 7, 8, 9, 16, 17, 18]  # 1/30 s units
    path = media.make_video(tmp_path / "vfr.mp4", n_frames=10, pts=pts, time_base=Fraction(1, 30))
    got = [round(t * 30 / 1000) for t in ts(list(iter_frames(path, fps=6)))]  # grid every 5 units
    assert got == [0, 4, 9, 16]  # grid 0,5,10,15 -> 0, 4 (not 7), 9, 16; tick 20 is past the end


@pytest.mark.parametrize("kw", [{}, {"stride": 3}, {"fps": 7}])
def test_chunks_tile_the_clip_without_overlap_or_gap(tmp_path: Path, kw: dict) -> None:
    # B-frames + short GOP so that seeks land on keyframes well before the chunk start.
    path = media.make_video(
        tmp_path / "c.mp4", n_frames=40, gop=8, codec_options={"bf": "2", "preset": "fast"}
    )
    full = list(iter_frames(path, **kw))
    bounds = [None, 100.0, 250.0, 520.0, 900.0, None]  # 100.0 is exactly frame 3's timestamp
    chunked: list[Frame] = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        part = list(iter_frames(path, start_ms=lo, end_ms=hi, **kw))
        assert all((lo is None or f.t_ms >= lo) and (hi is None or f.t_ms < hi) for f in part)
        chunked += part
    assert ts(chunked) == ts(full)
    assert [f.index for f in chunked] == [f.index for f in full]
    for f in chunked:
        assert_pattern(f.rgb, f.index)


@pytest.mark.parametrize("kw", [{"stride": 2}, {"fps": 8}])
def test_chunks_of_vfr_clip_keep_exact_indices(tmp_path: Path, kw: dict) -> None:
    # irregular gaps: an index estimated from timestamp*avg_fps would be wrong after a seek
    pts = np.cumsum([0] + [1, 1, 3, 1, 2, 1, 1, 4, 1, 1] * 4)[:40].tolist()
    path = media.make_video(tmp_path / "vfr.mp4", n_frames=40, pts=pts, time_base=Fraction(1, 30), gop=6)
    full = list(iter_frames(path, **kw))
    chunked = [
        f
        for lo, hi in [(None, 300.0), (300.0, 800.0), (800.0, None)]
        for f in iter_frames(path, start_ms=lo, end_ms=hi, **kw)
    ]
    assert [(f.index, f.t_ms) for f in chunked] == [(f.index, f.t_ms) for f in full]
    for f in chunked:
        assert_pattern(f.rgb, f.index)


@pytest.mark.parametrize("kw", [{}, {"fps": 7}])
def test_spans_read_in_one_pass_are_the_frames_each_span_gets_alone(tmp_path: Path, kw: dict) -> None:
    path = media.make_video(
        tmp_path / "c.mp4", n_frames=40, gop=8, codec_options={"bf": "2", "preset": "fast"}
    )
    spans = [(100.0, 250.0), (400.0, 520.0), (900.0, math.inf)]
    one_pass = list(iter_frames(path, start_ms=spans[0][0], within=spans, **kw))
    alone = [f for lo, hi in spans for f in iter_frames(path, start_ms=lo, end_ms=min(hi, 1e9), **kw)]
    assert [(f.index, f.t_ms) for f in one_pass] == [(f.index, f.t_ms) for f in alone]
    assert len(alone) < len(list(iter_frames(path, start_ms=spans[0][0], **kw)))
    for f in one_pass:
        assert_pattern(f.rgb, f.index)


def test_seek_into_middle_gets_the_right_frames(tmp_path: Path) -> None:
    path = media.make_video(tmp_path / "c.mkv", n_frames=40, gop=5)
    frames = list(iter_frames(path, start_ms=700, end_ms=900))
    assert [f.index for f in frames] == [21, 22, 23, 24, 25, 26]
    for f in frames:
        assert_pattern(f.rgb, f.index)


# --------------------------------------------------------------------------- image folders


def test_image_folder_natural_order_and_timestamps(tmp_path: Path) -> None:
    folder = media.make_image_folder(tmp_path / "imgs", n=12)  # frame0..frame11, unpadded
    (folder / "notes.txt").write_text("ignored")
    info = probe(folder, image_fps=10)
    assert (info.kind, info.width, info.height, info.frame_count, info.fps) == ("images", 64, 48, 12, 10)
    frames = list(iter_frames(folder, image_fps=10))
    assert [f.index for f in frames] == list(range(12))  # frame2 before frame10
    assert ts(frames) == pytest.approx([i * 100 for i in range(12)])
    for f in frames:
        assert_pattern(f.rgb, f.index, tol=1)
    assert [f.index for f in iter_frames(folder, start_ms=30 * 3, end_ms=30 * 7)] == [3, 4, 5, 6]  # 30 fps
    assert [f.index for f in iter_frames(folder, stride=5)] == [0, 5, 10]


def test_image_folder_jpg(tmp_path: Path) -> None:
    folder = media.make_image_folder(tmp_path / "j", n=3, ext=".jpg")
    frames = list(iter_frames(folder))
    assert len(frames) == 3 and probe(folder).codec == "mjpeg"
    assert_pattern(frames[0].rgb, tol=15)


def test_image_folder_size_mismatch_names_the_file(tmp_path: Path) -> None:
    folder = media.make_image_folder(tmp_path / "imgs", n=3)
    media.make_image_folder(folder, n=1, width=80, name="frame9")
    with pytest.raises(VideoError, match=r"frame9\.png is 80x48") as e:
        probe(folder)
    one_sentence(e.value)
    with pytest.raises(VideoError, match="frame9"):
        list(iter_frames(folder))


# --------------------------------------------------------------------------- streaming
# That decoding runs ahead while the caller works is a matter of time, not of behaviour: measured by
# bench/prefetch.py (a ratio), never asserted here.


def _decoder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("video-decode:")]


def test_prefetch_bounds_memory_and_early_close_stops_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = media.make_video(tmp_path / "c.mp4", n_frames=30)
    converted = []
    real = video._to_rgb
    monkeypatch.setattr(video, "_to_rgb", lambda *a: converted.append(1) or real(*a))
    gen = iter_frames(path, prefetch=2)
    first = next(gen)
    assert first.index == 0
    time.sleep(0.3)  # producer runs ahead only until the queue is full
    assert len(converted) <= 1 + 2 + 1
    assert len(_decoder_threads()) == 1
    gen.close()
    assert _decoder_threads() == []


def test_breaking_out_of_loop_stops_thread(tmp_path: Path) -> None:
    path = media.make_video(tmp_path / "c.mp4", n_frames=30)
    for f in iter_frames(path, prefetch=1):
        if f.index == 2:
            break
    deadline = time.monotonic() + 2
    while _decoder_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _decoder_threads() == []


def test_decode_errors_reach_the_consumer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = media.make_video(tmp_path / "c.mp4", n_frames=10)
    real = video._to_rgb

    def flaky(fr, rot, max_side):
        if fr.pts is not None and fr.pts > 5 * 512:  # mp4 time base 1/15360, 512 per frame
            raise RuntimeError("boom")
        return real(fr, rot, max_side)

    monkeypatch.setattr(video, "_to_rgb", flaky)
    got = []
    with pytest.raises(VideoError, match="RuntimeError: boom"):
        for f in iter_frames(path):
            got.append(f.index)
    assert got == [0, 1, 2, 3, 4, 5]
    assert _decoder_threads() == []


# --------------------------------------------------------------------------- errors


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="not found") as e:
        probe(tmp_path / "nope.mp4")
    one_sentence(e.value)
    with pytest.raises(VideoError, match="not found"):
        next(iter_frames(tmp_path / "nope.mp4"))


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty") as e:
        probe(tmp_path / "e.mp4")
    one_sentence(e.value)


def test_text_file_renamed_mp4(tmp_path: Path) -> None:
    (tmp_path / "t.mp4").write_text("this is not a video\n" * 50)
    with pytest.raises(VideoError, match="not a readable video") as e:
        probe(tmp_path / "t.mp4")
    one_sentence(e.value)
    with pytest.raises(VideoError, match="not a readable video"):
        list(iter_frames(tmp_path / "t.mp4"))


def test_audio_only_file(tmp_path: Path) -> None:
    path = media.make_audio_only(tmp_path / "a.mp4")
    with pytest.raises(VideoError, match="no video stream") as e:
        probe(path)
    one_sentence(e.value)
    with pytest.raises(VideoError, match="no video stream"):
        list(iter_frames(path))


def test_zero_decodable_frames(tmp_path: Path) -> None:
    good = media.make_video(tmp_path / "g.mp4", n_frames=5, faststart=True)
    bad = media.zero_media_data(good, tmp_path / "bad.mp4")
    with pytest.raises(VideoError, match="no decodable video frames") as e:
        probe(bad)
    one_sentence(e.value)
    with pytest.raises(VideoError, match="no decodable video frames"):
        list(iter_frames(bad))


def test_truncated_mp4_without_moov_says_re_export(tmp_path: Path) -> None:
    good = media.make_video(tmp_path / "g.mp4", n_frames=30)  # moov at the end (no faststart)
    cut = media.truncate(good, tmp_path / "cut.mp4", 0.5)
    with pytest.raises(VideoError, match="incomplete or corrupt.*re-export") as e:
        probe(cut)
    one_sentence(e.value)


def test_truncated_mp4_with_moov_first_yields_what_decodes_and_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = media.make_video(tmp_path / "g.mp4", n_frames=60, faststart=True)
    cut = media.truncate(good, tmp_path / "cut.mp4", 0.5)
    assert probe(cut).frame_count == 60  # the index still claims everything
    with caplog.at_level(logging.WARNING, logger="analyzer.io.video"):
        frames = list(iter_frames(cut))
    assert 5 < len(frames) < 60
    assert np.all(np.diff(ts(frames)) > 0)
    assert "truncated" in caplog.text


def test_unsupported_suffix(tmp_path: Path) -> None:
    (tmp_path / "clip.wmv").write_bytes(b"x" * 100)
    with pytest.raises(VideoError, match="Unsupported file type") as e:
        probe(tmp_path / "clip.wmv")
    one_sentence(e.value)
    (tmp_path / "pic.jpg").write_bytes(b"x" * 100)
    with pytest.raises(VideoError, match="folder"):
        probe(tmp_path / "pic.jpg")


def test_folder_without_images(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(VideoError, match="contains no images") as e:
        probe(tmp_path)
    one_sentence(e.value)
    with pytest.raises(VideoError, match="contains no images"):
        next(iter_frames(tmp_path))


def test_bad_arguments_are_programming_errors(tmp_path: Path) -> None:
    path = media.make_video(tmp_path / "c.mp4", n_frames=2)
    for kw in ({"stride": 0}, {"fps": 0}, {"prefetch": 0}, {"stride": 2, "fps": 5}, {"max_side": 0}):
        with pytest.raises(ValueError):
            next(iter_frames(path, **kw))
    assert list(iter_frames(path, start_ms=50, end_ms=50)) == []


# --------------------------------------------------------------------------- real clips

@pytest.mark.clips
def test_real_clips_probe_matches_manifest(clips_dir: Path) -> None:
    with (clips_dir / "MANIFEST.tsv").open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 30
    for row in rows:
        info = probe(clips_dir / row["file"])
        name = row["file"]
        assert (info.width, info.height) == (int(row["width"]), int(row["height"])), name
        assert info.fps == pytest.approx(float(row["fps"]), abs=0.02), name
        # MANIFEST has the container duration rounded to 0.1 s (audio may run longer than video)
        assert info.duration_s == pytest.approx(float(row["duration_s"]), abs=0.12), name
        assert info.rotation == 0, name  # none of the shared clips carries rotation metadata
        assert info.codec == "h264", name
        assert info.frame_count == pytest.approx(info.duration_s * info.fps, rel=0.01, abs=2), name


@pytest.mark.clips
@pytest.mark.parametrize(
    "name",
    ["liftcheck__squat.mp4", "formfit__deadlift.mp4", "mrpose__d59181_plank.mp4", "formfit__squat.mp4"],
)
def test_real_clips_decode_fully_with_stride(name: str) -> None:
    path = shared_clip(name)
    info = probe(path)
    frames = list(iter_frames(path, stride=10, max_side=256))
    assert len(frames) == math.ceil(info.frame_count / 10)
    assert [f.index for f in frames] == list(range(0, info.frame_count, 10))
    assert np.all(np.diff(ts(frames)) > 0)
    assert frames[-1].t_ms / 1000 == pytest.approx(info.duration_s, abs=10 / info.fps + 0.05)
    assert info.frame_count == pytest.approx(info.duration_s * info.fps, abs=2)
    for f in frames:
        assert f.rgb.flags["C_CONTIGUOUS"] and max(f.rgb.shape[:2]) == 256
