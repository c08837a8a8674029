"""The queue's theme filter reads one theme's debriefs together.

Filtering the queue by a theme asks of each debrief in it whether it has the
theme. The key (debrief, theme) puts each debrief's themes on its own page, so at
100,000 debriefs the 3,289 debriefs in the queue were 1,829 page reads a view
after another worker's commit had emptied the page cache (issue 9). In
(theme, debrief) order one theme's debriefs sit on a few hundred pages. It
replaces the index on the theme alone, which it contains. It is unique, as the
key is: with two unique indexes that answer the question equally, SQLite's
planner takes this one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:30:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_debrief_themes_by_theme", "debrief_themes", ["theme_id", "debrief_id"], unique=True
    )
    op.drop_index("ix_debrief_themes_theme_id", table_name="debrief_themes")


def downgrade() -> None:
    op.create_index("ix_debrief_themes_theme_id", "debrief_themes", ["theme_id"])
    op.drop_index("ix_debrief_themes_by_theme", table_name="debrief_themes")
