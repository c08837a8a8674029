"""NCCU reconciliation in the database (issue 22): indexes on the references as matching
compares them (trimmed, in capitals: references.match_key_in_sql), so that a list page
joins referrals to events by index instead of loading every event and referral.

Expression indexes: the database keeps them equal to the references on every write
(ORM, Core, an import's bulk update), with no copy to fall out of step.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _key(column: str):
    return sa.text(f"upper(trim({column}))")


def upgrade() -> None:
    op.create_index("ix_events_nccu_match", "events", [_key("nccu_reference"), "reported_at", "id"])
    op.create_index(
        "ix_events_incident_match", "events", [_key("incident_ref"), "reported_at", "id"]
    )
    op.create_index("ix_nccu_referrals_nccu_match", "nccu_referrals", [_key("nccu_reference")])
    op.create_index("ix_nccu_referrals_force_match", "nccu_referrals", [_key("force_reference")])
    op.create_index(
        "ix_nccu_referrals_received",
        "nccu_referrals",
        ["intel_doc_received", "referred_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_nccu_referrals_received", table_name="nccu_referrals")
    op.drop_index("ix_nccu_referrals_force_match", table_name="nccu_referrals")
    op.drop_index("ix_nccu_referrals_nccu_match", table_name="nccu_referrals")
    op.drop_index("ix_events_incident_match", table_name="events")
    op.drop_index("ix_events_nccu_match", table_name="events")
