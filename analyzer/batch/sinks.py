"""Where a batch's results go, each with the journal that says what is done.

* :class:`FolderSink`: one report folder a clip, laid out as ``formcheck analyze --out`` writes it
  (by the writer the CLI passes in), under ``<root>/<the clip's folders>/<its stem>/``;
* :class:`LibrarySink`: a session a clip in the trainer library (its schema as it is), filed under
  a client; a clip whose content is already a session there is done, whatever the journal says.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from analyzer.batch.journal import Journal
from analyzer.batch.sources import Clip
from analyzer.pipeline import Analysis
from analyzer.pose.extract import ExtractOptions
from analyzer.store.library import Library

JOURNAL = "batch-journal.jsonl"
UNFILED = "Unfiled"

Writer = Callable[[Analysis, Path, Path], None]  # (analysis, the clip, its report folder)


class Sink(Protocol):
    journal: Journal

    def has(self, sha256: str) -> bool: ...

    def store(self, clip: Clip, analysis: Analysis) -> None: ...


class FolderSink:
    """Report folders under ``root``; the journal beside them."""

    def __init__(self, root: Path, write: Writer) -> None:
        self.root = Path(root)
        self.write = write
        self.journal = Journal(self.root / JOURNAL)

    def has(self, sha256: str) -> bool:
        return False  # the journal is the record: a folder may hold an older run's report

    def store(self, clip: Clip, analysis: Analysis) -> None:
        self.write(analysis, clip.path, self.root / clip.report_folder)


class LibrarySink:
    """Sessions in ``library``, under ``client`` or else the clip's top folder (a gym's library is often
    one folder a client), or UNFILED for a clip at the top."""

    def __init__(self, library: Library, exercise: str, options: ExtractOptions, client: str | None = None) -> None:
        self.library = library
        self.exercise = exercise
        self.options = options
        self.client = client
        self.journal = Journal(library.root / JOURNAL)
        self._stored = {s.video.name.partition(".")[0] for s in library.sessions()}  # videos are named by sha256
        self._client_ids = {c.name: c.id for c in library.clients()}

    def has(self, sha256: str) -> bool:
        return sha256 in self._stored

    def store(self, clip: Clip, analysis: Analysis) -> None:
        name = self.client or (clip.name.split("/")[0] if "/" in clip.name else UNFILED)
        if name not in self._client_ids:
            self._client_ids[name] = self.library.create_client(name).id
        session = self.library.add_clip(
            self._client_ids[name], clip.path, self.exercise, name=clip.path.name, analysis=analysis,
            options=self.options,
        )
        self._stored.add(session.video.name.partition(".")[0])
