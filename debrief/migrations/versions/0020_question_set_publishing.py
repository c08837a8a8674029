"""Publishing question sets from the browser (issue 23): the active version is kept in the
database, not read from questions.toml.

`question_set_state`: one row naming the active version, and the claim a publish takes
(a conditional UPDATE) so that a second publish started meanwhile is refused.
`question_set_publications`: every publish, roll back and seed, with who, when and why.
`question_set_uploads`: who uploaded each draft version, when, and the file's name.

The active version is left empty: the app publishes its question file as the seed at its
next start (so an installation carries on with the file it was using).

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-04 23:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_set_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("active_version_id", sa.Integer(), nullable=True),
        sa.Column("publishing_token", sa.String(length=64), nullable=True),
        sa.Column("publishing_since", sa.DateTime(), nullable=True),
        sa.Column("publishing_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["active_version_id"],
            ["question_set_versions.id"],
            name=op.f("fk_question_set_state_active_version_id_question_set_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["publishing_by_id"],
            ["users.id"],
            name=op.f("fk_question_set_state_publishing_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_set_state")),
    )
    op.create_table(
        "question_set_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["question_set_versions.id"],
            name=op.f("fk_question_set_publications_version_id_question_set_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_question_set_publications_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_set_publications")),
    )
    op.create_index(
        "ix_question_set_publications_version_id", "question_set_publications", ["version_id"]
    )
    op.create_table(
        "question_set_uploads",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["question_set_versions.id"],
            name=op.f("fk_question_set_uploads_version_id_question_set_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_question_set_uploads_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_question_set_uploads")),
    )


def downgrade() -> None:
    op.drop_table("question_set_uploads")
    op.drop_index("ix_question_set_publications_version_id", table_name="question_set_publications")
    op.drop_table("question_set_publications")
    op.drop_table("question_set_state")
