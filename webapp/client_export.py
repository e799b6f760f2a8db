"""A client's sessions as reports a trainer can send: one zip, a folder per session with the report page
(the trainer's notes in it), the annotated clip beside it, the report's data and the notes as text.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from analyzer.exports import write_session_report
from analyzer.store.library import ClientInfo, Library, SessionInfo
from webapp.session_video import annotated_video, is_video
from webapp.state import exercise_title, score_text

# Already compressed: deflating them again costs time for nothing.
STORED_SUFFIXES = frozenset({".mp4"})


def _folder_name(session: SessionInfo) -> str:
    return f"{session.recorded_at:%Y-%m-%d}_{session.id}_{session.exercise}"


def client_reports_zip(library: Library, client: ClientInfo) -> bytes:
    """The zip (see the module doc), with a README listing the sessions and client.json with everything."""
    buffer = io.BytesIO()
    lines = [f"# {client.name}", "", "One folder per session: open report.html (keep annotated.mp4 beside it).", ""]
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for session in sorted(library.sessions(client.id), key=lambda s: s.recorded_at):
            name = _folder_name(session)
            clip = annotated_video(session)
            written = write_session_report(
                library.analysis(session.id), Path(tmp) / name, annotated=clip,
                source=session.video if is_video(session) and session.video.exists() else None,
                notes=library.notes(session.id),
            )
            for path in written:
                kind = zipfile.ZIP_STORED if path.suffix in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
                zf.write(path, f"{name}/{path.name}", compress_type=kind)
            video = "" if clip is not None else " (no annotated clip yet)"
            lines.append(f"- {session.recorded_at:%Y-%m-%d %H:%M} {exercise_title(session.exercise)}, "
                         f"score {score_text(session.score)}: {session.verdict} -> {name}/report.html{video}")
        zf.writestr("README.md", "\n".join(lines) + "\n")
        zf.writestr("client.json", library.export_json(client.id))
    return buffer.getvalue()
