"""The library as it was when migrations began: clients, sessions, their flags and notes.

Every table and index is created only if missing (see ``migrations/__init__``).

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# (table, column) of every index; named as SQLAlchemy names an ``index=True`` column's.
INDEXED = (
    ("sessions", "client_id"),
    ("sessions", "recorded_at"),
    ("sessions", "video_sha256"),
    ("sessions", "exercise"),
    ("flags", "session_id"),
    ("flags", "code"),
    ("notes", "session_id"),
)


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("original_name", sa.String(300), nullable=False),
        sa.Column("video_sha256", sa.String(64), nullable=False),
        sa.Column("video_suffix", sa.String(8), nullable=False),
        sa.Column("exercise", sa.String(64), nullable=False),
        sa.Column("exercise_requested", sa.String(64), nullable=False),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("hold_s", sa.Double(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reps_affected", sa.Integer(), nullable=False),
        sa.Column("magnitude", sa.Double(), nullable=True),
        sa.Column("threshold", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(32), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("finding_code", sa.String(120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("session_id", "finding_code"),
        if_not_exists=True,
    )
    for table, column in INDEXED:
        op.create_index(f"ix_{table}_{column}", table, [column], if_not_exists=True)


def downgrade() -> None:
    for table in ("notes", "flags", "sessions", "clients"):
        op.drop_table(table)
