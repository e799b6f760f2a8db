"""A batch: skip what is done, plan each clip as one task or as time chunks, run, store, record.

Every clip ends as done, skipped or failed (with its one sentence); nothing a clip does stops the
batch. A result is stored before it is recorded in the journal (see :mod:`.journal`), so a killed
driver loses at most the clips in flight and stores none twice; a killed worker loses nothing
(:class:`.cluster.Pool` hands its task to another).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from analyzer import adaptive
from analyzer.batch.cluster import Pool, Work, WorkerLost, connected
from analyzer.batch.journal import Entry
from analyzer.batch.sinks import Sink
from analyzer.batch.sources import Clip
from analyzer.batch.tasks import Chunk, Outcome, assemble
from analyzer.io.video import VideoError, VideoInfo, probe
from analyzer.pipeline import TRACK_SUFFIXES, Analysis, InputError, options_for
from analyzer.pose.extract import ExtractOptions, plan_chunks
from analyzer.store.cache import options_key
from analyzer.store.files import sha256_file
from analyzer.track import PoseTrack

Status = Literal["done", "skipped", "failed"]


@dataclass(frozen=True)
class ClipResult:
    clip: Clip
    status: Status
    message: str = ""
    frames: int = 0


@dataclass
class Summary:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    frames: int = 0
    seconds: float = 0.0
    workers: int = 0
    failures: list[ClipResult] = field(default_factory=list)

    @property
    def clips_per_s(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def add(self, result: ClipResult) -> None:
        setattr(self, result.status, getattr(self, result.status) + 1)
        self.frames += result.frames
        if result.status == "failed":
            self.failures.append(result)


@dataclass
class _Split:
    """A long clip's chunks as they come back; ``whole`` once it is run as one task instead."""

    info: VideoInfo
    parts: list[PoseTrack | None]
    missing: int
    whole: bool = False


class Batch:
    """One batch run over ``clips`` into ``sink``; ``on_result`` hears of every clip as it ends."""

    def __init__(
        self,
        clips: list[Clip],
        sink: Sink,
        *,
        exercise: str = "auto",
        options: ExtractOptions = ExtractOptions(),
        on_result: Callable[[ClipResult], None] | None = None,
        on_assigned: Callable[[Any, Work], None] | None = None,
    ) -> None:
        self.clips = clips
        self.sink = sink
        self.exercise = exercise
        self.options = options_for(exercise, options)  # as analyze: the mask only where a check reads it
        self.setup = f"{exercise}|{options_key(self.options)}"
        self.summary = Summary()
        self._on_result = on_result
        self._on_assigned = on_assigned
        self._sha: dict[Clip, str] = {}
        self._splits: dict[Clip, _Split] = {}

    def run(self, address: str | None = None) -> Summary:
        """Analyse what is left to do on Ray (``address``: a cluster; None: this machine)."""
        start = time.perf_counter()
        todo = [clip for clip in self.clips if self._needs_work(clip)]
        if todo:
            with connected(address) as cores:
                pool = Pool(cores, self._on_assigned)
                self.summary.workers = cores
                try:
                    planned = [task for clip in todo for task in self._plan(clip, pool.size)]
                    # Longest first (greedy LPT): the cores end together instead of one finishing a long
                    # clip alone while the others wait.
                    for _, work in sorted(planned, key=lambda task: task[0], reverse=True):
                        pool.submit(work)
                    while pool.pending:
                        self._take(*pool.next_result(), pool)
                finally:
                    pool.close()
        self.summary.seconds = time.perf_counter() - start
        return self.summary

    # -- before: what is done, what each clip becomes -------------------------------------------
    def _needs_work(self, clip: Clip) -> bool:
        try:
            sha = sha256_file(clip.path)
        except OSError:
            return True  # the pipeline says why it cannot be read
        entry = self.sink.journal.settled(sha, self.setup)
        if sha in self._sha.values():
            twin = next(c for c, s in self._sha.items() if s == sha)
            self._finish(ClipResult(clip, "skipped", f"the same clip as {twin.name}"))
            return False
        self._sha[clip] = sha
        if self.sink.has(sha) or (entry is not None and entry.status == "done"):
            self._finish(ClipResult(clip, "skipped", "done before"))
            return False
        if entry is not None:
            self._finish(ClipResult(clip, "skipped", f"failed before: {entry.message}"))
            return False
        return True

    def _plan(self, clip: Clip, workers: int) -> list[tuple[float, Work]]:
        """One task for a clip that fits one worker (as ``analyze`` would run it whole: a short clip,
        a pose track, an adaptive-rate clip), else the same chunks ``analyze --workers N`` makes;
        each with its length in seconds (0 when unknown: a track, a clip that cannot be probed)."""
        chunks, info = [], None
        if clip.path.suffix.lower() not in TRACK_SUFFIXES:
            try:
                info = probe(clip.path)
            except (VideoError, OSError):
                info = None  # refused by the whole-clip run, in the pipeline's words
            if info is not None and not adaptive.applies(info, self.options):
                chunks = plan_chunks(info, workers, self.options)
        if info is None or len(chunks) < 2:
            return [(info.duration_s if info is not None else 0.0, self._whole(clip))]
        self._splits[clip] = _Split(info, [None] * len(chunks), len(chunks))
        return [
            ((min(end, info.duration_s * 1000.0) - start) / 1000.0,
             Work((clip, index), "track", (Chunk(clip.path, info, (start, end)), self.options)))
            for index, (start, end) in enumerate(chunks)
        ]

    def _whole(self, clip: Clip) -> Work:
        return Work(clip, "analyse", (clip.path, self.exercise, self.options))

    # -- during: results as they come ----------------------------------------------------------
    def _take(self, work: Work, result: Any, pool: Pool) -> None:
        if work.method == "analyse":
            if isinstance(result, WorkerLost):
                result = Outcome(None, f"{work.key.path.name} was not analysed: {result.message}")
            self._settle(work.key, result)
            return
        clip, index = work.key
        split = self._splits[clip]
        if split.whole:
            return  # already running as one task
        if not isinstance(result, PoseTrack):
            split.whole = True
            pool.submit_first(self._whole(clip))
            return
        split.parts[index] = result
        split.missing -= 1
        if split.missing > 0:
            return
        if not any(len(part) for part in split.parts):  # nothing decoded: the whole run says why
            split.whole = True
            pool.submit_first(self._whole(clip))
            return
        try:
            outcome = Outcome(assemble(clip.path, split.info, split.parts, self.exercise, self.options))
        except InputError as exc:
            outcome = Outcome(None, str(exc))
        self._settle(clip, outcome)

    def _settle(self, clip: Clip, outcome: Outcome) -> None:
        """Store, then record (the order that makes a crash harmless), then tell."""
        sha = self._sha.get(clip)
        if outcome.analysis is None:
            if sha is not None:
                self.sink.journal.record(Entry(sha, clip.name, "failed", self.setup, outcome.message))
            self._finish(ClipResult(clip, "failed", outcome.message))
            return
        try:
            self.sink.store(clip, outcome.analysis)
        except (InputError, OSError, ValueError) as exc:  # a refused folder, a full disk, a library error
            self._settle(clip, Outcome(None, f"{clip.name} was analysed but not stored: {exc}"))
            return
        frames = _frames(outcome.analysis)
        if sha is not None:
            self.sink.journal.record(Entry(sha, clip.name, "done", self.setup, frames=frames))
        self._finish(ClipResult(clip, "done", frames=frames))

    def _finish(self, result: ClipResult) -> None:
        self.summary.add(result)
        if self._on_result is not None:
            self._on_result(result)


def _frames(analysis: Analysis) -> int:
    """Frames the model looked at (an adaptive-rate run looks at fewer than the clip has)."""
    return int(analysis.track.meta.get("frames_analysed", analysis.report.frames_total))
