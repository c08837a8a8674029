"""Chasing outstanding intelligence documents: supervisors on accounts, the chase table,
and the time the NCCU list first said a document was received.

`users.supervisor_id`: who is told, besides the person, of what is chased from them.
`intel_doc_chases`: the force's side of an outstanding referral (chasing.py).
`nccu_referrals.receipt_listed_at`: when the first list marking the document received was
imported; filled here from the batch that last wrote each received referral (the best
known for lists imported before this), for the dashboard's days to confirmed receipt.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04 21:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _add_supervisor()
    op.add_column("nccu_referrals", sa.Column("receipt_listed_at", sa.DateTime(), nullable=True))
    referrals = sa.table(
        "nccu_referrals",
        sa.column("batch_id", sa.Integer),
        sa.column("intel_doc_received", sa.Boolean),
        sa.column("receipt_listed_at", sa.DateTime),
    )
    batches = sa.table("import_batches", sa.column("id", sa.Integer), sa.column("applied_at"))
    op.get_bind().execute(
        referrals.update()
        .where(referrals.c.intel_doc_received.is_(True))
        .values(
            receipt_listed_at=sa.select(batches.c.applied_at)
            .where(batches.c.id == referrals.c.batch_id)
            .scalar_subquery()
        )
    )
    op.create_table(
        "intel_doc_chases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("debrief_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["nccu_referrals.id"],
            name=op.f("fk_intel_doc_chases_referral_id_nccu_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["debrief_id"],
            ["debriefs.id"],
            name=op.f("fk_intel_doc_chases_debrief_id_debriefs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_intel_doc_chases_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_intel_doc_chases_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_doc_chases")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_intel_doc_chases_referral_id")),
    )
    op.create_index(op.f("ix_intel_doc_chases_debrief_id"), "intel_doc_chases", ["debrief_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_intel_doc_chases_debrief_id"), table_name="intel_doc_chases")
    op.drop_table("intel_doc_chases")
    op.drop_column("nccu_referrals", "receipt_listed_at")
    op.drop_index(op.f("ix_users_supervisor_id"), table_name="users")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column that refers to a table without rebuilding `users`,
        # which every other table refers to: the column stays, unused by earlier code,
        # and upgrading again finds it there.
        return
    op.drop_constraint(op.f("fk_users_supervisor_id_users"), "users", type_="foreignkey")
    op.drop_column("users", "supervisor_id")


def _add_supervisor() -> None:
    """Add users.supervisor_id without rebuilding `users` on SQLite (a rebuild drops the
    table every other one refers to, which foreign keys refuse once there are rows)."""
    bind = op.get_bind()
    present = {c["name"] for c in sa.inspect(bind).get_columns("users")}
    if bind.dialect.name == "sqlite":
        if "supervisor_id" not in present:
            op.execute(
                "ALTER TABLE users ADD COLUMN supervisor_id INTEGER "
                "CONSTRAINT fk_users_supervisor_id_users REFERENCES users (id)"
            )
    else:
        op.add_column("users", sa.Column("supervisor_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_users_supervisor_id_users"),
            "users",
            "users",
            ["supervisor_id"],
            ["id"],
        )
    op.create_index(op.f("ix_users_supervisor_id"), "users", ["supervisor_id"])
