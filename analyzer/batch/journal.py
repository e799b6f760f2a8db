"""What a batch has done, by the clip's content hash: the record that lets a rerun skip and a crash resume.

One JSON object a line, appended and fsynced after the clip's result is stored, so a batch killed at
any point has either recorded a clip or not: a clip stored but not yet recorded is analysed again
and its result replaces the first (same content, same report), never stored twice. A torn last line
(killed mid-write) is ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Status = Literal["done", "failed"]


@dataclass(frozen=True)
class Entry:
    sha256: str
    clip: str
    status: Status
    setup: str  # the exercise asked for and the extraction options' key: another setup is another result
    message: str = ""  # the failure's one sentence
    frames: int = 0


class Journal:
    """The batch's record in one file; the last entry for a content hash wins."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.entries: dict[str, Entry] = {}
        text = self.path.read_text() if self.path.exists() else ""
        if text and not text.endswith("\n"):
            with open(self.path, "a") as fh:  # end the torn line, so the next entry starts on its own
                fh.write("\n")
        for line in text.splitlines():
            try:
                entry = Entry(**json.loads(line))
            except (ValueError, TypeError):
                continue  # a line torn by a kill
            self.entries[entry.sha256] = entry

    def settled(self, sha256: str, setup: str) -> Entry | None:
        """The entry of a clip already done or failed with this setup (a failure's cause is in the content)."""
        entry = self.entries.get(sha256)
        return entry if entry is not None and entry.setup == setup else None

    def record(self, entry: Entry) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as fh:
            fh.write(json.dumps(asdict(entry)) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.entries[entry.sha256] = entry
