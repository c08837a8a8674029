"""On SQLite, answers are stored in key order (WITHOUT ROWID).

A debrief's answers then sit together in the table itself, instead of being found
one by one through the primary-key index. PostgreSQL has no such option: nothing
to do there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 08:20:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _rebuild_answers(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "answers", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ):
        pass


def upgrade() -> None:
    _rebuild_answers(with_rowid=False)


def downgrade() -> None:
    _rebuild_answers(with_rowid=True)
