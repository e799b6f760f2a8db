"""The work one actor does: a whole clip through the pipeline, or one time chunk of a long clip's pose.

A worker process is started once and kept for the whole batch: the model file checked against its
pin at start, MediaPipe imported with its first clip, and warm from then on. The PoseLandmarker itself is opened for each clip or chunk (about 0.3 s,
a few per cent of a clip) and closed at its end, by the extraction code as for ``analyze``: a
VIDEO-mode landmarker carries its tracking state past any reset (a black frame, a jump in time;
measured: 36 of 78 frames differ, by up to 0.014 of the frame, for a second after the start), so
one reused across clips would give other tracks than ``formcheck analyze`` does. Chunks follow
extraction's own join rule: :func:`analyzer.pose.extract.plan_chunks` spans, each tracked afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analyzer.io.video import VideoInfo
from analyzer.pipeline import Analysis, InputError, analyze_track, describe_track, processing_of, run_analysis
from analyzer.pipeline import shipped_model_versions as check_model
from analyzer.pose.extract import ExtractOptions, Span, extract_spans
from analyzer.track import PoseTrack

# extract_spans takes finite spans; the last chunk's open end ("whatever the container has left")
# becomes a time past the end of any clip the pipeline accepts.
OPEN_END_MS = 1e12


@dataclass(frozen=True)
class Outcome:
    """A clip's analysis, or the one sentence saying why it could not be analysed."""

    analysis: Analysis | None
    message: str = ""


@dataclass(frozen=True)
class Chunk:
    """One time chunk of a long clip: its [start_ms, end_ms) span (the last one open-ended)."""

    path: Path
    info: VideoInfo
    span: Span


class PoseWorker:
    """One core's worker (a Ray actor): analyses whole clips and tracks chunks of long ones."""

    def __init__(self) -> None:
        check_model()  # the shipped model's checksum, once a worker rather than once a clip

    def analyse(self, path: Path, exercise: str, options: ExtractOptions) -> Outcome:
        """The whole pipeline in this process, as ``formcheck analyze --workers 1`` runs it."""
        try:
            return Outcome(run_analysis(path, exercise, workers=1, options=options))
        except InputError as exc:
            return Outcome(None, str(exc))

    def track(self, chunk: Chunk, options: ExtractOptions) -> PoseTrack | None:
        """The chunk's pose; None when it cannot be read (the whole clip then runs again, which
        says why in the pipeline's own words)."""
        start, end = chunk.span
        try:
            return extract_spans(
                chunk.path, [(start, min(end, OPEN_END_MS))], workers=1, options=options, info=chunk.info
            )
        except Exception:  # noqa: BLE001 - any failure is reported by the whole-clip run
            return None


def assemble(path: Path, info: VideoInfo, parts: list[PoseTrack], exercise: str, options: ExtractOptions) -> Analysis:
    """A long clip's analysis from its chunks' tracks (at least one with frames), as
    :func:`analyzer.pipeline.run_analysis` makes it from a parallel extraction (the same steps after
    extraction: ``describe_track`` and ``processing_of``). Raises InputError when the track cannot be
    judged.
    """
    found = [p for p in parts if len(p)]
    track = PoseTrack.concat(found)
    track.meta.update(workers=len(parts))
    source = describe_track(track, path.name, info, options)
    return analyze_track(track, exercise, source=source, processing=processing_of(options, track))
