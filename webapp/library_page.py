"""Trainer library page: clients, their sessions, notes, comparison, trends and exports.

Run by ``st.navigation`` as a page script; ``page()``, ``get_library()`` and
``login_gate()`` are importable (the upload page files results here too).
Mutations run in button callbacks, before any widget is drawn, so the page
always shows the state after the change.
"""

from __future__ import annotations

from datetime import date, datetime

import plotly.graph_objects as go
import streamlit as st

from analyzer.draw.plots import measure_label
from analyzer.pipeline import InputError
from analyzer.report import Report
from analyzer.store.library import (
    ClientInfo,
    Library,
    LibraryError,
    SessionInfo,
    aligned_series,
    key_series,
    rep_start_s,
)
from webapp import client_export, player, session_video, trends, widgets
from webapp.state import UPLOAD_TYPES, exercise_options, exercise_title, get_library, login_gate, plain, score_text

ALL = "All"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- clients -------------------------------------------------------------------
def _report_error(action: str, exc: Exception) -> None:
    st.session_state["lib_error"] = f"{action}: {plain(exc)}"


def _create_client() -> None:
    try:
        client = get_library().create_client(st.session_state.get("lib_new_name", ""))
    except LibraryError as exc:
        _report_error("Could not create the client", exc)
        return
    st.session_state["lib_client"] = client.id
    st.session_state["lib_new_name"] = ""
    st.session_state["lib_message"] = f"Created {plain(client.name)}."


def _rename_client(client_id: int) -> None:
    try:
        get_library().rename_client(client_id, st.session_state.get("lib_rename", ""))
    except LibraryError as exc:
        _report_error("Could not rename", exc)
        return
    st.session_state["lib_message"] = "Renamed."


def _ask_delete(client_id: int | None) -> None:
    st.session_state["lib_confirm_delete"] = client_id


def _delete_client(client_id: int) -> None:
    library = get_library()
    name = next((c.name for c in library.clients() if c.id == client_id), "the client")
    removed = library.delete_client(client_id)
    st.session_state["lib_confirm_delete"] = None
    st.session_state.pop("lib_client", None)
    st.session_state["lib_message"] = f"Deleted {plain(name)}, their sessions, notes and {removed} video file(s)."


def client_manager(library: Library) -> ClientInfo | None:
    """Pick a client; create, rename and delete (with confirmation). Returns the chosen client."""
    clients = {c.id: c for c in library.clients()}
    left, right = st.columns([2, 3])
    with right.expander("New client", expanded=not clients):
        st.text_input("Name", key="lib_new_name", placeholder="e.g. Ana Lima")
        st.button("Create client", key="lib_create", on_click=_create_client)
    if not clients:
        left.info("No clients yet: create the first one.")
        return None
    if st.session_state.get("lib_client") not in clients:
        st.session_state["lib_client"] = next(iter(clients))
    chosen = left.selectbox(
        "Client", list(clients), key="lib_client",
        format_func=lambda cid: f"{clients[cid].name} ({_plural(clients[cid].sessions, 'session')})",
    )
    client = clients[chosen]
    with right.expander("Rename or delete this client"):
        st.text_input("New name", value=client.name, key="lib_rename")
        st.button("Rename", key="lib_rename_btn", on_click=_rename_client, args=(client.id,))
        if st.session_state.get("lib_confirm_delete") == client.id:
            st.warning(
                f"Delete {plain(client.name)} with their {client.sessions} sessions, notes and videos? This cannot be undone."
            )
            yes, no = st.columns(2)
            yes.button("Yes, delete", key="lib_delete_yes", type="primary", on_click=_delete_client, args=(client.id,))
            no.button("Keep", key="lib_delete_no", on_click=_ask_delete, args=(None,))
        else:
            st.button("Delete client…", key="lib_delete", on_click=_ask_delete, args=(client.id,))
    return client


# -- sessions ------------------------------------------------------------------
def _session_rows(sessions: list[SessionInfo]) -> list[dict[str, object]]:
    return [
        {
            "date": s.recorded_at.strftime("%Y-%m-%d %H:%M"),
            "exercise": exercise_title(s.exercise),
            "file": s.original_name,
            # Text in both cases: a column mixing numbers and text is refused by Arrow (a traceback in the log).
            "reps / hold": f"{s.hold_s:.0f} s" if s.hold_s is not None else f"{s.reps} reps",
            "score": score_text(s.score),
            "flags": ", ".join(f.split(".", 1)[-1].replace("_", " ") for f in s.flags) or "—",
        }
        for s in sessions
    ]


def _delete_session(session_id: int) -> None:
    get_library().delete_session(session_id)
    st.session_state.pop("lib_open", None)
    st.session_state["lib_message"] = "Session deleted."


def sessions_tab(library: Library, client: ClientInfo) -> None:
    exercises = library.exercises(client.id)
    codes = library.finding_codes(client.id)
    a, b = st.columns(2)
    exercise = a.selectbox("Exercise", [ALL, *exercises], key="lib_filter_exercise")
    code = b.selectbox(
        "Finding", [ALL, *codes], key="lib_filter_code", format_func=lambda c: codes.get(c, c) if c != ALL else ALL
    )
    sessions = library.sessions(
        client.id, exercise=None if exercise == ALL else exercise, code=None if code == ALL else code
    )
    if not sessions:
        st.info("No sessions match." if exercise != ALL or code != ALL else "No sessions yet: add clips.")
        return
    st.dataframe(_session_rows(sessions), hide_index=True, key="lib_sessions_table")
    by_id = {s.id: s for s in sessions}
    opened = st.selectbox(
        "Open a session", list(by_id), index=None, key="lib_open", placeholder="Choose a session to review",
        format_func=lambda sid: by_id[sid].label,
    )
    if opened is None:
        return
    session = by_id[opened]
    hooks = widgets.NoteHooks(
        notes=lambda: library.notes(session.id), save=lambda code, text: library.set_note(session.id, text, code)
    )
    st.divider()
    widgets.note_editor(hooks, "", key=f"lib_s{session.id}", label="Note on this session")
    with st.spinner("Opening the session…"):
        analysis = library.analysis(session.id)
    annotated = session_video.annotated_video(session)
    if annotated is None:
        session_video.draw_annotated(library, session)
        session_video.drawing_progress(session)
    widgets.result_view(analysis, session.video, key=f"lib_s{session.id}", annotated=annotated, hooks=hooks)
    st.button("Delete this session", key=f"lib_del_s{session.id}", on_click=_delete_session, args=(session.id,))


def _upload_key(client: ClientInfo) -> str:
    """The uploader's key: one per client, so dropped files stay with the client they were dropped for,
    and a new one after each batch, so the next batch starts from an empty uploader."""
    rounds = st.session_state.setdefault("lib_upload_round", 0)
    return f"lib_files_{client.id}_{rounds}"


def add_clips_tab(library: Library, client: ClientInfo) -> None:
    files = st.file_uploader(
        f"Clips of {plain(client.name)}", type=UPLOAD_TYPES, accept_multiple_files=True, key=_upload_key(client),
    )
    st.caption(f"Filed under {plain(client.name)}. Choosing another client empties this list.")
    options = exercise_options()
    exercise = st.selectbox("Exercise", list(options), format_func=options.get, key="lib_add_exercise")
    filmed = st.date_input("Filmed on", value=date.today(), key="lib_filmed_on")
    if not st.button("Analyse and add", key="lib_add", type="primary", disabled=not files):
        return
    recorded = None if filmed == date.today() else datetime.combine(filmed, datetime.min.time().replace(hour=12))
    added, errors = 0, []
    for number, upload in enumerate(files):
        _, path = widgets.current_cache().store_upload(upload.getvalue(), upload.name)
        # Cancel needs no callback: the click's rerun stops the loop, and what was added stays added.
        run = widgets.CancellableRun(f"{plain(upload.name)}: finding the body…", key=f"lib_cancel_{number}",
                                     on_cancel=lambda: None)
        try:
            session = run.run(
                lambda progress, should_cancel, path=path, name=upload.name: library.add_clip(
                    client.id, path, exercise, name=name, recorded_at=recorded,
                    progress=progress, should_cancel=should_cancel,
                )
            )
            session_video.draw_annotated(library, session)  # queued: the next clip does not wait for it
            added += 1
        except InputError as exc:
            run.clear()
            errors.append(f"{plain(upload.name)}: {plain(exc)}")
    # Rerun with a fresh uploader (and the client picker's new session count); the messages survive it.
    st.session_state["lib_upload_round"] += 1
    if errors:
        st.session_state["lib_error"] = "\n\n".join(errors)
    if added:
        st.session_state["lib_message"] = f"Added {_plural(added, 'session')} to {plain(client.name)}."
    st.rerun()


# -- compare, trend, export ----------------------------------------------------
def _aligned_start_s(report: Report, rep: int) -> float:
    """Where a compared video starts: rep ``rep`` (1-based), or for 0 where the set starts (its first rep or
    its hold), so two sets filmed with different lead-ins line up."""
    if rep:
        return rep_start_s(report, rep)
    start_ms = report.reps[0].start_ms if report.reps else report.hold.start_ms if report.hold else 0.0
    return round(start_ms / 1000.0, 1)


def compare_tab(library: Library, client: ClientInfo) -> None:
    sessions = {s.id: s for s in library.sessions(client.id)}
    if len(sessions) < 2:
        st.info("Two sessions are needed to compare.")
        return
    a, b = st.columns(2)
    pick = {"format_func": lambda sid: sessions[sid].label, "index": None, "placeholder": "Choose a session"}
    first = a.selectbox("First session", list(sessions), key="cmp_a", **pick)
    second = b.selectbox("Second session", list(sessions), key="cmp_b", **pick)
    if first is None or second is None:
        return
    if first == second:
        st.info("Choose two different sessions.")
        return
    analyses = {sid: library.analysis(sid) for sid in (first, second)}
    fewest_reps = min(len(x.report.reps) for x in analyses.values())
    rep = int(st.number_input("Line both videos up on rep (0: the start of the set)", 0, fewest_reps, 0,
                              key="cmp_rep")) if fewest_reps else 0
    starts = {f"cmp_{sid}": _aligned_start_s(analyses[sid].report, rep) for sid in (first, second)}
    player.sync_bar("cmp", starts, f"rep {rep}" if rep else "the start of the set")
    for column, sid in zip(st.columns(2), (first, second)):  # under the bar: it plays both
        report = analyses[sid].report
        with column:
            player.show_video(sessions[sid].video, key=f"cmp_{sid}", start_s=starts[f"cmp_{sid}"],
                              size=(report.source.width, report.source.height))
            st.markdown(f"**{report.verdict}**")
            st.metric("Score", score_text(report.score))
            for group in widgets.group_findings(report).values():
                worst = max((f.measured or 0.0 for f in group), key=abs)
                st.write(f"- {group[0].title}: {len(group)}× (worst {worst:g} {group[0].unit})")
    names = [n for n in key_series(analyses[first]) if n in key_series(analyses[second])]
    if not names:
        st.caption("These sessions share no measured angle to plot.")
        return
    label = {n: measure_label(n, analyses[first].exercise) for n in names}
    name = st.selectbox("Measure", names, key="cmp_series", format_func=label.get)
    figure = go.Figure()
    for sid in (first, second):
        t, values = aligned_series(analyses[sid], name)
        figure.add_scatter(x=t, y=values, mode="lines", name=sessions[sid].label)
    figure.update_layout(xaxis_title="seconds from the first rep", yaxis_title=label[name], height=360)
    st.plotly_chart(figure, key="cmp_plot", width="stretch")


@st.cache_data(show_spinner=False, max_entries=2000)
def _check_values(_library: Library, library_key: str, session_id: int, video: str,
                  point: trends.SessionPoint) -> list[trends.CheckValue]:
    """What each check measured in a session (rebuilt from its kept pose track once, then remembered)."""
    return trends.check_values(point, _library.analysis(session_id))


def trend_tab(library: Library, client: ClientInfo) -> None:
    sessions = library.sessions(client.id)
    if not sessions:
        st.info("No sessions yet: nothing to trend.")
        return
    points = [trends.SessionPoint(s.id, s.recorded_at, s.exercise, s.score) for s in sessions]
    st.plotly_chart(trends.score_figure(points), key="trend_score", width="stretch")
    reports = [(p, library.report(p.session_id)) for p in points]
    often = trends.how_often(reports)
    titles = {f.code: trends.check_title(f.code, f.title) for _, r in reports for f in r.findings}
    if often:
        st.plotly_chart(trends.how_often_figure(often, titles), key="trend_often", width="stretch")
    else:
        st.caption("No form error recorded for this client yet.")
    values: dict[str, list[trends.CheckValue]] = {}
    with st.spinner("Measuring each session…"):
        for point, session in zip(points, sessions):
            for value in _check_values(library, str(library.root), session.id, str(session.video), point):
                values.setdefault(value.code, []).append(value)
    if not values:
        return
    st.markdown("##### Each check, session by session, against its limits")
    columns = st.columns(2)
    for i, (code, mine) in enumerate(sorted(values.items())):
        figure = trends.check_figure(mine, trends.check_title(code, titles.get(code, code)))
        columns[i % 2].plotly_chart(figure, key=f"trend_check_{code}", width="stretch")


def export_tab(library: Library, client: ClientInfo) -> None:
    stem = "".join(ch if ch.isalnum() else "_" for ch in client.name).strip("_") or "client"
    st.download_button("All sessions (JSON)", lambda: library.export_json(client.id), f"{stem}.json",
                       "application/json", key="export_json", on_click="ignore")
    st.download_button("Reports to send (zip: each session's page with your notes and its annotated clip)",
                       lambda: client_export.client_reports_zip(library, client), f"{stem}_reports.zip",
                       "application/zip", key="export_zip", on_click="ignore")
    missing = [s for s in library.sessions(client.id) if session_video.annotated_video(s) is None]
    if missing:
        st.caption(f"{_plural(len(missing), 'session')} without an annotated clip yet: open a session to have "
                   "it drawn (a live session, kept as poses only, has none).")


def page() -> None:
    st.title("Trainer library")
    if not login_gate():
        return
    library = get_library()
    for key, show in (("lib_error", st.error), ("lib_message", st.success)):
        if st.session_state.get(key):
            show(st.session_state.pop(key))
    client = client_manager(library)
    if client is None:
        return
    tabs = st.tabs(["Sessions", "Add clips", "Compare", "Trend", "Export"])
    for tab, draw in zip(tabs, (sessions_tab, add_clips_tab, compare_tab, trend_tab, export_tab)):
        with tab:
            draw(library, client)


if __name__ == "__main__":
    page()
