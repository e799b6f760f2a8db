"""The trainer's library: clients, their sessions (one analysed clip each), notes and a JSON export.

Stored through SQLAlchemy: SQLite at ``<data dir>/formcheck.db`` by default,
any other database (PostgreSQL) through ``FORMCHECK_DATABASE_URL``. Videos
live on disk under ``<data dir>/videos``, named by their sha256 so that an
uploaded name never becomes a path and the same clip is stored once; each
session keeps its report JSON (what the trainer saw, even after the rules
change) and the pose track is kept beside the video, so opening a session
never runs the pose model again. Functions return plain dataclasses, never
ORM objects, so the UI cannot trip over a closed database session.

A crash (a killed process, a power cut) leaves no half session: a session's
files are written whole and flushed to disk before its row is committed, and
what a killed writer left behind (temporary files, a video whose session was
never committed) is swept when the library next opens.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

from analyzer.draw.style import worst
from analyzer.pipeline import Analysis
from analyzer.pose.extract import ExtractOptions, Progress
from analyzer.report import Finding, Report, Severity
from analyzer.store.cache import DEFAULT_OPTIONS, AnalysisCache
from analyzer.store.files import (
    atomic_file,
    data_dir,
    sha256_file,
    sweep_folder,
    sweeping,
    video_suffix,
    writing,
)
from analyzer.store.migrations import upgrade as upgrade_schema

DATABASE_ENV = "FORMCHECK_DATABASE_URL"
DB_FILE = "formcheck.db"
# Names the database whose sessions the data folder's files belong to: only that one may sweep them.
OWNER_FILE = ".database"


class LibraryError(ValueError):
    """Something the trainer asked for cannot be done; ``str()`` says why."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- the schema --------------------------------------------------------------
class Base(DeclarativeBase):
    pass


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    sessions: Mapped[list[Session]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )


class Session(Base):
    """One analysed clip of a client."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(index=True)
    added_at: Mapped[datetime] = mapped_column(default=_now)
    original_name: Mapped[str] = mapped_column(String(300))
    video_sha256: Mapped[str] = mapped_column(String(64), index=True)
    video_suffix: Mapped[str] = mapped_column(String(8))
    exercise: Mapped[str] = mapped_column(String(64), index=True)
    exercise_requested: Mapped[str] = mapped_column(String(64), default="auto")
    reps: Mapped[int] = mapped_column(default=0)
    hold_s: Mapped[float | None]
    score: Mapped[int | None]
    verdict: Mapped[str] = mapped_column(Text, default="")
    report_json: Mapped[str] = mapped_column(Text)
    client: Mapped[Client] = relationship(back_populates="sessions")
    flags: Mapped[list[Flag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    notes: Mapped[list[Note]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Flag(Base):
    """A form error seen in a session, summarised per finding code (for filters and trends)."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(120), index=True)
    title: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    count: Mapped[int]
    reps_affected: Mapped[int]
    magnitude: Mapped[float | None]
    threshold: Mapped[float | None]
    unit: Mapped[str] = mapped_column(String(32), default="")


class Note(Base):
    """The trainer's note on a session (``finding_code`` empty) or on one of its findings."""

    __tablename__ = "notes"
    __table_args__ = (UniqueConstraint("session_id", "finding_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    finding_code: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)


# -- what the UI gets ----------------------------------------------------------
@dataclass(frozen=True)
class ClientInfo:
    id: int
    name: str
    created_at: datetime
    sessions: int


@dataclass(frozen=True)
class SessionInfo:
    id: int
    client_id: int
    client_name: str
    recorded_at: datetime
    original_name: str
    exercise: str
    reps: int
    hold_s: float | None
    score: int | None
    verdict: str
    flags: list[str]
    video: Path

    @property
    def label(self) -> str:
        """How a session is named in pickers: date, exercise, file."""
        return f"{self.recorded_at:%Y-%m-%d %H:%M} · {self.exercise} · {self.original_name}"


def summarise_flags(findings: Iterable[Finding], reps: int) -> list[dict[str, Any]]:
    """Per finding code: count, reps affected, worst severity, and the value furthest past its limit."""
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        if f.assessable and f.severity != Severity.info:
            by_code.setdefault(f.code, []).append(f)
    out = []
    for code, group in by_code.items():
        worst_finding = worst(group)
        measured = [f for f in group if f.measured is not None]
        far = max(measured, key=lambda f: abs(f.measured - (f.threshold or 0.0)), default=None)
        reps_hit = len({f.rep for f in group if f.rep})
        out.append(
            {
                "code": code,
                "title": group[0].title,
                "severity": worst_finding.severity.value,
                "count": len(group),
                "reps_affected": reps_hit,
                "magnitude": far.measured if far else None,
                "threshold": far.threshold if far else None,
                "unit": far.unit if far else group[0].unit,
            }
        )
    return out


class Library:
    """A client library on one database and one data folder."""

    def __init__(self, url: str | None = None, root: Path | None = None) -> None:
        self.root = Path(root) if root else data_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.url = url or os.environ.get(DATABASE_ENV) or f"sqlite:///{self.root / DB_FILE}"
        self.engine: Engine = create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        upgrade_schema(self.engine)
        self._db = sessionmaker(self.engine, expire_on_commit=False)
        # Tracks of library sessions are kept for good: no pruning, unlike the upload cache.
        self.cache = AnalysisCache(self.root / "library", prune=False)
        self.swept = self.sweep()

    def close(self) -> None:
        self.engine.dispose()

    def sweep(self) -> int:
        """Remove what killed writers left: temporary files, and videos (with their tracks) of no session.

        Runs when the library opens, and only while no writer is busy (``files.sweeping``): a video
        copied for a session not yet committed is never taken for an orphan. Unreferenced videos are
        only removed by the database that owns the folder (``_owns_files``). Returns how many went.
        """
        with sweeping(self.root) as free:
            if not free:
                return 0
            keep_video = keep_sha = _everything
            if self._owns_files():
                with self._db() as db:
                    in_use = list(db.execute(select(Session.video_sha256, Session.video_suffix).distinct()))
                keep_video = {sha + suffix for sha, suffix in in_use}.__contains__
                keep_sha = {sha for sha, _ in in_use}.__contains__
            return sweep_folder(self.root / "videos", keep_video) + self.cache.sweep(keep_sha)

    def _owns_files(self) -> bool:
        """Whether the data folder's files belong to this database's sessions.

        The first database to open a folder claims it. Another one (``FORMCHECK_DATABASE_URL`` switched
        for a while) knows nothing of the first one's sessions and must not take their videos for orphans.
        """
        marker = self.root / OWNER_FILE
        me = _database_identity(self.engine)
        if not marker.exists():
            with atomic_file(marker) as tmp:
                tmp.write_text(me)
        return marker.read_text() == me

    # -- clients ---------------------------------------------------------------
    def clients(self) -> list[ClientInfo]:
        with self._db() as db:
            rows = db.execute(
                select(Client, func.count(Session.id))
                .outerjoin(Session, Session.client_id == Client.id)
                .group_by(Client.id)
                .order_by(func.lower(Client.name))
            ).all()
            return [ClientInfo(c.id, c.name, c.created_at, n) for c, n in rows]

    def create_client(self, name: str) -> ClientInfo:
        name = _clean_name(name)
        with self._db() as db:
            client = Client(name=name)
            db.add(client)
            _commit_unique(db, name)
            return ClientInfo(client.id, client.name, client.created_at, 0)

    def rename_client(self, client_id: int, name: str) -> None:
        name = _clean_name(name)
        with self._db() as db:
            _get(db, Client, client_id).name = name
            _commit_unique(db, name)

    def delete_client(self, client_id: int) -> int:
        """Delete a client, their sessions and notes, and every file no other client still uses.

        Returns how many files were removed.
        """
        with self._db() as db:
            client = _get(db, Client, client_id)
            videos = {(s.video_sha256, s.video_suffix) for s in client.sessions}
            db.delete(client)
            db.commit()
            still_used = set(db.scalars(select(Session.video_sha256).distinct()))
        removed = 0
        for sha, suffix in videos - {(s, x) for s, x in videos if s in still_used}:
            path = self._video_path(sha, suffix)
            if path.exists():
                path.unlink()
                removed += 1
            self.cache.forget(sha)
        return removed

    # -- sessions --------------------------------------------------------------
    def _video_path(self, sha: str, suffix: str) -> Path:
        return self.root / "videos" / f"{sha}{suffix}"

    def add_clip(
        self,
        client_id: int,
        video: str | Path,
        exercise: str = "auto",
        *,
        name: str | None = None,
        recorded_at: datetime | None = None,
        analysis: Analysis | None = None,
        options: ExtractOptions = DEFAULT_OPTIONS,
        progress: Progress | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> SessionInfo:
        """Analyse a clip (unless ``analysis`` is given) and file it under the client.

        The analysis runs before anything is stored, so a clip that cannot be
        analysed (``InputError``) or a cancelled run leaves no trace. The track
        and the video are on disk before the session is committed, and a sweep
        waits until it is (``files.writing``).
        """
        video = Path(video)
        name = name or video.name
        with self._db() as db:
            _get(db, Client, client_id)
        sha = sha256_file(video)
        with writing(self.root):
            if analysis is None:
                analysis = self.cache.analyse(
                    video, exercise, name=name, sha=sha, options=options, progress=progress, should_cancel=should_cancel
                )
            else:
                self.cache.remember(sha, analysis, options)
            suffix = video_suffix(name)
            target = self._video_path(sha, suffix)
            if not target.exists():
                with atomic_file(target) as tmp:
                    shutil.copyfile(video, tmp)
            return self._commit_session(client_id, analysis.report, name, sha, suffix, exercise, recorded_at)

    def _commit_session(
        self,
        client_id: int,
        report: Report,
        name: str,
        sha: str,
        suffix: str,
        exercise: str,
        recorded_at: datetime | None,
    ) -> SessionInfo:
        """The session's row, committed: the last step, once its files are on disk."""
        reps = len(report.reps)
        row = Session(
            client_id=client_id,
            recorded_at=recorded_at or _now(),
            original_name=name,
            video_sha256=sha,
            video_suffix=suffix,
            exercise=report.exercise.name if report.exercise else "unknown",
            exercise_requested=exercise,
            reps=reps,
            hold_s=round(report.hold.duration_s, 1) if report.hold else None,
            score=report.score,
            verdict=report.verdict,
            report_json=report.model_dump_json(),
            flags=[Flag(**f) for f in summarise_flags(report.findings, reps)],
        )
        with self._db() as db:
            db.add(row)
            db.commit()
            return self._info(db, row)

    def _info(self, db: Any, row: Session) -> SessionInfo:
        return SessionInfo(
            id=row.id,
            client_id=row.client_id,
            client_name=row.client.name,
            recorded_at=row.recorded_at,
            original_name=row.original_name,
            exercise=row.exercise,
            reps=row.reps,
            hold_s=row.hold_s,
            score=row.score,
            verdict=row.verdict,
            flags=sorted(f.code for f in row.flags),
            video=self._video_path(row.video_sha256, row.video_suffix),
        )

    def sessions(
        self, client_id: int | None = None, *, exercise: str | None = None, code: str | None = None
    ) -> list[SessionInfo]:
        """Sessions, newest first, optionally of one client, one exercise, or showing one finding code."""
        query = select(Session).order_by(Session.recorded_at.desc(), Session.id.desc())
        if client_id is not None:
            query = query.where(Session.client_id == client_id)
        if exercise:
            query = query.where(Session.exercise == exercise)
        if code:
            query = query.where(Session.flags.any(Flag.code == code))
        with self._db() as db:
            return [self._info(db, row) for row in db.scalars(query)]

    def session(self, session_id: int) -> SessionInfo:
        with self._db() as db:
            return self._info(db, _get(db, Session, session_id))

    def report(self, session_id: int) -> Report:
        """The report as stored when the session was added."""
        with self._db() as db:
            return Report.model_validate_json(_get(db, Session, session_id).report_json)

    def finding_codes(self, client_id: int | None = None) -> dict[str, str]:
        """Finding codes seen (code -> title), for the filter."""
        query = select(Flag.code, Flag.title).distinct().order_by(Flag.code)
        if client_id is not None:
            query = query.join(Session, Session.id == Flag.session_id).where(Session.client_id == client_id)
        with self._db() as db:
            return dict(db.execute(query).all())

    def exercises(self, client_id: int | None = None) -> list[str]:
        query = select(Session.exercise).distinct().order_by(Session.exercise)
        if client_id is not None:
            query = query.where(Session.client_id == client_id)
        with self._db() as db:
            return list(db.scalars(query))

    def analysis(self, session_id: int) -> Analysis:
        """The session's full analysis (track, features) for plots and exports, with its stored report.

        Rebuilt from the kept pose track: no pose estimation.
        """
        with self._db() as db:
            row = _get(db, Session, session_id)
            video = self._video_path(row.video_sha256, row.video_suffix)
            requested, name, sha, stored = row.exercise_requested, row.original_name, row.video_sha256, row.report_json
        with writing(self.root):  # a lost track is rebuilt and stored again
            result = self.cache.analyse(video, requested, name=name, sha=sha)
        result.report = Report.model_validate_json(stored)
        return result

    def delete_session(self, session_id: int) -> None:
        with self._db() as db:
            row = _get(db, Session, session_id)
            sha, suffix = row.video_sha256, row.video_suffix
            db.delete(row)
            db.commit()
            used = db.scalar(select(func.count(Session.id)).where(Session.video_sha256 == sha))
        if not used:
            self._video_path(sha, suffix).unlink(missing_ok=True)
            self.cache.forget(sha)

    # -- notes -----------------------------------------------------------------
    def set_note(self, session_id: int, text: str, code: str = "") -> None:
        """The note on a session (``code`` empty) or on one finding code; empty text removes it."""
        with self._db() as db:
            _get(db, Session, session_id)
            note = db.scalar(select(Note).where(Note.session_id == session_id, Note.finding_code == code))
            if not text.strip():
                if note is not None:
                    db.delete(note)
            elif note is None:
                db.add(Note(session_id=session_id, finding_code=code, text=text.strip()))
            else:
                note.text = text.strip()
            db.commit()

    def notes(self, session_id: int) -> dict[str, str]:
        """Notes by finding code; the session's own note is under ``""``."""
        with self._db() as db:
            rows = db.scalars(select(Note).where(Note.session_id == session_id))
            return {n.finding_code: n.text for n in rows}

    # -- export ----------------------------------------------------------------
    def export_json(self, client_id: int) -> bytes:
        """Everything known about a client: sessions with their reports, flags and notes."""
        with self._db() as db:
            client = _get(db, Client, client_id)
            data = {
                "client": client.name,
                "exported_at": _now().isoformat(timespec="seconds"),
                "sessions": [
                    {
                        "id": s.id,
                        "recorded_at": s.recorded_at.isoformat(timespec="seconds"),
                        "file": s.original_name,
                        "video_sha256": s.video_sha256,
                        "exercise": s.exercise,
                        "reps": s.reps,
                        "score": s.score,
                        "verdict": s.verdict,
                        "notes": {n.finding_code or "session": n.text for n in s.notes},
                        "report": json.loads(s.report_json),
                    }
                    for s in sorted(client.sessions, key=lambda s: s.recorded_at)
                ],
            }
        return json.dumps(data, indent=2).encode()


# -- helpers -------------------------------------------------------------------
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Set on every connection: SQLite forgets all but the journal mode when one closes.

    Foreign keys (and so ON DELETE CASCADE) are off unless asked. WAL with
    synchronous=NORMAL never corrupts the database: a process killed at any
    point loses nothing it committed (the log is already in the OS's hands),
    and a power cut may lose only the last commits, not the file. It spares
    the fsync of every commit that FULL pays; the session's own files are
    fsynced before its commit anyway (``files.atomic_file``).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _everything(_name: str) -> bool:
    return True


def _database_identity(engine: Engine) -> str:
    """The database an engine opens, the same however its URL spells it (a SQLite file by its full path)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return f"sqlite:///{Path(url.database).resolve()}"
    return url.render_as_string(hide_password=True)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise LibraryError("A client needs a name.")
    if len(name) > 200:
        raise LibraryError("That name is too long (200 characters at most).")
    return name


def _commit_unique(db: Any, name: str) -> None:
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise LibraryError(f"There is already a client called {name!r}.") from None


def _get(db: Any, model: type[Base], key: int) -> Any:
    row = db.get(model, key)
    if row is None:
        raise LibraryError(f"No {model.__tablename__[:-1]} with id {key}: it may have been deleted.")
    return row


# -- comparing two sessions ------------------------------------------------------
def key_series(analysis: Analysis) -> list[str]:
    """The per-frame measures an exercise's checks look at (what a trainer compares), in check order."""
    names: list[str] = []
    checks = analysis.exercise.checks if analysis.exercise is not None else ()
    for name in [c.key_series for c in checks] + [f.key_series for f in analysis.report.findings]:
        if name and name not in names and analysis.features is not None and name in analysis.features:
            names.append(name)
    return names


def aligned_series(analysis: Analysis, name: str) -> tuple[list[float], list[float | None]]:
    """``name`` over time in seconds from the start of the set (first rep or hold), so two sets line up."""
    report: Report = analysis.report
    start_ms = report.reps[0].start_ms if report.reps else report.hold.start_ms if report.hold else 0.0
    t = analysis.features.t_ms
    values = analysis.features[name]
    keep = t >= start_ms
    return (
        [round((x - start_ms) / 1000.0, 3) for x in t[keep]],
        [None if math.isnan(v) else round(float(v), 2) for v in values[keep]],  # NaN: a gap in the plot
    )


def rep_start_s(report: Report, rep: int) -> float:
    """Where rep ``rep`` (1-based) starts, in seconds; 0 for 'from the beginning' or a missing rep."""
    if rep < 1 or rep > len(report.reps):
        return 0.0
    return round(report.reps[rep - 1].start_ms / 1000.0, 1)
