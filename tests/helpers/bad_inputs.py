"""A corpus of bad and hostile inputs, each made on the spot by the test that uses it (nothing binary is kept).

Every :class:`BadInput` writes one input into a folder and says what formcheck must answer: a refusal
whose one sentence contains ``says``, or (``analysable``) a report whose notices contain ``says``.
The kinds: videos cut short or with their index gone, pictures, text and nothing at all named .mp4,
forged headers (resolution, duration, time base), rotated and variable-rate clips; careless CSVs
(columns missing, words and infinities in the numbers, times going back, a byte-order mark, NUL bytes);
and file names with spaces, unicode, a newline, ``../`` or rich markup in them.

The byte patches know just enough of MP4 (boxes), AVI (``strf``) and Matroska (the Duration element)
to forge one field; each is checked by the test that uses it, not here.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from analyzer.io.track_csv import write_track_csv
from tests.helpers import media
from tests.helpers import skeleton as sk

# The clip every broken video starts from: small enough to make in milliseconds, long enough
# (2 s) to be judged once it has a person in it, even when cut in half.
CLIP = {"width": 96, "height": 64, "n_frames": 60, "fps": 30}
# The good track every broken CSV starts from: a plank, 3 s at 30 fps.
TRACK_SECONDS = 3.0


@dataclass(frozen=True)
class BadInput:
    id: str
    make: Callable[[Path], Path]  # writes the input into the folder given, returns its path
    says: str  # words of the refusal (or, when analysable, of a notice); "" for no particular notice
    analysable: bool = False  # a report with exit 0, not a refusal
    exercise: str = "plank"


# --------------------------------------------------------------------------- videos


def clip(folder: Path, name: str = "clip.mp4", **kw: object) -> Path:
    return media.make_video(folder / name, **{**CLIP, **kw})  # type: ignore[arg-type]


def cut(fraction: float, *, faststart: bool, suffix: str = ".mp4") -> Callable[[Path], Path]:
    """The clip cut after ``fraction`` of its bytes (a copy or an upload interrupted)."""

    def make(folder: Path) -> Path:
        whole = clip(folder, f"whole{suffix}", faststart=faststart)
        return media.truncate(whole, folder / f"cut{suffix}", fraction)

    return make


def _box(data: bytes | bytearray, kind: bytes) -> int:
    """Where the first MP4 box of ``kind`` starts (its size field)."""
    at = data.find(kind)
    assert at >= 4, f"no {kind!r} box"
    return at - 4


def patched(kind: bytes, offset: int, fmt: str, *values: int) -> Callable[[Path], Path]:
    """The clip (index first) with one field of its first ``kind`` box overwritten."""

    def make(folder: Path) -> Path:
        data = bytearray(clip(folder, "whole.mp4", faststart=True).read_bytes())
        struct.pack_into(fmt, data, _box(data, kind) + offset, *values)
        path = folder / "patched.mp4"
        path.write_bytes(bytes(data))
        return path

    return make


def moov_renamed(folder: Path) -> Path:
    """The index box still there but renamed, as a tool that gave up half-way leaves it."""
    data = bytearray(clip(folder, "whole.mp4").read_bytes())
    at = _box(data, b"moov")
    data[at + 4 : at + 8] = b"junk"  # not 'free': FFmpeg looks for a lost index inside a 'free' box
    path = folder / "no_moov.mp4"
    path.write_bytes(bytes(data))
    return path


def forged_resolution(width: int, height: int) -> Callable[[Path], Path]:
    """Uncompressed AVI whose header claims ``width`` x ``height``: only the container says the size."""

    def make(folder: Path) -> Path:
        small = media.make_video(folder / "small.avi", width=64, height=48, n_frames=10, codec="rawvideo", pix_fmt="rgb24")
        data = bytearray(small.read_bytes())
        struct.pack_into("<ii", data, data.find(b"strf") + 12, width, height)  # BITMAPINFOHEADER
        struct.pack_into("<II", data, data.find(b"avih") + 40, width, height)  # main header
        path = folder / "huge.avi"
        path.write_bytes(bytes(data))
        return path

    return make


def forged_duration(folder: Path) -> Path:
    """A Matroska clip whose header says it lasts 31 years (Duration, float64 ms)."""
    data = bytearray(clip(folder, "whole.mkv").read_bytes())
    at = data.find(bytes.fromhex("448988"))  # Duration element, 8-byte float
    struct.pack_into(">d", data, at + 3, 1e12)
    path = folder / "forever.mkv"
    path.write_bytes(bytes(data))
    return path


def unknown_codec(folder: Path) -> Path:
    """A Matroska clip whose track names a codec nobody has (fuzzing found its MP4 twin)."""
    data = clip(folder, "whole.mkv").read_bytes().replace(b"V_MPEG4/ISO/AVC", b"V_NOSUCH/CODEC1", 1)
    path = folder / "alien.mkv"
    path.write_bytes(data)
    return path


def frozen_clock(folder: Path) -> Path:
    """Every frame stamped 0 ms: a clip whose timestamps say nothing."""
    return media.make_video_packet_pts(folder / "frozen.mkv", [0] * 30)


def picture(codec: str, pix_fmt: str) -> Callable[[Path], Path]:
    """One still picture (PNG or JPEG) given a video's name."""

    def make(folder: Path) -> Path:
        frame = av.VideoFrame.from_ndarray(media.pattern(96, 64), format="rgb24")
        path = folder / "photo.mp4"
        with av.open(str(path), "w", format="image2pipe") as out:
            stream = out.add_stream(codec, rate=1)
            stream.width, stream.height, stream.pix_fmt = 96, 64, pix_fmt
            for packet in [*stream.encode(frame.reformat(format=pix_fmt)), *stream.encode()]:
                out.mux(packet)
        return path

    return make


def written(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    return make


def random_bytes(folder: Path) -> Path:
    return written("noise.mp4", np.random.default_rng(7).bytes(64 * 1024))(folder)


def zeroed_frames(folder: Path) -> Path:
    return media.zero_media_data(clip(folder, "whole.mp4", faststart=True), folder / "blank.mp4")


def empty_image_folder(folder: Path) -> Path:
    (folder / "frames.mp4").mkdir()
    (folder / "frames.mp4" / "notes.txt").write_text("no pictures here")
    return folder / "frames.mp4"


def broken_image_in_folder(folder: Path) -> Path:
    frames = media.make_image_folder(folder / "frames", n=6)
    (frames / "frame3.png").write_text("not a picture")
    return frames


VIDEOS: list[BadInput] = [
    *[
        BadInput(f"cut_at_{int(f * 100)}pc_index_last", cut(f, faststart=False), "incomplete")
        for f in (0.05, 0.25, 0.5, 0.75, 0.98)
    ],
    BadInput("cut_at_2pc_inside_index", cut(0.02, faststart=True), "incomplete"),
    BadInput("cut_at_90pc_index_first", cut(0.9, faststart=True), "cut short", analysable=True),
    BadInput("cut_at_50pc_index_first", cut(0.5, faststart=True), "cut short", analysable=True),
    BadInput("mkv_cut_at_60pc", cut(0.6, faststart=False, suffix=".mkv"), "cut short", analysable=True),
    BadInput("moov_missing", moov_renamed, "'moov' atom, is missing"),
    BadInput("frames_zeroed", zeroed_frames, "no decodable video frames"),
    BadInput("png_named_mp4", picture("png", "rgb24"), "picture, not a video"),
    BadInput("jpeg_named_mp4", picture("mjpeg", "yuvj420p"), "picture, not a video"),
    BadInput("text_named_mp4", written("notes.mp4", "this is not a video\n" * 50), "not a readable video"),
    BadInput("zero_bytes", written("empty.mp4", b""), "empty"),
    BadInput("zeros_named_mp4", written("zeros.mp4", bytes(4096)), "not a readable video"),
    BadInput("random_bytes", random_bytes, "not a readable video"),
    BadInput("audio_only", lambda folder: media.make_audio_only(folder / "voice.mp4"), "no video stream"),
    BadInput("forged_resolution", forged_resolution(8000, 6000), "8000x6000"),
    BadInput("forged_impossible_resolution", forged_resolution(60000, 60000), "no decodable video frames"),
    BadInput("forged_duration", forged_duration, "longer than"),
    BadInput("wider_than_cap", lambda folder: clip(folder, "wide.mp4", width=4112, n_frames=3), "4112x64"),
    BadInput(
        "longer_than_cap",
        lambda folder: clip(folder, "long.mp4", n_frames=2, pts=[0, 31 * 60 * 30], time_base=Fraction(1, 30)),
        "31 min",
    ),
    BadInput("time_scale_zero", patched(b"mdhd", 20, ">I", 0), "timestamps"),
    BadInput("time_scale_one", patched(b"mdhd", 20, ">I", 1), "timestamps"),
    BadInput("all_frames_at_0_ms", frozen_clock, "timestamps"),
    BadInput("unknown_codec", unknown_codec, "cannot decode"),
    BadInput("missing_file", lambda folder: folder / "nowhere.mp4", "not found"),
    BadInput("unsupported_suffix", written("clip.wmv", b"0&\xb2u" * 64), "Unsupported file type"),
    BadInput("folder_without_images", empty_image_folder, "contains no images"),
    BadInput("folder_with_a_broken_image", broken_image_in_folder, "frame3.png"),
    BadInput("rotated_phone_clip", lambda folder: clip(folder, "portrait.mp4", rotation_ccw=-90), "turned",
             analysable=True),
    BadInput(
        "variable_frame_rate",
        lambda folder: clip(folder, "vfr.mp4", pts=[round(i * 1.5) for i in range(60)], time_base=Fraction(1, 45)),
        "",
        analysable=True,
    ),
]


# --------------------------------------------------------------------------- pose-track CSVs


def good_csv_lines(folder: Path) -> list[str]:
    """The lines of a good track CSV (header first): a skeleton plank as formcheck writes it."""
    track, _ = sk.plank(duration_s=TRACK_SECONDS)
    write_track_csv(track, folder / "good.csv")
    return (folder / "good.csv").read_text().splitlines()


def csv_edit(name: str, edit: Callable[[list[list[str]]], object]) -> Callable[[Path], Path]:
    """A good track CSV with ``edit`` applied to its rows of cells (header is row 0, file line 1)."""

    def make(folder: Path) -> Path:
        rows = [line.split(",") for line in good_csv_lines(folder)]
        edit(rows)
        path = folder / name
        path.write_text("\n".join(",".join(row) for row in rows) + "\n")
        return path

    return make


def set_cell(row: int, column: str, value: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        rows[row][rows[0].index(column)] = value

    return edit


def set_column(column: str, value: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        at = rows[0].index(column)
        for row in rows[1:]:
            row[at] = value

    return edit


def repeat_time(row: int) -> Callable[[list[list[str]]], None]:
    """Row ``row`` stamped with the time of the row before it."""

    def edit(rows: list[list[str]]) -> None:
        at = rows[0].index("t_ms")
        rows[row][at] = rows[row - 1][at]

    return edit


def drop_columns(*parts: str) -> Callable[[list[list[str]]], None]:
    """Remove every column whose name contains one of ``parts`` (a tool that leaves out the hips)."""

    def edit(rows: list[list[str]]) -> None:
        keep = [i for i, c in enumerate(rows[0]) if not any(p in c for p in parts)]
        rows[:] = [[row[i] for i in keep] for row in rows]

    return edit


def blank_landmarks(rows: list[list[str]]) -> None:
    for row in rows[1:]:
        row[2:] = [""] * (len(row) - 2)


def one_point(rows: list[list[str]]) -> None:
    """Every landmark on the same spot, in the image and in the world: a body of no size."""
    for at, column in enumerate(rows[0]):
        if column.endswith(("_x", "_y", "_z", "_wx", "_wy", "_wz")):
            for row in rows[1:]:
                row[at] = "0.5" if column.endswith(("_x", "_y")) else "0"


def keep_rows(n: int) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        del rows[n + 1 :]

    return edit


def csv_text(name: str, transform: Callable[[str], bytes]) -> Callable[[Path], Path]:
    """A good track CSV's text turned into bytes some other way (an encoding, an inserted byte)."""

    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(transform("\n".join(good_csv_lines(folder)) + "\n"))
        return path

    return make


def _insert_at_line(line: int, what: bytes) -> Callable[[str], bytes]:
    """The text as UTF-8 with ``what`` put into its ``line`` (1-based), ten characters in."""

    def transform(text: str) -> bytes:
        lines = text.encode().split(b"\n")
        lines[line - 1] = lines[line - 1][:10] + what + lines[line - 1][10:]
        return b"\n".join(lines)

    return transform


CSVS: list[BadInput] = [
    BadInput("csv_no_landmark_columns", written("other.csv", "frame,t_ms,speed\n0,0,1\n1,33,2\n"), "line 1"),
    BadInput("csv_without_hips", csv_edit("nohips.csv", drop_columns("_hip_")), "hips"),
    BadInput("csv_every_landmark_on_one_spot", csv_edit("dot.csv", one_point), "", analysable=True),
    BadInput("csv_nobody_in_any_frame", csv_edit("nobody.csv", blank_landmarks), "No person is in"),
    BadInput("csv_nan_cells", csv_edit("nan.csv", set_column("nose_x", "NaN")), "", analysable=True),
    BadInput("csv_word_in_a_cell", csv_edit("word.csv", set_cell(7, "left_hip_y", "abc")), "line 8"),
    BadInput("csv_column_of_abc", csv_edit("abc.csv", set_column("left_knee_x", "abc")), "line 2"),
    BadInput("csv_word_in_t_ms", csv_edit("when.csv", set_cell(3, "t_ms", "soon")), "line 4"),
    BadInput("csv_huge_coordinate", csv_edit("huge.csv", set_cell(5, "nose_y", "1e300")), "line 6"),
    BadInput("csv_infinity", csv_edit("inf.csv", set_cell(9, "left_ankle_x", "inf")), "line 10"),
    BadInput("csv_huge_frame_size", csv_edit("wide.csv", set_column("width", "1e300")), "line 2"),
    BadInput("csv_negative_frame_size", csv_edit("neg.csv", set_column("height", "-720")), "", analysable=True),
    BadInput("csv_huge_t_ms", csv_edit("late.csv", set_cell(90, "t_ms", "1e308")), "line 91"),
    BadInput("csv_duplicate_times", csv_edit("dup.csv", repeat_time(12)), "line 13"),
    BadInput("csv_decreasing_times", csv_edit("back.csv", set_cell(20, "t_ms", "5")), "line 21"),
    BadInput("csv_missing_time", csv_edit("gap.csv", set_cell(30, "t_ms", "")), "line 31"),
    BadInput("csv_header_only", csv_edit("header.csv", keep_rows(0)), "no frames"),
    BadInput("csv_too_few_frames", csv_edit("blink.csv", keep_rows(4)), "too short"),
    BadInput("csv_zero_bytes", written("empty.csv", b""), "empty"),
    BadInput("csv_with_bom", csv_text("bom.csv", lambda t: b"\xef\xbb\xbf" + t.encode()), "", analysable=True),
    BadInput("csv_utf16", csv_text("utf16.csv", lambda t: t.encode("utf-16")), "UTF-8"),
    BadInput("csv_latin1_junk", csv_text("latin.csv", _insert_at_line(5, "\xe9t\xe9".encode("latin-1"))), "line 5"),
    BadInput("csv_nul_byte", csv_text("nul.csv", _insert_at_line(6, b"\0")), "line 6"),
    BadInput("csv_endless_quote", csv_text("quote.csv", _insert_at_line(4, b'"')), "line 4"),
    BadInput("csv_huge_cell", csv_text("fat.csv", _insert_at_line(3, b"9" * 200_000)), "line 3"),
    BadInput("png_named_csv", lambda folder: _renamed(picture("png", "rgb24")(folder), "photo.csv"), "UTF-8"),
    BadInput("folder_named_csv", lambda folder: _made_dir(folder / "tracks.csv"), "cannot be read"),
]


def _made_dir(path: Path) -> Path:
    path.mkdir()
    return path


def _renamed(path: Path, name: str) -> Path:
    return path.rename(path.with_name(name))


# --------------------------------------------------------------------------- file names


def named(name: str, make: Callable[[Path], Path]) -> Callable[[Path], Path]:
    """``make``'s input under another name (in a subfolder when the name holds a path)."""

    def build(folder: Path) -> Path:
        path = make(folder)
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return path.rename(target)

    return build


def through_parent(make: Callable[[Path], Path]) -> Callable[[Path], Path]:
    """``make``'s input reached as ``folder/sub/../name``."""

    def build(folder: Path) -> Path:
        path = make(folder)
        (folder / "sub").mkdir()
        return folder / "sub" / ".." / path.name

    return build


_TEXT = written("x.mp4", "not a video")
_GOOD_CSV = csv_edit("x.csv", lambda rows: None)

NAMES: list[BadInput] = [
    BadInput("name_with_spaces", named("my squat  take 2.mp4", _TEXT), "not a readable video"),
    BadInput("unicode_name", named("sentadilla_ñandú_深蹲.mp4", _TEXT), "not a readable video"),
    BadInput("newline_in_name", named("first\nsecond.mp4", _TEXT), "not a readable video"),
    BadInput("newline_in_csv_name", named("plank\ntake.csv", _GOOD_CSV), "", analysable=True),
    BadInput("dot_dot_in_path", through_parent(named("climb.mp4", _TEXT)), "not a readable video"),
    BadInput("markup_in_name", named("[bold red]clip.mp4", _TEXT), "not a readable video"),
    BadInput("markup_in_csv_name", named("[red]x.csv", _GOOD_CSV), "", analysable=True),
]

CORPUS: list[BadInput] = VIDEOS + CSVS + NAMES
